"""`claims serve`: the watch folder and the nightly run as Prefect deployments of one process.

The watcher is a short flow scheduled every few seconds (one look at the inbox, stateless,
so a restart loses nothing); the nightly run is scheduled by cron. Both are limited to one
run at a time. With `--work-pool`, the deployments go to a Prefect work pool instead, whose
workers on several machines share the packets (flows/pool.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from prefect import flow, serve
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.pool import register
from flows.settings import load_settings
from pipeline.errors import ClaimsError


class SchedulerError(ClaimsError):
    code = "SCHEDULER"


@flow(name="watch-inbox", log_prints=False)
def watch_inbox(inbox: str, claims_home: str, db_url: str, settle_seconds: float) -> int:
    from flows.watch import watch_once

    return watch_once(Path(inbox), load_settings(claims_home, db_url), settle_seconds)


@flow(name="nightly-run", log_prints=False)
def nightly_run(claims_home: str, db_url: str) -> str:
    from flows.nightly import nightly

    summary = nightly(load_settings(claims_home, db_url))
    return summary.report or ""


def nightly_deployment(claims_home: Path, db_url: str, cron: str, **options):
    """The nightly run at `cron`, never two at once."""
    return nightly_run.to_deployment("nightly", cron=cron, concurrency_limit=1,
                                     parameters={"claims_home": str(claims_home), "db_url": db_url}, **options)


def serve_intake(inbox: Path, claims_home: Path, db_url: str, settle_seconds: float, poll_seconds: float,
                 nightly_cron: str, work_pool: str | None = None) -> None:
    if work_pool:
        with _prefect_api():
            register(work_pool, inbox, load_settings(claims_home, db_url), settle_seconds, poll_seconds, nightly_cron)
            # This machine is one of the pool's workers; `prefect worker start --pool POOL` adds others.
            subprocess.run([sys.executable, "-m", "prefect", "worker", "start", "--pool", work_pool], check=False)
        return
    common = {"claims_home": str(claims_home), "db_url": db_url}
    deployments = (
        watch_inbox.to_deployment("watch-inbox", interval=poll_seconds, concurrency_limit=1,
                                  parameters={"inbox": str(inbox.resolve()), "settle_seconds": settle_seconds,
                                              **common}),
        nightly_deployment(claims_home, db_url, nightly_cron),
    )
    with _prefect_api():
        serve(*deployments)


@contextmanager
def _prefect_api() -> Iterator[None]:
    """PREFECT_API_URL's server, or one started here: Prefect's temporary server runs no scheduler."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    with _local_prefect_server() as api_url, temporary_settings(updates={PREFECT_API_URL: api_url}):
        os.environ["PREFECT_API_URL"] = api_url  # for the worker process
        yield


@contextmanager
def _local_prefect_server(port: int = 4200) -> Iterator[str]:
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SchedulerError("the local Prefect server did not start") from None
                time.sleep(1)
        yield api_url
    finally:
        server.terminate()
        server.wait(timeout=30)
