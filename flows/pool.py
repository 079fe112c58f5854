"""Several machines: the intake as deployments of a Prefect work pool.

    claims serve INBOX --work-pool POOL     on the machine that mounts the stations' share:
                                            registers the deployments below in POOL (a process
                                            pool, created if missing) and runs a worker of it
    prefect worker start --pool POOL        on every other machine with the project installed

Every machine shares the Prefect server (PREFECT_API_URL), the database (CLAIMS_DB_URL) and
CLAIMS_HOME (archive, page images, quarantine) on a shared path; INBOX is on the share too.

  dispatch-inbox   every few seconds, one run at a time: takes the settled packets into
                   INBOX/.claims/processing/ and starts one intake-taken-packet run per taken
                   packet that nobody is working on; any worker of the pool picks it up
  intake-taken-packet   one packet through the intake flow, under the packet's lock; a packet
                   whose database or disk is away fails the run, and the next dispatch starts
                   it again
  nightly          the nightly run, by cron, one at a time

A packet is never decided twice: the run holds the packet's lock while it works, the intake
flow recognises a packet decided before, and a taken packet is started again only once its
last run has ended without finishing it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow

from flows.packets import name_ref, packet_name
from flows.settings import Settings, load_settings, prepare_environment
from flows.watch import Inbox, Outcome, dropped_as, set_aside_whole, take_all, work_on

log = logging.getLogger("claims.pool")

INTAKE_DEPLOYMENT = "intake-taken-packet/intake-taken-packet"
_RUNS_PER_PACKET = 5  # runs of one packet that may end unfinished before it is set aside


class PacketWaits(Exception):
    """The database or the disk is away: the packet stays taken and is started again later."""


def _settings(claims_home: str, db_url: str) -> Settings:
    settings = load_settings(claims_home, db_url)
    prepare_environment(settings)  # a worker's run process starts without CLAIMS_HOME
    return settings


def _ref(taken: Path) -> str:
    """The packet's reference as the intake's own log lines give it."""
    return name_ref(packet_name(taken, dropped_as(taken)))


def _run_name() -> str:
    from prefect.runtime import flow_run

    parameters = flow_run.parameters
    return f"intake-{_ref(Inbox(Path(parameters['inbox']), settle_seconds=0).processing / parameters['taken_name'])}"


@flow(name="intake-taken-packet", flow_run_name=_run_name, log_prints=False)
def intake_taken_packet(inbox: str, taken_name: str, claims_home: str, db_url: str) -> str:
    inbox_folder = Inbox(Path(inbox), settle_seconds=0)
    taken = inbox_folder.processing / taken_name
    outcome = work_on(taken, inbox_folder, _settings(claims_home, db_url))
    if outcome is Outcome.LATER:
        raise PacketWaits(f"packet {_ref(taken)}… waits: the database or the disk is away")
    return outcome.value


@flow(name="dispatch-inbox", log_prints=False)
def dispatch_inbox(inbox: str, claims_home: str, db_url: str, settle_seconds: float) -> int:
    """One look at the inbox: take the settled packets, start a run for every taken packet nobody works on."""
    settings = _settings(claims_home, db_url)
    inbox_folder = Inbox(Path(inbox), settle_seconds)
    inbox_folder.purge_finished()
    take_all(inbox_folder, inbox_folder.settled())
    handed_over = 0
    for taken in inbox_folder.left_over():
        with inbox_folder.hold(taken) as free:
            if not free:
                continue  # a run is working on it now
        handed_over += _hand_over(inbox_folder, taken, settings)
    return handed_over


def _hand_over(inbox: Inbox, taken: Path, settings: Settings) -> bool:
    """Make sure a run of the taken packet is waiting or running; False if the packet was set aside.

    The idempotency key names the packet as taken (a hash of its name, and when it was taken),
    so that looking again finds the run started before; a run that ended with the packet still
    here (a worker killed, the database away) is followed by a new one, keyed after it. A packet
    that ended too many runs unfinished goes to quarantine: it is the packet, not the machines."""
    from prefect.deployments import run_deployment

    parameters = {"inbox": str(inbox.path), "taken_name": taken.name, "claims_home": str(settings.claims_home),
                  "db_url": settings.db_url}
    key = f"{_ref(taken)}@{taken.lstat().st_mtime_ns}"
    for _ in range(_RUNS_PER_PACKET):
        run = run_deployment(INTAKE_DEPLOYMENT, parameters=parameters, timeout=0, idempotency_key=key,
                             as_subflow=False)
        if run.state is None or not run.state.is_final():
            return True
        key = f"{key}/after-{run.id}"
    reason = f"{_RUNS_PER_PACKET} intake runs ended without finishing it (last: {run.state.name})"
    log.error("packet %s… set aside as a whole: %s", _ref(taken), reason)
    set_aside_whole(taken, reason, settings)
    return False


def register(pool: str, inbox: Path, settings: Settings, settle_seconds: float, poll_seconds: float,
             nightly_cron: str) -> None:
    """The work pool (a process pool, created if missing) and the three deployments in it."""
    from prefect import deploy
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.types.entrypoint import EntrypointType
    from prefect.workers.process import ProcessWorker

    from flows.serve import nightly_deployment

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process", base_job_template=ProcessWorker.get_default_base_job_template()))
    common = {"claims_home": str(settings.claims_home), "db_url": settings.db_url}
    by_module = {"entrypoint_type": EntrypointType.MODULE_PATH}  # each machine imports the installed project
    deploy(
        dispatch_inbox.to_deployment("dispatch-inbox", interval=poll_seconds, concurrency_limit=1, **by_module,
                                     parameters={"inbox": str(inbox.resolve()), "settle_seconds": settle_seconds,
                                                 **common}),
        intake_taken_packet.to_deployment("intake-taken-packet", **by_module),
        nightly_deployment(settings.claims_home, settings.db_url, nightly_cron, **by_module),
        work_pool_name=pool, build=False, push=False, print_next_steps_message=False, ignore_warnings=True,
    )
