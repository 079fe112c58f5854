"""Where things live and which engine reads: embedded defaults, overridable by
CLAIMS_HOME/claims.toml, environment variables and command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import BadInputError
from pipeline.ocr import DEFAULT_ENGINE, ENGINE_LOADERS
from store.db import default_url


@dataclass(frozen=True)
class Settings:
    claims_home: Path
    db_url: str
    ocr_engine: str
    ocr_threads: int  # 0: ONNX Runtime's own choice

    @property
    def archive_dir(self) -> Path:
        return self.claims_home / "archive"

    @property
    def pages_dir(self) -> Path:
        return self.claims_home / "pages"

    @property
    def quarantine_dir(self) -> Path:
        return self.claims_home / "quarantine"

    @property
    def models_dir(self) -> Path:
        return self.claims_home / "models"


def load_settings(claims_home: str | None = None, db_url: str | None = None,
                  ocr_engine: str | None = None) -> Settings:
    home = Path(claims_home or os.environ.get("CLAIMS_HOME") or "var").resolve()
    config = _config_file(home)
    engine = ocr_engine or os.environ.get("CLAIMS_OCR_ENGINE") or config.get("ocr_engine") or DEFAULT_ENGINE
    if engine not in ENGINE_LOADERS:
        raise BadInputError(f"unknown OCR engine '{engine}' (choose one of: {', '.join(ENGINE_LOADERS)})")
    threads = os.environ.get("CLAIMS_OCR_THREADS") or config.get("ocr_threads") or 0
    try:
        threads = int(threads)
    except ValueError:
        raise BadInputError(f"ocr_threads must be a whole number, not '{threads}'") from None
    url = db_url or os.environ.get("CLAIMS_DB_URL") or config.get("db_url") or default_url(home)
    return Settings(claims_home=home, db_url=url, ocr_engine=engine, ocr_threads=threads)


def _config_file(home: Path) -> dict:
    path = home / "claims.toml"
    if not path.is_file():
        return {}
    try:
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(config) - {"ocr_engine", "ocr_threads", "db_url"}
    if unknown:
        raise BadInputError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    return config


def prepare_environment(settings: Settings) -> None:
    """Before Prefect is imported: keep its state inside CLAIMS_HOME and quiet offline."""
    settings.claims_home.mkdir(parents=True, exist_ok=True)
    os.environ["CLAIMS_HOME"] = str(settings.claims_home)
    os.environ.setdefault("CLAIMS_OCR_MODEL_DIR", str(settings.models_dir))
    os.environ.setdefault("PREFECT_HOME", str(settings.claims_home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    # Its temporary server starts with the process; on a busy machine 20 s (Prefect's default) is short.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
