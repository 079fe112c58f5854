"""Several machines: `claims serve --work-pool` and a second Prefect worker share one inbox's packets."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

from sqlmodel import Session, select

from store.db import get_engine
from store.models import Decision
from tests.samples import (
    SAMPLES, database_connections, db_url_of, inbox_is_empty, new_home, output_of, packets_in_db, start_logged,
    wait_until,
)

PACKETS = ("02_under_deductible", "03_missing_detail_list")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM, then SIGKILL if it has not ended in a minute; what it wrote to stderr."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return output_of(process, timeout=60)[1]
    except subprocess.TimeoutExpired:  # Prefect's worker may take longer to wind down
        os.killpg(process.pid, signal.SIGKILL)
        return output_of(process, timeout=30)[1]


def _flow_runs(api_url: str, deployment_flow: str) -> list[dict]:
    body = json.dumps({"flows": {"name": {"any_": [deployment_flow]}}}).encode()
    request = urllib.request.Request(f"{api_url}/flow_runs/filter", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_two_workers_of_a_work_pool_decide_every_packet_once(tmp_path, database):
    home, inbox = new_home(tmp_path / "home", database), tmp_path / "inbox"
    inbox.mkdir()
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    # One shared Prefect server, as on several machines; its own state, apart from other tests'.
    env = {**os.environ, "CLAIMS_HOME": str(home), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": api_url, "PREFECT_WORKER_QUERY_SECONDS": "2"}
    server = start_logged([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                      env)
    processes = [server]
    try:
        wait_until(lambda: _healthy(api_url), 180, "the Prefect server")
        processes.append(start_logged([sys.executable, "-m", "flows.cli", "serve", str(inbox), "--work-pool", "mailroom",
                                   "--poll-seconds", "3", "--settle-seconds", "1"], env))
        processes.append(start_logged([sys.executable, "-m", "prefect", "worker", "start", "--pool", "mailroom"], env))
        for name in PACKETS:
            shutil.copytree(SAMPLES / name, inbox / name, ignore=shutil.ignore_patterns("*.json"))

        def all_decided() -> bool:
            return sorted(p.name for p in packets_in_db(home) if p.status == "decided") == sorted(PACKETS)

        def where_things_stand() -> str:
            packets = sorted((p.name, p.status) for p in packets_in_db(home))
            runs = sorted((run["name"], run["state_name"]) for run in _flow_runs(api_url, "intake-taken-packet"))
            dispatches = [run["state_name"] for run in _flow_runs(api_url, "dispatch-inbox")]
            waiting = sorted(path.name for path in inbox.rglob("*") if path.parent.name == "processing")
            return (f"packets {packets}; intake runs {runs}; dispatch runs by state "
                    f"{ {state: dispatches.count(state) for state in set(dispatches)} }; taken {waiting}; "
                    f"quarantined {sorted(p.name for p in (home / 'quarantine').rglob('*'))}; "
                    f"database connections {database_connections()}")

        wait_until(all_decided, 600, "both packets decided through the pool", where_things_stand)
        wait_until(lambda: inbox_is_empty(inbox), 60, "the inbox emptied")
        with Session(get_engine(db_url_of(home))) as session:
            decisions = session.exec(select(Decision).where(Decision.current)).all()
        assert sorted(d.claim_id for d in decisions) == sorted(p.claim_id for p in packets_in_db(home))
        intake_runs = _flow_runs(api_url, "intake-taken-packet")
        assert sorted(run["state_type"] for run in intake_runs) == ["COMPLETED", "COMPLETED"]
        assert {run["work_pool_name"] for run in intake_runs} == {"mailroom"}
    finally:
        stderr = [_stop(process) for process in reversed(processes)]
        for text in stderr:  # pytest shows it when the test fails
            print(text[-4000:])
    assert not any("Traceback" in text for text in stderr[:-1]), stderr


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2):
            return True
    except OSError:
        return False
