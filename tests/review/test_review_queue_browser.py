"""What a claim waits for, in a real headless Chromium (Debian's): a receipt whose 现金支付 was never read
(the real intake on a covered copy of a sample receipt), and a sum check that fails.

Screenshots of the new screens go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import cv2
import pytest
from sqlmodel import select

from pipeline.cleanup import upright
from review.service import refresh_review_flags, review_queue
from review.users import create_user
from flows.decisions import redecide
from store.db import session_scope
from store.models import Document, ExtractedField, Packet
from tests.review.helpers import CLERK, SECRET, packet_id
from tests.review.test_review_browser import CHROMIUM, SCREENSHOTS, browser, serve  # noqa: F401  (fixtures)
from tests.samples import SAMPLES, STORED_OCR, db_url_of, run_claims

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

FIRST = "01_outpatient_pays"
RECEIPT = "receipt_skew2_seal"


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def cover_cash_paid(folder: Path) -> str:
    """White paint over the 现金支付 label and digits of the sample receipt, as a seal or a stain would hide
    them; gives the value covered. Their box is where the stored OCR read them on the upright page, found
    again on the scan."""
    scan = folder / f"{RECEIPT}.jpg"
    stored = json.loads((STORED_OCR / FIRST / f"{RECEIPT}.json").read_text(encoding="utf-8"))
    lines = stored["lines"]
    label = next(line["box"] for line in lines if line["text"].startswith("现金支付："))
    value = min((line for line in lines if line["box"][0] > label[2] - 5 and abs(line["box"][1] - label[1]) < 25
                 and re.fullmatch(r"\d+\.\d{2}", line["text"])), key=lambda line: line["box"][0])
    x1, y1 = min(label[0], value["box"][0]) - 4, min(label[1], value["box"][1]) - 4
    x2, y2 = max(label[2], value["box"][2]) + 4, max(label[3], value["box"][3]) + 4
    image = cv2.imread(str(scan))
    template = upright(image).image[y1:y2, x1:x2]
    found = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (left, top) = cv2.minMaxLoc(found)
    cv2.rectangle(image, (left, top), (left + template.shape[1], top + template.shape[0]), (255, 255, 255), -1)
    cv2.imwrite(str(scan), image)
    return value["text"]


@pytest.fixture(scope="module")
def covered_home(tmp_path_factory):
    """The first sample packet with its receipt's 现金支付 covered, through the real intake (real OCR)."""
    root = tmp_path_factory.mktemp("covered")
    packet = root / "inbox" / "covered_cash"
    shutil.copytree(SAMPLES / FIRST, packet)
    covered = cover_cash_paid(packet)
    home = root / "home"
    result = run_claims("run", str(packet.parent), "--json", home=home)
    assert result.returncode == 0, result.stderr[-2000:]
    row = json.loads(result.stdout.splitlines()[0])
    return home, row, covered


