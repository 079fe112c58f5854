"""The schema comes from migrations (alembic), on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from store.db import MIGRATIONS, get_engine, migrate
from store.models import AuditEntry, Packet
from tests.samples import db_url_of, new_home


@pytest.fixture
def database_url(tmp_path, database):
    return db_url_of(new_home(tmp_path / "home", database))


def test_the_migrations_build_exactly_the_models_schema(database_url):
    engine = get_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == [], "a model changed without a migration in store/migrations/versions/"


def test_migrating_again_keeps_the_data(database_url):
    engine = get_engine(database_url)
    with Session(engine) as session:
        session.add(Packet(name="p", content_hash="h", claim_id="C2026-000001", received_date=date(2026, 11, 25)))
        session.commit()
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM packet")).scalar() == 1
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == _newest_revision()


def _newest_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_the_audit_trail_refuses_changes_in_the_database_itself(database_url):
    engine = get_engine(database_url)
    with Session(engine) as session:
        packet = Packet(name="p", content_hash="h", claim_id="C2026-000001", received_date=date(2026, 11, 25))
        session.add(packet)
        session.flush()
        session.add(AuditEntry(packet_id=packet.id, claim_id=packet.claim_id, kind="correction", actor="clerk1"))
        session.commit()
    for statement in ("UPDATE auditentry SET actor = 'someone else'", "DELETE FROM auditentry"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
