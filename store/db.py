"""The database: SQLite under CLAIMS_HOME by default, PostgreSQL by URL."""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class _NoRowValues(logging.Filter):
    """At DEBUG SQLAlchemy logs every row it fetches: names, ID numbers, accounts. Statements still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NoRowValues())

_engines: dict[str, Engine] = {}


def default_url(claims_home: Path) -> str:
    return f"sqlite:///{(claims_home / 'claims.db').resolve()}"


def get_engine(url: str) -> Engine:
    if url not in _engines:
        # Statement parameters are names, ID numbers and accounts: kept out of SQLAlchemy's logs and errors.
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        migrate(engine)
        _engines[url] = engine
    return _engines[url]


def close_idle_connections() -> None:
    """Close the pooled connections of every database this process has open; the engines stay usable."""
    for engine in list(_engines.values()):
        engine.dispose()


def dispose_engine(url: str) -> None:
    """Close the pooled connections of a database this process has open."""
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; data is never dropped on the way.

    Processes starting at the same moment take turns: an advisory lock on PostgreSQL, a file
    lock beside the SQLite database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(7185301)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (review screen) never block the intake
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
