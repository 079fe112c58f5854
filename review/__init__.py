"""The clerks' review web app (`claims review`): correct what the machine was unsure of, fast."""

from __future__ import annotations

from pathlib import Path


def serve(db_url: str, claims_home: Path, host: str = "127.0.0.1", port: int = 8410, inbox: Path | None = None) -> None:
    """Run the app until interrupted. The app writes the access log itself (logger review.access): paths
    with record ids only, never the query string, which uvicorn's own access log would show."""
    import logging

    import uvicorn

    from review.app import create_app

    logging.getLogger("review").setLevel(logging.INFO)  # record ids and counts only
    uvicorn.run(create_app(db_url, Path(claims_home), inbox=inbox), host=host, port=port, log_level="info", access_log=False)
