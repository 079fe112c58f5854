"""A supervisor works the abuse signals in a real headless Chromium (Debian's): two receipts of the
sample packets scanned as grey photocopies raise two signals; one is dismissed with a reason, the
other escalated, and the claims' audit trails show both. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.review.helpers import SUPERVISOR, packet_id, photocopy_receipt, raised_signals
from tests.review.test_review_browser import CHROMIUM, SCREENSHOTS, browser, live_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

SECOND, THIRD = "02_under_deductible", "03_missing_detail_list"


def test_a_supervisor_dismisses_one_signal_with_a_reason_and_escalates_another(live_app, review_home, browser):
    url = review_home.db_url
    for packet in (SECOND, THIRD):
        photocopy_receipt(url, packet, review_home.home)
    first, second = raised_signals(url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, base_url=live_app)

    page.goto("/signals")
    page.fill("input[name=username]", SUPERVISOR[0])
    page.fill("input[name=password]", SUPERVISOR[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/signals")
    rows = page.locator("table.signals tbody tr")
    assert rows.count() == 2 and "票据疑为复印件" in rows.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "signals.png"), full_page=True)

    page.locator(f"#signal-{first.id} a.button").click()
    page.wait_for_url(f"**/signals/{first.id}")
    assert "没有红色或蓝色印章墨迹" in page.locator("#signal-summary").inner_text()
    page.click("#dismiss")  # no reason typed: the browser itself asks for one, nothing is sent
    assert page.locator("#signal-status").inner_text() == "待处理"
    page.fill("#dismiss-reason", "会员补交了原件，已与复印件核对")
    page.click("#dismiss")
    page.wait_for_url(f"**/signals/{first.id}")
    assert page.locator("#signal-status").inner_text() == "已排除"
    page.screenshot(path=str(SCREENSHOTS / "signal.png"), full_page=True)

    page.goto("/signals")
    assert page.locator("table.signals tbody tr").count() == 1
    page.locator(f"#signal-{second.id} a.button").click()
    page.wait_for_url(f"**/signals/{second.id}")
    page.fill("#escalate-reason", "请调查组索取原件")
    page.click("#escalate")
    page.wait_for_url(f"**/signals/{second.id}")
    assert page.locator("#signal-status").inner_text() == "已上报"
    assert page.locator("#dismiss").count() == 1  # an escalated signal may still be closed after the investigation

    page.goto(f"/claims/{packet_id(url, SECOND)}")
    audit = page.locator("table.audit").inner_text()
    assert "风险信号排除" in audit and "会员补交了原件，已与复印件核对" in audit and SUPERVISOR[0] in audit
    page.goto(f"/claims/{packet_id(url, THIRD)}")
    audit = page.locator("table.audit").inner_text()
    assert "风险信号上报" in audit and "请调查组索取原件" in audit
    assert page.locator("#signals").inner_text().count("已上报") == 1
    assert [s.status for s in raised_signals(url)] == ["dismissed", "escalated"]
