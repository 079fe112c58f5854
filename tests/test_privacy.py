"""No member's name, ID number or bank account in any log.

The sample packets go through `claims run` filed as a mailroom files them, under the member's name, with
Prefect logging at DEBUG and sending its flow-run logs to its database; then clerks and a supervisor
work in the review app with every logger at DEBUG (the database driver's too). What the truth files
say is personal must appear in none of it; masked forms (张*, 310*************6) may.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from review.app import create_app
from review.users import create_user
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, field_id, form_of, log_in, misread, packet_id
from tests.samples import SAMPLES, db_url_of, new_home, run_claims, sample_pages, truth_of

PERSONAL_FIELDS = ("name", "patient_name", "payer_name", "account_holder", "id_number", "account_number", "address")
TYPED_NAME, TYPED_ID_NUMBER = "张卫", "11010519491231002X"  # what a clerk types in: personal too


def personal_data() -> set[str]:
    found = {str(truth_of(scan)["fields"][key]) for scan in sample_pages() for key in PERSONAL_FIELDS
             if truth_of(scan)["fields"].get(key)}
    assert len(found) >= 9, found  # three members: names, ID numbers, accounts
    return found | {TYPED_NAME, TYPED_ID_NUMBER}


def _leaks(text: str) -> list[str]:
    """The lines holding personal data, shown with it blanked out (a test's output is a log too)."""
    secrets = personal_data()
    found = []
    for line in text.splitlines():
        if any(secret in line for secret in secrets):
            for secret in secrets:
                line = line.replace(secret, "<personal>")
            found.append(line[:300])
    return found


def _member_name(packet: Path) -> str:
    return truth_of(packet / "id_copy.jpg")["fields"]["name"]


@pytest.fixture(scope="module")
def logged_intake(tmp_path_factory):
    """`claims run` over the sample packets in folders named after their members; its stderr, and the
    flow-run logs and flow-run names kept in the run's own Prefect database."""
    root = tmp_path_factory.mktemp("privacy")
    inbox = root / "inbox"
    for packet in sorted(path for path in SAMPLES.iterdir() if path.is_dir()):
        shutil.copytree(packet, inbox / f"{_member_name(packet)}-{packet.name}")
    home = new_home(root / "home", "sqlite")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("PREFECT_HOME", str(home / "prefect"))
        environment.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
        environment.setenv("PREFECT_LOGGING_TO_API_ENABLED", "true")
        result = run_claims("run", str(inbox), "--json", home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(home / "prefect" / "prefect.db") as prefect:
        stored = [row[0] for row in prefect.execute("SELECT message FROM log")]
        stored += [row[0] for row in prefect.execute("SELECT name FROM flow_run")]
        stored += [row[0] for row in prefect.execute("SELECT name FROM task_run")]
    return home, result.stderr, stored


def test_the_intake_logs_no_personal_data(logged_intake):
    _home, stderr, stored = logged_intake
    assert "intake" in stderr.lower() or stderr  # the run did log
    assert len(stored) > 10, "Prefect kept no flow-run logs: nothing was checked"
    assert _leaks(stderr) == []
    assert _leaks("\n".join(stored)) == []


def test_the_review_app_logs_no_personal_data_at_debug(logged_intake, caplog):
    home, _stderr, _stored = logged_intake
    url = db_url_of(home)
    create_user(url, *CLERK, "clerk")
    create_user(url, *SUPERVISOR, "supervisor")
    first = next(path.name for path in (home.parent / "inbox").iterdir() if path.name.endswith("01_outpatient_pays"))
    name, number = field_id(url, first, "id_copy", "name"), field_id(url, first, "id_copy", "id_number")
    complaint = misread(url, first, "medical_record", "chief_complaint", "咳嗽3天，张伟自述。", 0.3)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # quiet unless asked, as an operator chasing a bug would

    client = TestClient(create_app(url, home, secret=SECRET))
    form = client.get("/login")
    client.post("/login", data={"username": "张伟", "password": "310101198103152316", "csrf": form_of(form.text)["csrf"]})
    log_in(client, *CLERK)
    for page in ("/", "/queue", f"/queue?packet={first}", "/claims", f"/fields/{complaint}", f"/fields/{name}/crop"):
        assert client.get(page).status_code == 200, page
    for target, typed in ((name, TYPED_NAME), (number, TYPED_ID_NUMBER)):
        client.post(f"/fields/{target}/correct", data=form_of(client.get(f"/fields/{target}").text, value=typed))
    client.post(f"/fields/{complaint}/accept", data=form_of(client.get(f"/fields/{complaint}").text))
    log_in(client, *SUPERVISOR)
    packet = packet_id(url, first)
    claim = client.get(f"/claims/{packet}").text
    client.post(f"/claims/{packet}/override", data=form_of(claim, status="approved", payable="400.00",
                                                           reason=f"{TYPED_NAME}来电，按原件核实"))

    # Everything the system logged; the test's own HTTP client (httpx) logs the URLs it asks for, as a browser would.
    records = [record for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.args}" for record in records)
    assert "sqlalchemy.engine" in {record.name.rsplit(".", 1)[0] for record in records}  # DEBUG really on
    assert "GET /queue 200" in logged and "POST /login" in logged  # the access log is part of what is checked
    assert _leaks(logged) == []
