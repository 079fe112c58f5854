"""Where things live and which engine reads: embedded defaults, overridable by
CLAIMS_HOME/claims.toml, environment variables and command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from adjudicator.letter import Contact
from pipeline.errors import BadInputError
from pipeline.ocr import DEFAULT_ENGINE, engine_names
from store.db import default_url

# Where the member's letter sends questions (M3.2): claims.toml `contact_phone`, `contact_address`,
# `contact_hours`, or CLAIMS_CONTACT_PHONE/_ADDRESS/_HOURS. Replace these with the insurer's own.
DEFAULT_CONTACT = Contact(phone="021-6888 8888", address="上海市浦东新区世纪大道 天安人寿上海分公司 理赔服务部",
                          hours="工作日 9:00–17:00")
_SETTINGS = ("ocr_engine", "ocr_threads", "db_url", "contact_phone", "contact_address", "contact_hours")


class ConfigurationError(BadInputError):
    """A setting (claims.toml, environment, option) that cannot work: the operator's to fix, not the input's."""

    code = "CONFIGURATION"


@dataclass(frozen=True)
class Settings:
    claims_home: Path
    db_url: str
    ocr_engine: str
    ocr_threads: int  # 0: ONNX Runtime's own choice
    contact: Contact = DEFAULT_CONTACT

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
    if engine not in engine_names():
        raise ConfigurationError(f"unknown OCR engine '{engine}' (choose one of: {', '.join(engine_names())})")
    threads = os.environ.get("CLAIMS_OCR_THREADS") or config.get("ocr_threads") or 0
    try:
        threads = int(threads)
    except ValueError:
        raise ConfigurationError(f"ocr_threads must be a whole number, not '{threads}'") from None
    url = db_url or os.environ.get("CLAIMS_DB_URL") or config.get("db_url") or default_url(home)
    contact = Contact(**{part: str(os.environ.get(f"CLAIMS_CONTACT_{part.upper()}") or config.get(f"contact_{part}")
                                   or getattr(DEFAULT_CONTACT, part)) for part in ("phone", "address", "hours")})
    return Settings(claims_home=home, db_url=url, ocr_engine=engine, ocr_threads=threads, contact=contact)


def _config_file(home: Path) -> dict:
    path = home / "claims.toml"
    if not path.is_file():
        return {}
    try:
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(config) - set(_SETTINGS)
    if unknown:
        raise ConfigurationError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    return config


def open_database(url: str, connect: bool = True) -> None:
    """Connect (and migrate) once: a URL that cannot work is a configuration error, told in one line.
    `connect=False` (long-running services, which wait out a database that is away) checks only that
    the URL is one and that its driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from store.db import get_engine

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise ConfigurationError("the database URL is not a URL like sqlite:///path or "
                                 "postgresql://user@host/database") from None
    try:
        get_engine(url) if connect else make_url(url).get_dialect()
    except (NoSuchModuleError, ImportError) as error:
        raise ConfigurationError(f"database {shown}: no driver for it ({type(error).__name__})") from None
    except (DBAPIError, ArgumentError) as error:
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:200]
        raise ConfigurationError(f"cannot open the database {shown}: {detail}") from None
    except OSError as error:  # SQLite: the folder it should live in is missing or not writable
        raise ConfigurationError(f"cannot open the database {shown}: {error.strerror}") from None


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
