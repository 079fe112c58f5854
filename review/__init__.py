"""The clerks' review web app (`claims review`): correct what the machine was unsure of, fast."""

from __future__ import annotations

from pathlib import Path


def serve(db_url: str, claims_home: Path, host: str = "127.0.0.1", port: int = 8410) -> None:
    """Run the app until interrupted. Access logs carry paths with record ids only, never values."""
    import uvicorn

    from review.app import create_app

    uvicorn.run(create_app(db_url, Path(claims_home)), host=host, port=port, log_level="info")
