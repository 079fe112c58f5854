"""The sample scans, their truth files and the OCR output stored for them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from extractors.model import OcrPage
from pipeline.cleanup import upright
from pipeline.ocr import TextLine

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_scans"
STORED_OCR = ROOT / "tests" / "ocr"
CALIBRATION = ROOT.parent / "shared" / "calibration" / "real-receipts"


def sample_pages() -> list[Path]:
    return sorted(SAMPLES.glob("*/*.jpg"))


def truth_of(scan: Path) -> dict:
    return json.loads(scan.with_name(scan.stem + ".truth.json").read_text(encoding="utf-8"))


def stored_ocr(scan: Path) -> dict:
    return json.loads((STORED_OCR / scan.parent.name / f"{scan.stem}.json").read_text(encoding="utf-8"))


def stored_page(scan: Path) -> OcrPage:
    """The page as the pipeline sees it, with the OCR lines stored by tests/tools/store_ocr.py."""
    stored = stored_ocr(scan)
    clean = upright(cv2.imread(str(scan)))
    return OcrPage(scan.name, 1, stored["rotation"], tuple(TextLine.from_json(l) for l in stored["lines"]),
                   image=clean.image, skew=clean.skew)


def page_id(scan: Path) -> str:
    return f"{scan.parent.name}/{scan.stem}"


def run_claims(*args: str, home: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The `claims` command as a user runs it, with CLAIMS_HOME set."""
    env = {**os.environ, "CLAIMS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


POSTGRES_URL = os.environ.get("CLAIMS_TEST_POSTGRES_URL")  # a server the tests may create databases on
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def database_connections() -> int | None:
    """Connections open on the PostgreSQL test server (None without one): what a test that timed out
    may have been waiting for."""
    if not POSTGRES_URL:
        return None
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar_one()
    finally:
        admin.dispose()


def db_url_of(home: Path) -> str:
    """The database a CLAIMS_HOME uses (its claims.toml, else SQLite inside it)."""
    from flows.settings import load_settings

    return load_settings(str(home)).db_url


def new_home(folder: Path, database: str) -> Path:
    """A CLAIMS_HOME; with PostgreSQL, a fresh database named in its claims.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    if database == "postgresql":
        (folder / "claims.toml").write_text(f'db_url = "{create_postgres_database()}"\n', encoding="utf-8")
    return folder


def create_postgres_database(template: str | None = None) -> str:
    """A new, empty (or copied) database on the test server; its URL."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from store.db import dispose_engine

    name = f"claims_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    copy = ""
    if template:
        dispose_engine(template)  # a template database must have no open connections
        copy = f" TEMPLATE {make_url(template).database}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}{copy}"))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


# --- the watch folder, run as a user runs it ----------------------------------------------

def start_logged(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A long-running process of the project, in a process group of its own, its output going to files.

    Never to a pipe that nobody reads while it runs: a chatty process (Prefect logs every flow run)
    fills a pipe's 64 KiB and then stalls at its next write, which a test sees as the system hanging."""
    folder = Path(tempfile.mkdtemp(prefix="claims-test-process-"))
    out, err = (open(folder / name, "w+", encoding="utf-8") for name in ("stdout", "stderr"))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True, start_new_session=True)
    process.output_files = (out, err)
    return process


def output_of(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """What a process from `start_logged` wrote (stdout, stderr), once it has ended."""
    process.wait(timeout=timeout)
    texts = []
    for handle in process.output_files:
        handle.seek(0)
        texts.append(handle.read())
        handle.close()
    return texts[0], texts[1]


def start_watcher(inbox: Path, home: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`claims watch INBOX` in a process group of its own: a test can kill it together with its
    Prefect server, as a dying machine would."""
    env = {**os.environ, "CLAIMS_HOME": str(home), **(env or {})}
    return start_logged([sys.executable, "-m", "flows.cli", "watch", str(inbox), "--settle-seconds", "1",
                         "--poll-seconds", "0.2"], env)


def stop_watcher(watcher: subprocess.Popen) -> tuple[str, str]:
    """SIGTERM (the watcher finishes the packet in hand, then stops); what it printed."""
    os.killpg(watcher.pid, signal.SIGTERM)
    return output_of(watcher, timeout=120)


def kill_watcher(watcher: subprocess.Popen) -> tuple[str, str]:
    """SIGKILL to the watcher and everything it started, as when the machine dies; what it printed."""
    os.killpg(watcher.pid, signal.SIGKILL)
    return output_of(watcher, timeout=60)


def inbox_is_empty(inbox: Path) -> bool:
    """Nothing waiting in the inbox and nothing taken but unfinished."""
    waiting = [p for p in inbox.iterdir() if not p.name.startswith(".")]
    processing = inbox / ".claims" / "processing"
    return not waiting and not (processing.exists() and any(processing.iterdir()))


def packets_in_db(home: Path) -> list:
    from sqlmodel import Session, select

    from store.db import get_engine
    from store.models import Packet

    url = db_url_of(home)
    if url.startswith("sqlite") and not (home / "claims.db").exists():
        return []  # the watcher has not created it yet
    with Session(get_engine(url)) as session:
        return list(session.exec(select(Packet)).all())


def wait_until(condition, timeout: float, what: str, explain=None) -> None:
    """Wait for `condition`; on a timeout, `explain()` says what the system was doing instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}" + (f"; {explain()}" if explain else ""))
