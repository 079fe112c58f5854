"""The supervisors' administration pages and the page operations in a real headless Chromium (Debian's):
a packet the watcher set aside because the OCR engine could not load is released and then decided; a
supervisor disables a clerk, who can then no longer log in. Screenshots go to artifacts/screenshots/
(admin_*.png)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from flows.quarantine import quarantined
from review.app import create_app
from review.users import create_user
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, packet_id
from tests.samples import SAMPLES, db_url_of, inbox_is_empty, new_home, packets_in_db, start_watcher, stop_watcher, \
    wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FIRST, SAME_MEMBER = "01_outpatient_pays", "04_second_claim_same_member"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def _serve(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def served():
    """Serve an app on a free local port in a thread of this process; stopped when the test ends."""
    running = []

    def serve(app) -> str:
        server, thread, address = _serve(app)
        running.append((server, thread))
        return address

    yield serve
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _log_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda address: "/login" not in address)


def test_a_packet_set_aside_when_the_ocr_engine_could_not_load_is_released_and_then_decided(
        tmp_path, database, served, browser, screenshots, prefect_api):
    home, inbox = new_home(tmp_path / "home", database), tmp_path / "inbox"
    inbox.mkdir()
    url = db_url_of(home)
    create_user(url, *SUPERVISOR, "supervisor")
    broken_models = tmp_path / "models-misconfigured"
    broken_models.write_text("a file where the OCR models folder should be", encoding="utf-8")
    watcher = start_watcher(inbox, home, {**prefect_api, "CLAIMS_OCR_MODEL_DIR": str(broken_models)})
    try:
        shutil.copytree(SAMPLES / FIRST, inbox / FIRST, ignore=shutil.ignore_patterns("*.json"))
        (inbox / FIRST / ".ready").touch()
        wait_until(lambda: inbox_is_empty(inbox) and quarantined(home / "quarantine"), 300,
                   "the watcher to set the packet aside")
    finally:
        stop_watcher(watcher)
    [entry] = quarantined(home / "quarantine")
    assert entry.kind == "packet" and "NotADirectoryError" in entry.reason
    assert [p.status for p in packets_in_db(home)] == ["received"]  # admitted, never decided

    page = browser.new_page(viewport={"width": 1440, "height": 900},
                            base_url=served(create_app(url, home, secret=SECRET, inbox=inbox)))
    _log_in(page, *SUPERVISOR)
    page.click("nav >> text=隔离区")
    page.wait_for_url("**/quarantine")
    row = page.locator(f"#entry-{entry.key}")
    assert "处理时系统出错" in row.inner_text() and "故障排除后可放行" in row.inner_text()
    assert FIRST in row.inner_text() and "NotADirectoryError" not in page.content()
    page.screenshot(path=str(screenshots / "admin_quarantine.png"), full_page=True)

    row.locator("button.release").click()
    page.wait_for_url("**/quarantine?done=released")
    assert "已放行" in page.locator("#outcome").inner_text() and page.locator("#empty").count() == 1
    assert "放行" in page.locator("#trail").inner_text() and SUPERVISOR[0] in page.locator("#trail").inner_text()
    page.screenshot(path=str(screenshots / "admin_quarantine_released.png"), full_page=True)
    assert (inbox / FIRST / ".ready").exists()

    watcher = start_watcher(inbox, home, prefect_api)  # the models folder put right
    try:
        wait_until(lambda: inbox_is_empty(inbox) and any(p.status == "decided" for p in packets_in_db(home)), 600,
                   "the released packet to be decided")
    finally:
        stop_watcher(watcher)
    page.goto(f"/claims/{packet_id(url, FIRST)}")
    assert page.locator("#claim-status").inner_text() == "部分批准"
    assert page.locator("#claim-payable").inner_text() == "¥385.00"
    assert quarantined(home / "quarantine") == []


def test_a_supervisor_disables_a_clerk_who_then_cannot_log_in(tmp_path, database, served, browser, screenshots):
    home = new_home(tmp_path / "home", database)
    url = db_url_of(home)
    create_user(url, *CLERK, "clerk")
    create_user(url, *SUPERVISOR, "supervisor")
    address = served(create_app(url, home, secret=SECRET))
    clerk = browser.new_context(base_url=address).new_page()
    _log_in(clerk, *CLERK)
    assert clerk.locator("nav >> text=账号管理").count() == 0  # not offered to a clerk
    clerk.goto("/users")
    assert "只有主管" in clerk.content()

    supervisor = browser.new_context(base_url=address, viewport={"width": 1440, "height": 800}).new_page()
    _log_in(supervisor, *SUPERVISOR)
    supervisor.click("nav >> text=账号管理")
    supervisor.wait_for_url("**/users")
    row = supervisor.locator("tr", has=supervisor.locator("td.username", has_text=CLERK[0]))
    assert "启用" in row.locator("td.state").inner_text()
    row.locator("input[name=reason]").fill("调岗，停用账号")
    row.locator("button.disable").click()
    supervisor.wait_for_url("**/users?done=disabled")
    assert row.locator("td.state").inner_text() == "已停用"
    assert "停用账号" in supervisor.locator("#trail").inner_text()
    supervisor.screenshot(path=str(screenshots / "admin_users.png"), full_page=True)

    clerk.goto("/queue")  # the open session ends at the next request
    assert "/login" in clerk.url
    clerk.fill("input[name=username]", CLERK[0])
    clerk.fill("input[name=password]", CLERK[1])
    clerk.keyboard.press("Enter")
    clerk.wait_for_load_state()
    assert "/login" in clerk.url and "用户名或密码错误" in clerk.locator(".error").inner_text()

    row.locator("button.reset").click()  # a generated password, shown once
    supervisor.wait_for_selector("#new-password")
    assert len(supervisor.locator("#new-password").inner_text()) >= 10
    supervisor.screenshot(path=str(screenshots / "admin_users_password.png"), full_page=True)


def test_a_clerk_sees_a_claims_pages_and_the_members_other_claim_to_move_one_to(review_home, served, browser,
                                                                              screenshots):
    url = review_home.db_url
    page = browser.new_page(viewport={"width": 1440, "height": 1000},
                            base_url=served(create_app(url, review_home.home, secret=SECRET)))
    _log_in(page, *CLERK)
    page.goto(f"/claims/{packet_id(url, SAME_MEMBER)}/pages")
    thumbnails = page.locator("img.thumb")
    assert thumbnails.count() == 5
    assert all(thumbnails.nth(i).evaluate("image => image.complete && image.naturalWidth > 0") for i in range(5))
    targets = page.locator("form.move select").first.locator("option")
    assert targets.count() == 1 and FIRST in targets.inner_text()
    assert "医疗收费票据" in page.locator("td.doc-types").all_inner_texts()
    page.screenshot(path=str(screenshots / "admin_pages.png"), full_page=True)
