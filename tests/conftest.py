"""Fixtures shared by the test modules."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

# Flows run in-process by tests talk to one local Prefect server for the whole session,
# kept out of the user's home (set before anything imports prefect).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="claims-tests-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The ephemeral server Prefect starts for in-process flows is given 240 s, not its default 20 s:
# on two loaded cores (OCR tests beside it) it can take longer than 20 s to come up.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "240")

import pytest

from tests.samples import (
    CALIBRATION, DATABASES, SAMPLES, create_postgres_database, db_url_of, new_home, run_claims, wait_until,
)


@pytest.fixture(autouse=True)
def idle_database_connections_closed():
    """Each test makes its own databases, and this process keeps an engine (a pool of connections) per
    database URL: closing the idle ones after every test keeps PostgreSQL's connection limit for the
    tests still to come. The engines stay usable; they connect again when asked."""
    yield
    from store.db import close_idle_connections

    close_idle_connections()


@pytest.fixture(scope="session")
def calibration_receipts():
    receipts = sorted(CALIBRATION.glob("*.jpg"))
    if not receipts:
        pytest.skip("../shared/calibration is not beside this checkout")
    return receipts


@pytest.fixture(scope="session", params=DATABASES)
def database(request):
    """Which database a CLAIMS_HOME of the test uses: SQLite always, PostgreSQL where CI provides one."""
    return request.param


@pytest.fixture(scope="session")
def processed_samples(tmp_path_factory, database):
    """`claims run sample_scans/ --json` once per test session and database, with the real engine.

    Gives the CLAIMS_HOME and each packet's output row. Tests must not change what
    is stored there: use `copied_samples_home` for that.
    """
    home = new_home(tmp_path_factory.mktemp("claims-home"), database)
    result = run_claims("run", str(SAMPLES), "--json", home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return home, {row["packet"]: row for row in rows}


@pytest.fixture
def copied_samples_home(processed_samples, tmp_path):
    """A copy of the processed samples' CLAIMS_HOME (database and page images) to change freely."""
    home, _ = processed_samples
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("archive", "models", "prefect", "claims.toml"))
    source_url = db_url_of(home)
    if source_url.startswith("postgresql"):
        url = create_postgres_database(template=source_url)
        (copy / "claims.toml").write_text(f'db_url = "{url}"\n', encoding="utf-8")
    return copy


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """One Prefect server for the watcher processes tests start (PREFECT_API_URL in their environment), as
    the README sets up several machines: a watcher then starts in seconds, and killing a watcher leaves the
    server up, as when one machine dies."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-server")),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2):
                return True
        except OSError:
            return server.poll() is not None  # died: stop waiting, the assert below says so

    wait_until(healthy, 180, "the Prefect server")
    assert server.poll() is None, "the Prefect server did not start"
    yield {"PREFECT_API_URL": api}
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
