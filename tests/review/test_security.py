"""The review app against the usual web attacks, over the real processed sample packets: every route
behind the login, record ids that do not exist or do not belong together, cross-site requests, paths
that climb out of the pages folder, script in OCR text and reasons, session fixation, cookie flags,
and password guessing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import select

from review.app import SESSION_COOKIE, create_app
from review.lockout import LOGIN_LIMITS
from store import repository
from store.db import session_scope
from store.models import AuditEntry, Decision, ExtractedField, LoginAttempt, Original, Packet, Page
from tests.review.helpers import (CLERK, SECRET, SUPERVISOR, csrf_of, field_id, form_of, log_in, misread,
                                  packet_id)

FIRST, SECOND = "01_outpatient_pays", "02_under_deductible"
PUBLIC = {("GET", "/login"), ("POST", "/login")}
EVERY_FORM_FIELD = {"value": "1.00", "reason": "测试", "status": "approved", "payable": "1.00"}
BAD_IDS = ["0", "-1", "999999", str(2**31 - 1), str(2**31), str(2**63), "1" + "0" * 30, "abc", "1.5", "1e3"]


def _routes(app) -> list[tuple[str, str]]:
    return sorted((method, route.path) for route in app.routes if isinstance(route, APIRoute)
                  for method in route.methods)


def _url(path: str, ids: dict[str, str]) -> str:
    """The path with its parameters filled in: a real record's id where one is known, else 1."""
    return re.sub(r"\{(\w+)\}", lambda name: ids.get(name.group(1), "1"), path)


def _record_ids(app) -> dict[str, list[str]]:
    """Every route that takes a record id in its path, with the names of those ids."""
    names = {route.path: [param.name for param in route.dependant.path_params if param.field_info.annotation is int]
             for route in app.routes if isinstance(route, APIRoute)}
    return {path: ids for path, ids in names.items() if ids}


def _ids(db_url: str) -> dict[str, str]:
    """A real record for the path parameters of the correction and claim screens."""
    total = field_id(db_url, FIRST, "receipt", "total")
    with session_scope(db_url) as session:
        page = repository.field_in_context(session, total)[2].id
    return {"field_id": str(total), "packet_id": str(packet_id(db_url, FIRST)), "page_id": str(page)}


def _changes(db_url: str) -> tuple[int, int, str]:
    """How many audit rows and decisions there are, and the receipt total: what an attack must not move."""
    with session_scope(db_url) as session:
        return (len(session.exec(select(AuditEntry)).all()), len(session.exec(select(Decision)).all()),
                session.get(ExtractedField, field_id(db_url, FIRST, "receipt", "total")).value)


# --- authentication --------------------------------------------------------------------------------


def test_every_route_but_the_login_needs_a_session(client, review_home):
    """Enumerated from the app itself: a route added later is covered without touching this test."""
    ids, before = _ids(review_home.db_url), _changes(review_home.db_url)
    routes = [route for route in _routes(client.app) if route not in PUBLIC]
    assert ("POST", "/claims/{packet_id}/override") in routes and len(routes) >= 11
    for method, path in routes:
        response = client.request(method, _url(path, ids), data=EVERY_FORM_FIELD, follow_redirects=False)
        redirected = response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        assert redirected or response.status_code == 401, (method, path, response.status_code)
        assert method == "GET" or response.status_code == 401, (method, path)
    assert _changes(review_home.db_url) == before


def test_an_expired_or_forged_session_cookie_is_no_login(client, review_home):
    client.cookies.set(SESSION_COOKIE, "forged-token")
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert client.get(f"/pages/{_ids(review_home.db_url)['page_id']}/image").status_code == 401


# --- record ids: absent, absurd or mixed up ----------------------------------------------------------


def test_ids_of_records_that_do_not_exist_are_not_found(review_home):
    """Every route with an id, as a supervisor (who may do everything), with ids that name nothing."""
    client = TestClient(create_app(review_home.db_url, review_home.home, secret=SECRET))
    log_in(client, *SUPERVISOR)
    ids = _ids(review_home.db_url)
    csrf = csrf_of(client.get(f"/claims/{ids['packet_id']}").text)
    before = _changes(review_home.db_url)
    with_ids = _record_ids(client.app)
    tried = 0
    for method, path in _routes(client.app):
        for bad in BAD_IDS if path in with_ids else []:
            url = _url(path, {**ids, **{name: bad for name in with_ids[path]}})
            response = client.request(method, url, data={**EVERY_FORM_FIELD, "csrf": csrf, "seen": "ocr",
                                                         "decision": "1"})
            assert response.status_code == 404, (method, url, response.status_code)
            tried += 1
    assert tried >= 7 * len(BAD_IDS) and _changes(review_home.db_url) == before


def test_a_clerk_is_refused_every_supervisor_action(client, review_home):
    url = review_home.db_url
    packet = packet_id(url, FIRST)
    log_in(client, *CLERK)
    page = client.get(f"/claims/{packet}").text
    assert 'action="/claims/' not in page  # no override form offered
    form = form_of(page, decision=str(_current(url, FIRST).id), status="approved", payable="9999.00", reason="x")
    assert client.post(f"/claims/{packet}/override", data=form).status_code == 403
    assert _current(url, FIRST).payable == "385.00"


