"""Upload in the browser: a clerk drags a sample packet onto /upload in a real headless Chromium; it lands
in the watch folder whole (a folder with its `.ready` marker, written under a hidden name first); the
watcher takes it once and the page then shows the claim's decision, linked. A fresh CLAIMS_HOME: the
packet is read by OCR here, not looked up."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from flows.settings import load_settings
from flows.watch import watch_once
from review.app import create_app
from review.desk import UPLOAD_LIMITS
from review.users import create_user
from tests.review.helpers import CLERK, SECRET, csrf_of, log_in
from tests.review.test_review_browser import CHROMIUM, CHROMIUM_ARGS, playwright_api, serve
from tests.samples import SAMPLES, db_url_of, new_home

PACKET = SAMPLES / "02_under_deductible"  # four pages; approved, 0.00 payable (under the deductible)

# Files as the browser's drop gives them to the page: a DataTransfer the page's script reads.
DROP = """(files) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], file.name, {type: "image/jpeg"}));
  }
  return transfer;
}"""


@pytest.fixture
def desk_home(tmp_path, database):
    home = new_home(tmp_path / "home", database)
    db_url = db_url_of(home)
    create_user(db_url, *CLERK, "clerk")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return home, db_url, inbox


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_a_clerk_drags_a_packet_into_the_browser_and_sees_its_decision(desk_home):
    home, db_url, inbox = desk_home
    scans = sorted(PACKET.glob("*.jpg"))
    with serve(db_url, home, inbox) as address, playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page(base_url=address)
        page.goto("/upload")
        page.fill("input[name=username]", CLERK[0])
        page.fill("input[name=password]", CLERK[1])
        page.keyboard.press("Enter")
        page.wait_for_url("**/upload")
        transfer = page.evaluate_handle(DROP, [{"name": scan.name, "data": base64.b64encode(scan.read_bytes()).decode()}
                                               for scan in scans])
        page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
        assert page.locator("#chosen li").count() == len(scans)
        page.click("#upload-submit")
        page.wait_for_url("**/upload?done=uploaded")
        assert "等待监视程序处理" in page.locator("#uploads").inner_text()

        entries = list(inbox.iterdir())
        assert [entry.name.startswith("upload-") for entry in entries] == [True]  # nothing hidden left behind
        assert sorted(path.name for path in entries[0].iterdir()) == sorted([".ready", *(scan.name for scan in scans)])

        assert watch_once(inbox, load_settings(str(home))) == 1
        assert watch_once(inbox, load_settings(str(home))) == 0  # taken once

        page.goto("/upload")
        rows = page.locator("#uploads").inner_text()
        assert "已处理" in rows and "批准" in rows and "¥0.00" in rows
        page.click("a.upload-claim")
        page.wait_for_url("**/claims/*")
        assert page.locator("#claim-status").inner_text() == "批准"
        chromium.close()


def test_a_file_of_another_kind_is_refused_and_nothing_reaches_the_inbox(desk_home):
    home, db_url, inbox = desk_home
    client = TestClient(create_app(db_url, home, secret=SECRET, inbox=inbox))
    log_in(client, *CLERK)
    form = client.get("/upload")
    response = client.post("/upload", data={"csrf": csrf_of(form.text)},
                           files=[("files", ("id_copy.jpg", b"\xff\xd8 scan", "image/jpeg")),
                                  ("files", ("notes.exe", b"MZ", "application/octet-stream"))])
    assert response.status_code == 422 and "不支持的文件类型：notes.exe" in response.text
    assert list(inbox.iterdir()) == []


def test_a_file_larger_than_the_upload_limit_is_refused_and_nothing_reaches_the_inbox(desk_home):
    home, db_url, inbox = desk_home
    client = TestClient(create_app(db_url, home, secret=SECRET, inbox=inbox))
    log_in(client, *CLERK)
    form = client.get("/upload")
    big = b"\0" * (UPLOAD_LIMITS.max_file_bytes + 1)
    response = client.post("/upload", data={"csrf": csrf_of(form.text)},
                           files=[("files", ("stack.pdf", big, "application/pdf"))])
    assert response.status_code == 422 and "文件过大：stack.pdf" in response.text
    assert list(inbox.iterdir()) == []
