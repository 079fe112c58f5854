"""The supervisors' administration pages and the clerks' page operations, over a real database:
accounts disabled, enabled and given a new password; quarantined files discarded with a reason and
kept; a released packet that was decided before not decided again; a page turned and read again by
the real OCR engine; a page moved between two claims of one member. Each change audited."""

from __future__ import annotations

import re
import shutil

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from flows.quarantine import quarantined
from flows.settings import load_settings
from flows.watch import set_aside_whole
from pipeline.cleanup import rotate_right_angle
from pipeline.pages import RefusedFile, pages_of
from review.page_ops import turned_box
from review.service import accept_as_read
from review.app import create_app
from review.users import create_user
from store import repository
from store.db import session_scope
from store.models import AdminAction, AuditEntry, Decision, Document, ExtractedField, Packet, Page, ReviewUser
from tests.review.helpers import CLERK, SECRET, SUPERVISOR, csrf_of, field_id, log_in, packet_id
from tests.samples import (
    SAMPLES, db_url_of, inbox_is_empty, new_home, packets_in_db, start_watcher, stop_watcher, wait_until,
)

FIRST, SAME_MEMBER, OTHER_MEMBER = "01_outpatient_pays", "04_second_claim_same_member", "02_under_deductible"


@pytest.fixture
def fresh(tmp_path, database):
    """A new CLAIMS_HOME with a clerk and a supervisor and nothing taken in yet."""
    home = new_home(tmp_path / "home", database)
    url = db_url_of(home)
    create_user(url, *CLERK, "clerk")
    create_user(url, *SUPERVISOR, "supervisor")
    return home, url


def _client(home, url, inbox=None) -> TestClient:
    return TestClient(create_app(url, home, secret=SECRET, inbox=inbox))


def _user_id(url: str, username: str) -> int:
    with session_scope(url) as session:
        return repository.review_user_by_name(session, username).id


def _actions(url: str, kind: str) -> list[AdminAction]:
    with session_scope(url) as session:
        return list(session.exec(select(AdminAction).where(AdminAction.kind == kind)).all())


def _try_login(client: TestClient, username: str, password: str):
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)},
                       follow_redirects=False)


# --- accounts ----------------------------------------------------------------------------------------


def test_the_account_list_shows_role_state_and_last_login(fresh):
    home, url = fresh
    clerk = _client(home, url)
    log_in(clerk, *CLERK)
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    page = supervisor.get("/users")
    assert page.status_code == 200
    row = re.search(rf'<tr id="user-{_user_id(url, CLERK[0])}">(.*?)</tr>', page.text, re.S).group(1)
    assert "理赔员" in row and "启用" in row and "从未登录" not in row
    assert clerk.get("/users").status_code == 403