def test_versions_of_one_record_do_not_pass_for_another(client, review_home):
    """A correction carrying another field's version, an override naming another packet's decision: refused."""
    url = review_home.db_url
    total = misread(url, FIRST, "receipt", "total", "1300.00", 0.41)
    other = misread(url, SECOND, "receipt", "total", "1300.00", 0.41)
    log_in(client, *SUPERVISOR)
    client.post(f"/fields/{other}/correct", data=form_of(client.get(f"/fields/{other}").text, value="300.00"))
    other_version = form_of(client.get(f"/fields/{other}").text, value="1.00")
    assert client.post(f"/fields/{total}/correct", data=other_version).status_code == 409
    before = _current(url, FIRST)
    form = form_of(client.get(f"/claims/{before.packet_id}").text, decision=str(_current(url, SECOND).id),
                   status="approved", payable="9999.00", reason="x")
    assert client.post(f"/claims/{before.packet_id}/override", data=form).status_code == 409
    assert _current(url, FIRST).id == before.id
    with session_scope(url) as session:
        assert session.get(ExtractedField, total).value == "1300.00"


# --- cross-site request forgery ----------------------------------------------------------------------


def test_every_post_needs_the_csrf_token_of_its_own_session(client, review_home):
    url = review_home.db_url
    other = TestClient(create_app(url, review_home.home, secret=SECRET))
    log_in(other, *CLERK)
    someone_elses = csrf_of(other.get("/queue").text)
    log_in(client, *SUPERVISOR)
    own = csrf_of(client.get("/queue").text)
    ids, before = _ids(url), _changes(url)
    posts = [path for method, path in _routes(client.app) if method == "POST" and (method, path) not in PUBLIC]
    for path in posts:
        for token in (None, "", "forged", someone_elses, own[:-1]):
            form = {**EVERY_FORM_FIELD, "seen": "ocr", **({} if token is None else {"csrf": token})}
            response = client.post(_url(path, ids), data=form, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.status_code)
    assert _changes(url) == before and client.get("/queue").status_code == 200  # still logged in


# --- paths out of the pages folder -----------------------------------------------------------------------

CLIMBING = ["/pages/..%2F..%2Fetc%2Fpasswd/image", "/pages/%2e%2e%2f%2e%2e%2fetc%2fpasswd/image",
            "/pages/%2Fetc%2Fpasswd/image", "/pages//etc/passwd/image", "/pages/1/../../../etc/passwd",
            "/pages/1%2F..%2F..%2Freview_secret/image", "/fields/1%2F..%2F2/crop", "/static/../app.py",
            "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e%2freview_secret",
            "/static//etc/passwd", "/static/..\\app.py"]


def test_urls_that_climb_out_of_their_folder_get_nothing(client, review_home):
    log_in(client, *CLERK)
    secret = (review_home.home / "review_secret").read_text() if (review_home.home / "review_secret").exists() else None
    for path in CLIMBING:
        response = client.get(path)
        assert response.status_code in (404, 405), (path, response.status_code)
        assert b"root:" not in response.content and b"create_app" not in response.content
        assert secret is None or secret.encode() not in response.content
    assert client.get("/static/review.js").status_code == 200  # the folder itself still serves


@pytest.mark.parametrize("stored", ["/etc/passwd", "{home}/claims.db", "{home}/pages/../review_secret",
                                    "{home}/pages/ab/../../claims.db", "../../../../etc/passwd", "", "link"])
def test_a_page_row_naming_a_file_outside_the_pages_folder_is_refused(client, review_home, stored):
    url, home = review_home.db_url, review_home.home
    (home / "review_secret").write_text("secret-of-this-home")
    total = field_id(url, FIRST, "receipt", "total")
    if stored == "link":  # a link inside the pages folder to a file outside it
        link = home / "pages" / "zz" / "evil.png"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(home / "review_secret")
        stored = str(link)
    with session_scope(url) as session:
        page = session.get(Page, repository.field_in_context(session, total)[2].id)
        page.image_path, page_number = stored.format(home=home), page.id
    log_in(client, *CLERK)
    for path in (f"/pages/{page_number}/image", f"/fields/{total}/crop"):
        response = client.get(path)
        assert response.status_code == 404 and b"secret-of-this-home" not in response.content, path
    shown = client.get(f"/fields/{total}")
    assert shown.status_code == 200 and "页面图像缺失" in shown.text


# --- script in what OCR read and in the decision's reasons ------------------------------------------------

SCRIPT = '<script>alert("xss")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def plant_payloads(db_url: str) -> tuple[int, int]:
    """OCR text, a file name, a packet name and a decision reason as an attacker would print or name them.
    Gives the field and the packet that hold them."""
    complaint = misread(db_url, FIRST, "medical_record", "chief_complaint", SCRIPT, 0.3)
    with session_scope(db_url) as session:
        packet = session.get(Packet, packet_id(db_url, FIRST))
        packet.name = ATTRIBUTE
        original = session.exec(select(Original).where(Original.packet_id == packet.id)).first()
        original.file_name = ATTRIBUTE
        decision = repository.current_decision(session, packet.id)
        decision.decision = {**decision.decision, "reasons": [{"clause": SCRIPT, "text": ATTRIBUTE}]}
        return complaint, packet.id


