"""The database: SQLite under CLAIMS_HOME by default, PostgreSQL by URL."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from store import models  # noqa: F401  (registers the tables)

_engines: dict[str, Engine] = {}


def default_url(claims_home: Path) -> str:
    return f"sqlite:///{(claims_home / 'claims.db').resolve()}"


def get_engine(url: str) -> Engine:
    if url not in _engines:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _create_tables(engine)
        _engines[url] = engine
    return _engines[url]


def _create_tables(engine: Engine) -> None:
    """Create what is missing; another process starting at the same moment may win the race for a table."""
    for attempt in range(3):
        try:
            SQLModel.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError) as error:
            if "already exists" not in str(error) or attempt == 2:
                raise


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