def test_a_disabled_clerk_is_logged_out_at_the_next_request_and_can_log_in_once_enabled(fresh):
    home, url = fresh
    clerk = _client(home, url)
    log_in(clerk, *CLERK)
    assert clerk.get("/queue").status_code == 200
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    csrf = csrf_of(supervisor.get("/users").text)
    target = _user_id(url, CLERK[0])

    without_reason = supervisor.post(f"/users/{target}/disable", data={"csrf": csrf, "reason": " "})
    assert without_reason.status_code == 422 and "停用账号必须填写理由" in without_reason.text
    assert clerk.get("/queue", follow_redirects=False).status_code == 200  # nothing changed

    done = supervisor.post(f"/users/{target}/disable", data={"csrf": csrf, "reason": "离职"}, follow_redirects=False)
    assert done.status_code == 303
    assert clerk.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    refused = _try_login(_client(home, url), *CLERK)
    assert refused.status_code == 401 and "用户名或密码错误" in refused.text

    own = supervisor.post(f"/users/{_user_id(url, SUPERVISOR[0])}/disable", data={"csrf": csrf, "reason": "x"})
    assert own.status_code == 422 and "不能停用自己的账号" in own.text

    assert supervisor.post(f"/users/{target}/enable", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert _try_login(_client(home, url), *CLERK).status_code == 303
    assert [(a.actor, a.reason, a.subject) for a in _actions(url, "user_disabled")] == [
        (SUPERVISOR[0], "离职", f"user:{CLERK[0]}")]
    assert len(_actions(url, "user_enabled")) == 1


def test_a_reset_password_replaces_the_old_one_and_ends_the_accounts_sessions(fresh):
    home, url = fresh
    clerk = _client(home, url)
    log_in(clerk, *CLERK)
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    csrf = csrf_of(supervisor.get("/users").text)
    target = _user_id(url, CLERK[0])

    short = supervisor.post(f"/users/{target}/password", data={"csrf": csrf, "password": "short-123"})
    assert short.status_code == 422 and "至少需要 10 个字符" in short.text
    assert _try_login(_client(home, url), *CLERK).status_code == 303  # the old one still works

    typed = supervisor.post(f"/users/{target}/password", data={"csrf": csrf, "password": "temporary-pass-1"})
    assert typed.status_code == 200 and "temporary-pass-1" in typed.text
    assert clerk.get("/queue", follow_redirects=False).status_code == 303  # logged out
    assert _try_login(_client(home, url), *CLERK).status_code == 401
    assert _try_login(_client(home, url), CLERK[0], "temporary-pass-1").status_code == 303

    generated = supervisor.post(f"/users/{target}/password", data={"csrf": csrf, "password": ""})
    password = re.search(r'<code id="new-password">([^<]+)</code>', generated.text).group(1)
    assert len(password) >= 10 and "系统生成" in generated.text
    assert password not in supervisor.get("/users").text  # shown once, in the reset's own response
    assert _try_login(_client(home, url), CLERK[0], "temporary-pass-1").status_code == 401
    assert _try_login(_client(home, url), CLERK[0], password).status_code == 303
    with session_scope(url) as session:
        stored = session.get(ReviewUser, target).password_hash
    assert password not in stored and "temporary-pass-1" not in str([vars(a) for a in _actions(url, "password_reset")])
    assert [a.detail["generated"] for a in _actions(url, "password_reset")] == [False, True]


def test_the_administration_trail_refuses_changes_in_the_database_itself(fresh):
    from sqlalchemy import text

    from store.db import get_engine

    home, url = fresh
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    csrf = csrf_of(supervisor.get("/users").text)
    supervisor.post(f"/users/{_user_id(url, CLERK[0])}/disable", data={"csrf": csrf, "reason": "离职"})
    for statement in ("UPDATE adminaction SET actor = 'someone else'", "DELETE FROM adminaction"):
        with pytest.raises(Exception, match="append-only"):
            with get_engine(url).begin() as connection:
                connection.execute(text(statement))


# --- quarantine ------------------------------------------------------------------------------------


def _quarantine_a_bad_file(home, packet: str = "07_with_a_bad_scan") -> None:
    """What the intake does with a file it cannot read: set aside under its packet, its reason beside it."""
    from flows.intake import _set_aside
    from flows.packets import packet_of

    folder = home / "dropped" / packet
    folder.mkdir(parents=True)
    (folder / "notes.jpg").write_text("not an image", encoding="utf-8")
    with pytest.raises(RefusedFile) as refused:
        list(pages_of(folder / "notes.jpg"))
    _set_aside(folder / "notes.jpg", packet_of(folder), f"notes.jpg: {refused.value.reason}", load_settings(str(home)))


def test_a_discard_needs_a_reason_and_keeps_the_file_out_of_the_list(fresh):
    home, url = fresh
    _quarantine_a_bad_file(home)
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    page = supervisor.get("/quarantine")
    assert "图像已损坏或内容不是图像" in page.text and "not a readable image" not in page.text
    [entry] = quarantined(home / "quarantine")
    assert entry.kind == "file" and entry.size == len("not an image")
    assert "单个文件不能放行" in page.text  # the rest of its packet went on without it
    csrf = csrf_of(page.text)

    refused = supervisor.post(f"/quarantine/{entry.key}/discard", data={"csrf": csrf, "reason": ""})
    assert refused.status_code == 422 and "丢弃必须填写理由" in refused.text and entry.path.exists()
    done = supervisor.post(f"/quarantine/{entry.key}/discard", data={"csrf": csrf, "reason": "寄件方已重寄"},
                           follow_redirects=False)
    assert done.status_code == 303
    assert quarantined(home / "quarantine") == [] and not entry.path.exists()
    [kept] = (home / "quarantine" / ".discarded").glob("*/notes.jpg")
    assert kept.read_text(encoding="utf-8") == "not an image" and kept.with_name("notes.jpg.reason.txt").exists()
    [action] = _actions(url, "quarantine_discarded")
    assert (action.actor, action.reason) == (SUPERVISOR[0], "寄件方已重寄")
    assert action.detail["kept_in"] == str(kept.parent.relative_to(home / "quarantine"))
    listed = supervisor.get("/quarantine").text
    assert "隔离区为空" in listed and "寄件方已重寄" in listed
    assert supervisor.post(f"/quarantine/{entry.key}/discard", data={"csrf": csrf, "reason": "x"}).status_code == 404


def test_clerks_are_refused_the_quarantine_and_unknown_entries_are_not_found(fresh):
    home, url = fresh
    _quarantine_a_bad_file(home)
    [entry] = quarantined(home / "quarantine")
    clerk = _client(home, url)
    log_in(clerk, *CLERK)
    csrf = csrf_of(clerk.get("/queue").text)
    assert clerk.get("/quarantine").status_code == 403
    for action in ("discard", "release"):
        assert clerk.post(f"/quarantine/{entry.key}/{action}", data={"csrf": csrf, "reason": "x"}).status_code == 403
    supervisor_id = _user_id(url, SUPERVISOR[0])
    for action in ("disable", "enable", "password"):
        refused = clerk.post(f"/users/{supervisor_id}/{action}", data={"csrf": csrf, "reason": "x", "password": ""})
        assert refused.status_code == 403, action
    assert entry.path.exists() and _actions(url, "password_reset") == [] and _actions(url, "user_disabled") == []
    supervisor = _client(home, url)
    log_in(supervisor, *SUPERVISOR)
    csrf = csrf_of(supervisor.get("/quarantine").text)
    for key in ("0" * 20, "../../etc/passwd", "%2e%2e", entry.key.upper(), entry.key + "0"):
        response = supervisor.post(f"/quarantine/{key}/discard", data={"csrf": csrf, "reason": "x"})
        assert response.status_code in (404, 405), key
    assert entry.path.exists()


def test_a_released_packet_that_was_decided_before_is_not_decided_again(review_home, tmp_path, prefect_api):
    """The watcher set a decided packet aside (its folder could not be removed, say): released, the intake
    finds its content decided and reports it done."""
    home, url = review_home.home, review_home.db_url
    settings = load_settings(str(home))
    dropped = tmp_path / "processing" / FIRST
    shutil.copytree(SAMPLES / FIRST, dropped, ignore=shutil.ignore_patterns("*.json"))
    set_aside_whole(dropped, "PermissionError: [Errno 13] Permission denied", settings)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with session_scope(url) as session:
        before = session.exec(select(Decision).where(Decision.packet_id == packet_id(url, FIRST))).all()
    supervisor = _client(home, url, inbox=inbox)
    log_in(supervisor, *SUPERVISOR)
    page = supervisor.get("/quarantine")
    assert "处理时系统出错" in page.text and "故障排除后可放行" in page.text
    [entry] = quarantined(home / "quarantine")
    response = supervisor.post(f"/quarantine/{entry.key}/release", data={"csrf": csrf_of(page.text)},
                               follow_redirects=False)
    assert response.status_code == 303
    assert (inbox / FIRST / ".ready").exists() and quarantined(home / "quarantine") == []
    assert [a.subject for a in _actions(url, "quarantine_released")] == [f"quarantine:packets/{FIRST}"]

    packets = sorted(p.id for p in packets_in_db(home))
    watcher = start_watcher(inbox, home, prefect_api)
    try:
        wait_until(lambda: inbox_is_empty(inbox), 300, "the released packet to be taken")
    finally:
        stop_watcher(watcher)
    with session_scope(url) as session:
        after = session.exec(select(Decision).where(Decision.packet_id == packet_id(url, FIRST))).all()
    assert [d.id for d in after] == [d.id for d in before]  # no new decision
    assert sorted(p.id for p in packets_in_db(home)) == packets and quarantined(home / "quarantine") == []


# --- pages ------------------------------------------------------------------------------------------


def _page_of(url: str, packet_name: str, doc_type: str) -> Page:
    with session_scope(url) as session:
        return session.exec(select(Page).join(Document, Document.page_id == Page.id)
                            .where(Page.packet_id == packet_id(url, packet_name), Document.doc_type == doc_type)).one()


def _values(url: str, page: int) -> dict:
    with session_scope(url) as session:
        rows = session.exec(select(ExtractedField, Document).join(Document, Document.id == ExtractedField.document_id)
                            .where(Document.page_id == page)).all()
        return {(d.doc_type, f.name, f.item_index): f.value for f, d in rows}


def _decided(url: str, packet_name: str) -> tuple[str, str]:
    with session_scope(url) as session:
        packet = session.get(Packet, packet_id(url, packet_name))
        decision = repository.current_decision(session, packet.id)
        return (decision.status, decision.payable) if packet.status == "decided" else (packet.status, "0.00")


def _trail(url: str, packet_name: str) -> list[str]:
    with session_scope(url) as session:
        return [e.kind for e in repository.audit_trail(session, packet_id(url, packet_name))]


def test_a_page_turned_upside_down_reads_nothing_and_turned_back_reads_and_decides_as_before(client, review_home):
    url = review_home.db_url
    receipt = _page_of(url, FIRST, "receipt")
    total = field_id(url, FIRST, "receipt", "total")
    accept_as_read(url, total, CLERK[0], "ocr")  # a value a clerk settled stays through the turns
    box = _field(url, total).box
    read = _values(url, receipt.id)
    assert _decided(url, FIRST) == ("partially_approved", "385.00")
    log_in(client, *CLERK)
    pages = client.get(f"/claims/{packet_id(url, FIRST)}/pages")
    assert pages.status_code == 200 and "医疗收费票据" in pages.text
    csrf = csrf_of(pages.text)

    turned = client.post(f"/pages/{receipt.id}/turn", data={"csrf": csrf, "degrees": "180", "reason": "倒置"},
                         follow_redirects=False)
    assert turned.status_code == 303
    with session_scope(url) as session:
        upside_down = session.get(Page, receipt.id)
    assert upside_down.rotation == (receipt.rotation + 180) % 360 and upside_down.image_path != receipt.image_path
    stored, now = cv2.imread(receipt.image_path), cv2.imread(upside_down.image_path)
    assert np.array_equal(cv2.rotate(stored, cv2.ROTATE_180), now)
    assert _values(url, receipt.id) != read and _decided(url, FIRST) != ("partially_approved", "385.00")
    kept = _field(url, total)
    assert kept.value == "1250.00" and kept.box == turned_box(box, 180, (stored.shape[1], stored.shape[0]))

    back = client.post(f"/pages/{receipt.id}/turn", data={"csrf": csrf, "degrees": "180"}, follow_redirects=False)
    assert back.status_code == 303
    assert _values(url, receipt.id) == read and _field(url, total).box == box
    assert _decided(url, FIRST) == ("partially_approved", "385.00")
    assert _trail(url, FIRST) == ["accepted", "redecision", "page_turned", "redecision", "page_turned", "redecision"]
    claim = client.get(f"/claims/{packet_id(url, FIRST)}").text
    assert "页面旋转" in claim and "倒置" in claim

    assert client.post(f"/pages/{receipt.id}/turn", data={"csrf": csrf, "degrees": "45"}).status_code == 422


def _field(url: str, field: int) -> ExtractedField:
    with session_scope(url) as session:
        return session.get(ExtractedField, field)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_box_turned_with_its_page_covers_the_same_ink(degrees):
    page = np.full((300, 500), 255, np.uint8)
    box = [40, 60, 120, 90]
    page[box[1]:box[3], box[0]:box[2]] = 0
    turned = rotate_right_angle(page, degrees)
    x0, y0, x1, y1 = turned_box(box, degrees, (page.shape[1], page.shape[0]))
    ink = np.argwhere(turned == 0)
    assert [ink[:, 1].min(), ink[:, 0].min(), ink[:, 1].max() + 1, ink[:, 0].max() + 1] == [x0, y0, x1, y1]
    back = turned_box([x0, y0, x1, y1], 360 - degrees if degrees != 180 else 180, (turned.shape[1], turned.shape[0]))
    assert back == box


def test_a_page_moved_to_another_claim_of_the_member_decides_both_again_and_moved_back_restores_them(client,
                                                                                                    review_home):
    url = review_home.db_url
    receipt = _page_of(url, SAME_MEMBER, "receipt")
    assert _decided(url, SAME_MEMBER) == ("approved", "350.00")
    log_in(client, *CLERK)
    pages = client.get(f"/claims/{packet_id(url, SAME_MEMBER)}/pages").text
    assert f'value="{packet_id(url, FIRST)}"' in pages and f'value="{packet_id(url, OTHER_MEMBER)}"' not in pages
    csrf = csrf_of(pages)

    other = client.post(f"/pages/{receipt.id}/move", data={"csrf": csrf, "target": str(packet_id(url, OTHER_MEMBER))})
    assert other.status_code == 422 and "同一被保险人" in other.text

    moved = client.post(f"/pages/{receipt.id}/move", data={"csrf": csrf, "target": str(packet_id(url, FIRST))},
                        follow_redirects=False)
    assert moved.status_code == 303
    with session_scope(url) as session:
        page = session.get(Page, receipt.id)
        documents = session.exec(select(Document).where(Document.page_id == receipt.id)).all()
    assert page.packet_id == packet_id(url, FIRST) and {d.packet_id for d in documents} == {page.packet_id}
    assert _decided(url, SAME_MEMBER) != ("approved", "350.00")
    assert _trail(url, SAME_MEMBER) == ["page_moved", "redecision"] and _trail(url, FIRST) == ["page_moved",
                                                                                               "redecision"]

    back = client.post(f"/pages/{receipt.id}/move", data={"csrf": csrf, "target": str(packet_id(url, SAME_MEMBER))},
                       follow_redirects=False)
    assert back.status_code == 303
    assert _decided(url, SAME_MEMBER) == ("approved", "350.00")
    assert _decided(url, FIRST) == ("partially_approved", "385.00")
    with session_scope(url) as session:
        assert session.get(Page, receipt.id).original_id == receipt.original_id  # its own file record again
        moves = session.exec(select(AuditEntry).where(AuditEntry.kind == "page_moved")).all()
    assert len(moves) == 4 and all(m.actor == CLERK[0] for m in moves)


def test_page_operations_on_pages_that_do_not_exist_are_not_found(client, review_home):
    log_in(client, *CLERK)
    csrf = csrf_of(client.get("/queue").text)
    for path in ("/pages/999999/turn", "/pages/999999/move"):
        assert client.post(path, data={"csrf": csrf, "degrees": "90", "target": "1"}).status_code == 404
    assert client.get("/claims/999999/pages").status_code == 404