def test_script_in_ocr_text_names_and_reasons_is_shown_as_text(client, review_home):
    url = review_home.db_url
    complaint, packet = plant_payloads(url)
    log_in(client, *CLERK)
    pages = {"/queue": [SCRIPT, ATTRIBUTE], f"/fields/{complaint}": [SCRIPT, ATTRIBUTE],
             f"/claims/{packet}": [SCRIPT, ATTRIBUTE], "/claims": [ATTRIBUTE], "/": [ATTRIBUTE],
             f"/queue?packet={ATTRIBUTE}": [ATTRIBUTE], f"/login?next=/{ATTRIBUTE}": []}
    for address, shown in pages.items():
        html = client.get(address).text
        for payload in (SCRIPT, ATTRIBUTE):
            assert payload not in html, (address, payload)
        for payload in shown:
            assert str(escape(payload)) in html, (address, payload)


# --- sessions and cookies ----------------------------------------------------------------------------------


def _set_cookie(response, name: str) -> str:
    return next(header for header in response.headers.get_list("set-cookie") if header.startswith(f"{name}="))


def test_a_session_is_created_at_login_never_taken_from_the_browser(review_home):
    client = TestClient(create_app(review_home.db_url, review_home.home, secret=SECRET, secure_cookies=True),
                        base_url="https://testserver")
    client.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker")
    form = client.get("/login")
    assert re.search(r"HttpOnly.*SameSite=strict|SameSite=strict.*HttpOnly", _set_cookie(form, "review_login_csrf"),
                     re.IGNORECASE)
    response = client.post("/login", data={"username": CLERK[0], "password": CLERK[1], "csrf": csrf_of(form.text)},
                           follow_redirects=False)
    cookie = _set_cookie(response, SESSION_COOKIE)
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), flag
    token = re.match(rf"{SESSION_COOKIE}=([^;]+)", cookie).group(1)
    assert token != "chosen-by-an-attacker" and len(token) >= 40
    attacker = TestClient(client.app, base_url="https://testserver")
    attacker.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker")
    assert attacker.get("/queue", follow_redirects=False).status_code == 303


def test_logging_in_again_ends_the_browsers_earlier_session(client, review_home):
    log_in(client, *CLERK)
    earlier = client.cookies.get(SESSION_COOKIE)
    log_in(client, *SUPERVISOR)
    replay = TestClient(client.app)
    replay.cookies.set(SESSION_COOKIE, earlier)
    assert replay.get("/queue", follow_redirects=False).status_code == 303


# --- guessing passwords ------------------------------------------------------------------------------------


def _try(client: TestClient, username: str, password: str):
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)},
                       follow_redirects=False)


def test_repeated_wrong_passwords_lock_the_name_for_a_while(client, review_home):
    url = review_home.db_url
    for _ in range(LOGIN_LIMITS.failures):
        assert _try(client, CLERK[0], "guess-guess-guess").status_code == 401
        assert _try(client, "no.such.user", "guess-guess-guess").status_code == 401
    for username, password in ((CLERK[0], CLERK[1]), ("no.such.user", "guess-guess-guess")):
        locked = _try(client, username, password)  # the right password too: the name is locked
        assert locked.status_code == 429 and "登录失败次数过多" in locked.text
        assert SESSION_COOKIE not in locked.cookies
    assert _try(client, SUPERVISOR[0], SUPERVISOR[1]).status_code == 303  # other accounts go on working

    with session_scope(url) as session:
        attempts = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        for attempt in attempts:  # the lock runs out
            attempt.at -= timedelta(minutes=LOGIN_LIMITS.lock_minutes)
    assert [a.outcome for a in attempts].count("wrong_password") == 2 * LOGIN_LIMITS.failures
    assert [a.outcome for a in attempts].count("locked") == 2
    assert not any(CLERK[1] in str(vars(a)) or "guess-guess-guess" in str(vars(a)) or "no.such.user" in str(vars(a))
                   for a in attempts)
    assert _try(client, CLERK[0], CLERK[1]).status_code == 303


def test_a_successful_login_starts_the_count_again(client, review_home):
    for _ in range(LOGIN_LIMITS.failures - 1):
        _try(client, CLERK[0], "guess-guess-guess")
    assert _try(client, CLERK[0], CLERK[1]).status_code == 303
    for _ in range(LOGIN_LIMITS.failures - 1):
        assert _try(client, CLERK[0], "guess-guess-guess").status_code == 401
    assert _try(client, CLERK[0], CLERK[1]).status_code == 303


def _current(db_url: str, packet_name: str) -> Decision:
    with session_scope(db_url) as session:
        return repository.current_decision(session, packet_id(db_url, packet_name))