def _log_in(page) -> None:
    page.goto("/login")
    page.fill("input[name=username]", CLERK[0])
    page.fill("input[name=password]", CLERK[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/")


def test_a_receipt_whose_cash_paid_is_unread_is_entered_by_the_clerk_and_decided(covered_home, browser,
                                                                                  screenshots, tmp_path):
    """现金支付 is covered, label and digits: the machine never finds it. The sums that need it fail; once
    the clerk confirmed what was read, the failing check shows the numbers side by side and offers to
    enter the missing field, drawn on the page."""
    source, row, covered = covered_home
    home = tmp_path / "home"
    shutil.copytree(source, home, ignore=shutil.ignore_patterns("archive", "models", "prefect"))
    url = db_url_of(home)
    assert row["status"] == "needs_review"
    with session_scope(url) as session:
        receipt = session.exec(select(Document).where(Document.doc_type == "receipt")).one()
        names = {f.name for f in session.exec(select(ExtractedField)
                                              .where(ExtractedField.document_id == receipt.id)).all()}
        assert "cash_paid" not in names  # never found
        receipt_id = receipt.id
    create_user(url, *CLERK, "clerk")
    with serve(url, home) as base_url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, base_url=base_url)
        _log_in(page)
        page.goto("/queue")
        page.screenshot(path=str(screenshots / "queue-cash-never-found.png"), full_page=True)
        page.keyboard.press("Enter")  # the start link has the focus
        page.wait_for_url("**/fields/*")
        for _ in range(30):  # every field read is confirmed as read: the sums still fail without the cash
            if "/checks/" in page.url:
                break
            with page.expect_navigation():
                page.keyboard.press("Control+Enter")
        assert "/checks/" in page.url
        page.screenshot(path=str(screenshots / "check-without-cash.png"), full_page=True)
        with page.expect_navigation():
            page.locator("a[href$='add?name=cash_paid']").click()
        assert page.locator("#name").input_value() == "cash_paid"
        page.locator("[data-zoom=in]").click()  # zoom in, then draw the value's box where it is printed
        svg = page.locator("#page-svg").bounding_box()
        page.mouse.move(svg["x"] + svg["width"] * 0.18, svg["y"] + svg["height"] * 0.60)
        page.mouse.down()
        page.mouse.move(svg["x"] + svg["width"] * 0.25, svg["y"] + svg["height"] * 0.63, steps=5)
        page.mouse.up()
        assert page.locator("#box").input_value().count(",") == 3
        assert page.locator("#box-state").inner_text() == "已框选"
        page.fill("#value", covered)
        page.screenshot(path=str(screenshots / "cash-drawn-and-entered.png"), full_page=True)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        for _ in range(10):  # anything left, confirmed as read
            if "/claims/" in page.url:
                break
            with page.expect_navigation():
                page.keyboard.press("Control+Enter")
        assert "/claims/" in page.url
        assert page.locator("#claim-status").inner_text() in ("部分批准", "批准", "拒赔", "待补材料")
        page.screenshot(path=str(screenshots / "claim-decided-after-cash.png"), full_page=True)
    with session_scope(url) as session:
        from store import repository

        entered = repository.document_field(session, receipt_id, "cash_paid")
        assert (entered.value, entered.source) == (covered, "clerk") and len(entered.box) == 4
        assert session.exec(select(Packet.status)).one() == "decided"
    assert review_queue(url) == []


def test_a_failing_sum_check_queues_every_item_and_the_check_is_settled(review_home, browser, screenshots):
    url = review_home.db_url
    with session_scope(url) as session:
        amounts = session.exec(select(ExtractedField).join(Document, Document.id == ExtractedField.document_id)
                               .join(Packet, Packet.id == Document.packet_id)
                               .where(Packet.name == FIRST, Document.doc_type == "receipt",
                                      ExtractedField.name == "amount").order_by(ExtractedField.item_index)).all()
        wrong = amounts[0]
        wrong.value, wrong.confidence = "70.90", 0.87  # 50.00 read wrong, with a confidence above the threshold
        item_ids = [field.id for field in amounts]
    redecide(url, packet_id(url, FIRST))
    with session_scope(url) as session:
        refresh_review_flags(session, packet_id(url, FIRST))
    with serve(url, review_home.home) as base_url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, base_url=base_url)
        _log_in(page)
        page.goto(f"/queue?packet={FIRST}")
        queued = page.locator("table.queue").inner_html()
        assert all(f"/fields/{item}" in queued for item in item_ids)
        assert "合计" in page.locator("table.queue").inner_text()
        page.screenshot(path=str(screenshots / "queue-sum-check.png"), full_page=True)
        page.goto(f"/fields/{item_ids[0]}")
        assert page.locator("h1").inner_text().startswith("第1项 诊查费 金额")
        assert page.locator("#value").input_value() == "70.90"
        assert page.evaluate("document.activeElement.id") == "value"
        assert page.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart") == 5
        page.screenshot(path=str(screenshots / "item-correction.png"), full_page=True)
        for _ in range(30):  # the clerk confirms every field as read: the sum still fails, the check waits
            if "/checks/" in page.url:
                break
            with page.expect_navigation():
                page.keyboard.press("Control+Enter")
        assert "/checks/items_add_up" in page.url
        sides = page.locator("#sides").inner_text()
        assert "¥1270.90" in sides and "¥1250.00" in sides
        page.screenshot(path=str(screenshots / "check-sides.png"), full_page=True)
        with page.expect_navigation():
            page.locator("#side-1").click()  # 合计 is right: the check is settled as printed
        assert "/claims/" in page.url and page.locator("#claim-status").inner_text() != "待复核"
        assert "校验裁决" in page.locator("table.audit").inner_text()
        page.screenshot(path=str(screenshots / "claim-after-check.png"), full_page=True)
    assert review_queue(url, packet=FIRST) == []
