"""The review app end to end in a real headless Chromium (Debian's), on the processed sample scans.

A clerk logs in, opens the queue, steps through it with the keyboard, corrects a misread total
on a real receipt scan, sees the decision change, accepts another field as read, and finds the
correction in the claim's audit trail. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from review.app import create_app
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, field_id, misread, packet_id
from tests.samples import run_claims
from tests.review.test_security import ATTRIBUTE, SCRIPT, plant_payloads

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# The second field is on another member's packet: re-deciding a packet of the same member
# while the first waits would change that member's ledger order, and so the amounts.
FIRST, SECOND = "01_outpatient_pays", "02_under_deductible"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@contextmanager
def serve(db_url: str, home: Path, inbox: Path | None = None):
    """The app served by uvicorn on a free local port, in a thread of this process; gives its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db_url, home, secret=SECRET, inbox=inbox),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_app(review_home):
    with serve(review_home.db_url, review_home.home) as address:
        yield address


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def test_a_clerk_corrects_a_misread_total_and_sees_the_decision_change(live_app, review_home, browser, screenshots):
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    complaint = misread(url, SECOND, "medical_record", "chief_complaint", "腰痛1周。", 0.44)
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, base_url=live_app)

    page.goto("/queue")
    assert "/login" in page.url  # anonymous: sent to the login form
    page.fill("input[name=username]", CLERK[0])
    page.fill("input[name=password]", CLERK[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue")
    assert page.locator("table.queue tbody tr").first.locator("text=阻断赔付").count() == 1
    page.screenshot(path=str(screenshots / "queue.png"), full_page=True)

    page.keyboard.press("Enter")  # the start link has the focus
    page.wait_for_url(f"**/fields/{total}")
    page.keyboard.press("PageDown")
    page.wait_for_url(lambda address: f"/fields/{total}" not in address)
    page.keyboard.press("PageUp")
    page.wait_for_url(f"**/fields/{total}")
    assert page.locator("#read-value").inner_text() == "1300.00"
    assert page.locator("img.crop").evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.locator("svg.page rect.box").count() == 1
    page.screenshot(path=str(screenshots / "correction.png"), full_page=True)

    page.keyboard.type("12,50")  # typed wrong: refused by validation, nothing stored
    page.keyboard.press("Enter")
    assert "不是金额" in page.locator("#error").inner_text()
    page.fill("#value", "1250")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/fields/{complaint}?after=*")
    outcome = page.locator("#outcome").inner_text()
    assert "待复核" in outcome and "部分批准" in outcome and "¥385.00" in outcome

    page.keyboard.press("Control+Enter")  # accept the other field as read: the queue is then empty
    page.wait_for_url(f"**/claims/{packet_id(url, SECOND)}?after=*")

    page.goto(f"/claims/{packet_id(url, FIRST)}")
    assert page.locator("#claim-status").inner_text() == "部分批准"
    assert page.locator("#claim-payable").inner_text() == "¥385.00"
    audit = page.locator("table.audit").inner_text()
    assert "更正" in audit and "1300.00" in audit and "1250.00" in audit and CLERK[0] in audit
    assert "重新裁定" in audit
    page.screenshot(path=str(screenshots / "claim.png"), full_page=True)

    page.goto("/")
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

    anonymous = browser.new_context(base_url=live_app)
    assert anonymous.request.get("/pages/1/image").status == 401
    assert anonymous.request.get(f"/fields/{field_id(url, FIRST, 'receipt', 'total')}/crop").status == 401
    anonymous.close()


def test_a_supervisor_overrides_a_claim_in_the_browser_and_its_letter_prints(live_app, review_home, browser,
                                                                            screenshots):
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, base_url=live_app)
    page.goto("/login")
    page.fill("input[name=username]", SUPERVISOR[0])
    page.fill("input[name=password]", SUPERVISOR[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto(f"/claims/{packet_id(review_home.db_url, FIRST)}")
    claim_id = page.locator("h1").inner_text().split()[0]
    page.select_option("#override select[name=status]", "approved")
    page.fill("#override input[name=payable]", "400.00")
    page.fill("#override input[name=reason]", "经核实诊查费属急诊抢救，予以赔付")
    page.click("#override button[type=submit]")
    page.wait_for_url("**/claims/*")
    assert page.locator("#claim-status").inner_text() == "批准"
    assert page.locator("#claim-payable").inner_text() == "¥400.00"
    page.screenshot(path=str(screenshots / "claim-overridden.png"), full_page=True)

    letter = run_claims("letter", claim_id, "--db", review_home.db_url, home=review_home.home)
    assert letter.returncode == 0, letter.stderr
    assert "经核实诊查费属急诊抢救，予以赔付" in letter.stdout and "400.00" in letter.stdout


def test_script_planted_in_ocr_text_and_reasons_never_runs(live_app, review_home, browser):
    """The escaped text of tests/review/test_security.py, in a real browser: no dialog, no injected element."""
    complaint, packet = plant_payloads(review_home.db_url)
    page = browser.new_page(base_url=live_app)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/login")
    page.fill("input[name=username]", CLERK[0])
    page.fill("input[name=password]", CLERK[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    for address in ("/queue", f"/fields/{complaint}", f"/claims/{packet}", "/claims", "/"):
        page.goto(address)
        page.wait_for_load_state("load")
        assert page.locator("img[src=x], script:not([src])").count() == 0, address
        assert SCRIPT in page.locator("body").inner_text() or ATTRIBUTE in page.locator("body").inner_text(), address
    assert dialogs == []
