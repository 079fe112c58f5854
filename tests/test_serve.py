"""`claims serve`: the watch folder and the nightly run as scheduled Prefect deployments."""

import os
import shutil
import signal
import subprocess
import sys
import time

from sqlmodel import Session, select

from store.db import get_engine
from store.models import Packet
from tests.samples import SAMPLES, db_url_of, output_of, start_logged


def test_served_watch_deployment_takes_a_dropped_packet(tmp_path):
    inbox, home = tmp_path / "inbox", tmp_path / "home"
    inbox.mkdir()
    server = start_logged([sys.executable, "-m", "flows.cli", "serve", str(inbox), "--poll-seconds", "5",
                           "--settle-seconds", "1"], {**os.environ, "CLAIMS_HOME": str(home)})
    try:
        shutil.copytree(SAMPLES / "03_missing_detail_list", inbox / "03_missing_detail_list",
                        ignore=shutil.ignore_patterns("*.json"))
        deadline = time.monotonic() + 420
        decided = []
        while time.monotonic() < deadline and not decided:
            time.sleep(3)
            if (home / "claims.db").exists():
                with Session(get_engine(db_url_of(home))) as session:
                    decided = session.exec(select(Packet).where(Packet.status == "decided")).all()
        assert [p.name for p in decided] == ["03_missing_detail_list"]
        assert not (inbox / "03_missing_detail_list").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output_of(server, timeout=60)
        except subprocess.TimeoutExpired:  # Prefect's runner may take longer to wind down
            os.killpg(server.pid, signal.SIGKILL)
            output_of(server, timeout=30)
