"""The clerks' review web app: login, the review queue, corrections, claims, overrides, the dashboard.

Pages are rendered on the server (Jinja2). Every page, page image and crop needs a login;
sessions live in the database and expire; every POST carries the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import math
import secrets
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from PIL import Image, ImageDraw

from pipeline.errors import BadInputError
from review import admin, charts, desk, labels, lockout, service, supervision, views
from review.ids import AuditId, RecordId
from review.lockout import LOGIN_LIMITS, locked_until
from review.passwords import UNKNOWN_USER_HASH, verify_password
from store import repository
from store.db import get_engine, session_scope
from store.models import Page, ReviewUser, utcnow

log = logging.getLogger("review")
access_log = logging.getLogger("review.access")

HERE = Path(__file__).resolve().parent
SESSION_COOKIE, LOGIN_CSRF_COOKIE = "review_session", "review_login_csrf"
FILTERS = ("packet", "doc_type", "field")
CROP_MARGIN = (60, 30)  # pixels of the page around a field's box: enough to see its label
SECURITY_HEADERS = {
    "Cache-Control": "no-store",  # medical records stay out of browser and proxy caches
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


class LoginRequired(Exception):
    """No valid session: a page redirects to the login form, an image is refused."""


def create_app(db_url: str, claims_home: Path, secret: str | None = None, idle_minutes: int = 30,
               max_hours: int = 12, secure_cookies: bool = False, inbox: Path | None = None) -> "FastAPI":
    """The app over one database. `secret` keys the stored session-token hashes; by default it is
    kept in $CLAIMS_HOME/review_secret so that sessions outlive a restart. `inbox` is the watch folder
    a supervisor releases quarantined packets into, and clerks' uploads go into."""
    key = (secret or _stored_secret(Path(claims_home))).encode("utf-8")
    pages_dir = Path(claims_home) / "pages"
    idle, lifetime = timedelta(minutes=idle_minutes), timedelta(hours=max_hours)
    get_engine(db_url)  # creates the review tables on a database the intake made before they existed
    app = FastAPI(title="理赔复核", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(labels=labels)
    templates.env.filters.update(local=_local_time, doc_label=labels.doc_type)

    def token_hash(token: str) -> str:
        return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def current_user(request: Request) -> tuple[ReviewUser, str]:
        """The logged-in user and the session's CSRF token; an idle or too old session is ended."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise LoginRequired()
        with session_scope(db_url) as session:
            found = repository.review_session_by_token_hash(session, token_hash(token))
            if found is None:
                raise LoginRequired()
            row, user = found
            now = utcnow()
            expired = not user.active or now - row.last_seen > idle or now - row.created_at > lifetime
            if expired:
                repository.end_review_session(session, row.token_hash)
            else:
                row.last_seen = now
        if expired:
            raise LoginRequired()
        return user, row.csrf_token

    async def posted_form(request: Request) -> tuple[ReviewUser, dict]:
        user, csrf = current_user(request)
        form = dict(await request.form())
        if not hmac.compare_digest(str(form.get("csrf", "")), csrf):
            raise _Forbidden("表单已过期或来源不明：请刷新页面后重试")
        return user, form

    def render(request: Request, template: str, user: ReviewUser | None, csrf: str | None,
               status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, template, {"user": user, "csrf": csrf, **context},
                                          status_code=status_code)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        # The access log: method, path (record ids only) and status, never the query (a filter may be a name).
        access_log.info("%s %s %s", request.method, request.url.path, response.status_code)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        path = request.url.path
        if request.method == "GET" and not (path.startswith("/pages/") or path.endswith("/crop")):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return Response("请先登录", status_code=401, media_type="text/plain; charset=utf-8")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        """A malformed id in the path names no record: 404, once logged in (before that, the login)."""
        try:
            current_user(request)
        except LoginRequired as missing:
            return await login_required(request, missing)
        if any(error["loc"][0] == "path" for error in exc.errors()):
            return await not_found(request, service.NotFoundError(request.url.path))
        return Response("请求无效", status_code=422, media_type="text/plain; charset=utf-8")

    @app.exception_handler(_Forbidden)
    async def forbidden(_request: Request, exc: _Forbidden):
        return Response(f"禁止访问：{exc}", status_code=403, media_type="text/plain; charset=utf-8")

    @app.exception_handler(service.ForbiddenError)
    async def role_forbidden(_request: Request, exc: service.ForbiddenError):
        return Response(exc.message, status_code=403, media_type="text/plain; charset=utf-8")

    @app.exception_handler(service.NotFoundError)
    async def not_found(_request: Request, _exc: service.NotFoundError):
        return Response("未找到", status_code=404, media_type="text/plain; charset=utf-8")

    # --- login -----------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/"):
        login_csrf = secrets.token_urlsafe(32)
        response = render(request, "login.html", None, login_csrf, next=_local(next))
        response.set_cookie(LOGIN_CSRF_COOKIE, login_csrf, httponly=True, samesite="strict",
                            secure=secure_cookies, path="/login")
        return response

    @app.post("/login")
    async def login(request: Request):
        form = dict(await request.form())
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(str(form.get("csrf", "")), expected):
            raise _Forbidden("表单已过期或来源不明：请刷新页面后重试")
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        name_hash = token_hash(f"login-name:{username.casefold()}")
        refused = partial(render, request, "login.html", None, expected, next=_local(form.get("next", "/")))
        with session_scope(db_url) as session:
            user = repository.review_user_by_name(session, username)
            user_id = user.id if user else None
            now = utcnow()
            attempts = repository.login_attempts_since(session, name_hash, now - LOGIN_LIMITS.lookback)
            until = locked_until([(attempt.at, attempt.outcome) for attempt in attempts])
            if until is not None and until > now:
                repository.add_login_attempt(session, name_hash, user_id, lockout.LOCKED)
                log.warning("login refused unchecked: name locked after wrong passwords (user %s)", user_id)
                minutes = math.ceil((until - now).total_seconds() / 60)
                return refused(status_code=429, error=f"登录失败次数过多，已暂时锁定：请 {minutes} 分钟后再试")
            valid = verify_password(password, user.password_hash if user else UNKNOWN_USER_HASH)
            if user is None or not valid or not user.active:
                repository.add_login_attempt(session, name_hash, user_id, lockout.WRONG_PASSWORD)
                log.info("failed login (user %s)", user_id)
                return refused(status_code=401, error="用户名或密码错误")
            repository.add_login_attempt(session, name_hash, user_id, lockout.OK)
            earlier = request.cookies.get(SESSION_COOKIE)
            if earlier:  # the browser's earlier login ends: one browser, one session
                repository.end_review_session(session, token_hash(earlier))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            repository.add_review_session(session, token_hash(token), user.id, csrf)
            log.info("user %s logged in", user.id)
        response = RedirectResponse(_local(form.get("next", "/")), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies,
                            max_age=int(lifetime.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout")
    async def logout(request: Request):
        await posted_form(request)
        with session_scope(db_url) as session:
            repository.end_review_session(session, token_hash(request.cookies[SESSION_COOKIE]))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- dashboard and queue ---------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def dashboard(request: Request):
        user, csrf = current_user(request)
        data = views.dashboard(db_url)
        return render(request, "dashboard.html", user, csrf, chart=charts.confidence_chart(data["confidence"]), **data)

    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request, packet: str = "", doc_type: str = "", field: str = ""):
        user, csrf = current_user(request)
        filters = {"packet": packet, "doc_type": doc_type, "field": field}
        items = service.review_queue(db_url, packet, doc_type, field, role=user.role)
        return render(request, "queue.html", user, csrf, items=items, filters=filters, query=_query(filters),
                      doc_types=sorted(labels.DOC_TYPES), field_names=sorted(labels.FIELDS),
                      signal_counts=supervision.open_signal_counts(db_url))

    # --- correction ------------------------------------------------------------

    @app.get("/fields/{field_id}", response_class=HTMLResponse)
    async def correction(request: Request, field_id: RecordId, after: AuditId = None):
        user, csrf = current_user(request)
        return _correction_page(request, user, csrf, field_id, _filters(request.query_params), after)

    def _steps(user: ReviewUser, filters: dict, ref: str) -> dict:
        """Where this item stands in the user's queue, and its neighbours' pages."""
        items = service.review_queue(db_url, **filters, role=user.role)
        refs = [item.ref for item in items]
        previous, following = _neighbours(refs, ref)
        href = {item.ref: item.href for item in items}
        return {"previous_href": href.get(previous), "next_href": href.get(following),
                "position": _position(refs, ref), "total": len(refs)}

    def _correction_page(request: Request, user: ReviewUser, csrf: str, field_id: int, filters: dict,
                         after: int | None, error: str | None = None, typed: str | None = None, status: int = 200):
        data = views.correction_view(db_url, field_id, pages_dir)
        outcome = service.redecided_after(db_url, after) if after else None
        return render(request, "correction.html", user, csrf, status_code=status, error=error,
                      typed=labels.value(data["field"].value, data["field"].value_type) if typed is None else typed, outcome=outcome, filters=filters,
                      query=_query(filters), **_steps(user, filters, f"field:{field_id}"), **data)

    @app.post("/fields/{field_id}/correct")
    async def correct(request: Request, field_id: RecordId):
        user, form = await posted_form(request)
        return _change(request, user, form, f"field:{field_id}", lambda: service.correct_field(
            db_url, field_id, str(form.get("value", "")), str(form.get("reason", "")), user.username,
            str(form.get("seen", "")), str(form.get("box", ""))))

    @app.post("/fields/{field_id}/accept")
    async def accept(request: Request, field_id: RecordId):
        user, form = await posted_form(request)
        return _change(request, user, form, f"field:{field_id}", lambda: service.accept_as_read(
            db_url, field_id, user.username, str(form.get("seen", ""))))

    @app.post("/fields/{field_id}/absent")
    async def absent(request: Request, field_id: RecordId):
        user, form = await posted_form(request)
        return _change(request, user, form, f"field:{field_id}", lambda: service.mark_absent(
            db_url, field_id, user.username, str(form.get("seen", ""))))

    def _change(request: Request, user: ReviewUser, form: dict, ref: str, change, refused=None):
        filters = _filters(form)
        before = [item.ref for item in service.review_queue(db_url, **filters, role=user.role)]
        try:
            outcome = change()
        except (BadInputError, service.ConflictError) as exc:
            # The page again, with what the clerk typed; after a conflict it shows the value stored meanwhile.
            _, csrf = current_user(request)
            if refused is not None:
                return refused(csrf, exc)
            return _correction_page(request, user, csrf, int(ref.split(":")[1]), filters, None, error=exc.message,
                                    typed=str(form.get("value", "")), status=_refusal_status(exc))
        remaining = service.review_queue(db_url, **filters, role=user.role)
        left = [item.ref for item in remaining]
        later = before[before.index(ref) + 1:] if ref in before else []
        next_ref = next((r for r in later if r in left), left[0] if left else None)
        if next_ref is None:
            return RedirectResponse(f"/claims/{outcome.packet_id}?after={outcome.caused_by or outcome.id}",
                                    status_code=303)
        href = next(item.href for item in remaining if item.ref == next_ref)
        after = outcome.caused_by or outcome.id
        return RedirectResponse(f"{href}?{_query(filters, after=after)}", status_code=303)

    # --- a failing check, and values the machine never found ---------------------

    @app.get("/documents/{document_id}/checks/{check}", response_class=HTMLResponse)
    async def check_page(request: Request, document_id: RecordId, check: str, after: AuditId = None):
        user, csrf = current_user(request)
        return _check_page(request, user, csrf, document_id, check, _filters(request.query_params), after)

    def _check_page(request: Request, user: ReviewUser, csrf: str, document_id: int, check: str, filters: dict,
                    after: int | None, error: str | None = None, status: int = 200):
        data = views.check_view(db_url, document_id, check, pages_dir)
        outcome = service.redecided_after(db_url, after) if after else None
        return render(request, "check.html", user, csrf, status_code=status, error=error, outcome=outcome,
                      filters=filters, query=_query(filters),
                      **_steps(user, filters, f"check:{document_id}:{check}"), **data)

    @app.post("/documents/{document_id}/checks/{check}/settle")
    async def settle_check(request: Request, document_id: RecordId, check: str):
        user, form = await posted_form(request)
        return _change(request, user, form, f"check:{document_id}:{check}", lambda: service.settle_check(
            db_url, document_id, check, str(form.get("side", "")), user.username, user.role),
            refused=lambda csrf, exc: _check_page(request, user, csrf, document_id, check, _filters(form), None,
                                                  error=exc.message, status=_refusal_status(exc)))

    @app.post("/documents/{document_id}/checks/{check}/refer")
    async def refer_check(request: Request, document_id: RecordId, check: str):
        user, form = await posted_form(request)
        return _change(request, user, form, f"check:{document_id}:{check}", lambda: service.refer_check(
            db_url, document_id, check, str(form.get("reason", "")), user.username, user.role),
            refused=lambda csrf, exc: _check_page(request, user, csrf, document_id, check, _filters(form), None,
                                                  error=exc.message, status=_refusal_status(exc)))

    @app.get("/documents/{document_id}/add", response_class=HTMLResponse)
    async def add_field_page(request: Request, document_id: RecordId, name: str = ""):
        user, csrf = current_user(request)
        return _add_field_page(request, user, csrf, document_id, name)

    def _add_field_page(request: Request, user: ReviewUser, csrf: str, document_id: int, name: str,
                        error: str | None = None, typed: str = "", status: int = 200):
        return render(request, "add_field.html", user, csrf, status_code=status, error=error, typed=typed,
                      chosen=name, **views.add_field_view(db_url, document_id, pages_dir))

    @app.post("/documents/{document_id}/add")
    async def add_field(request: Request, document_id: RecordId):
        user, form = await posted_form(request)
        name = str(form.get("name", ""))
        return _change(request, user, form, f"document:{document_id}", lambda: service.add_field(
            db_url, document_id, name, str(form.get("value", "")), str(form.get("box", "")), user.username),
            refused=lambda csrf, exc: _add_field_page(request, user, csrf, document_id, name, error=exc.message,
                                                      typed=str(form.get("value", "")),
                                                      status=_refusal_status(exc)))

    # --- images: looked up by id, never by a path from the URL -----------------

    @app.get("/pages/{page_id}/image")
    async def page_image(request: Request, page_id: RecordId):
        current_user(request)
        path = _page_path(page_id)
        return FileResponse(path, media_type="image/png" if path.suffix == ".png" else "image/jpeg")

    @app.get("/fields/{field_id}/crop")
    async def field_crop(request: Request, field_id: RecordId):
        current_user(request)
        with session_scope(db_url) as session:
            found = repository.field_in_context(session, field_id)
            box = views.shown_box(session, found[0], found[2]) if found is not None else None
        if not box:
            raise service.NotFoundError(f"field {field_id} has no box")
        return Response(_crop_png(_image_of(found[2]), box), media_type="image/png")

    def _page_path(page_id: int) -> Path:
        with session_scope(db_url) as session:
            page = session.get(Page, page_id)
        if page is None:
            raise service.NotFoundError(f"page {page_id} does not exist")
        return _image_of(page)

    def _image_of(page: Page) -> Path:
        path = views.page_file(pages_dir, page)
        if path is None:
            raise service.NotFoundError(f"page {page.id} has no image")
        return path

    # --- claims ----------------------------------------------------------------

    @app.get("/claims", response_class=HTMLResponse)
    async def claims(request: Request):
        user, csrf = current_user(request)
        return render(request, "claims.html", user, csrf, rows=views.claims_list(db_url))

    @app.get("/claims/{packet_id}", response_class=HTMLResponse)
    async def claim(request: Request, packet_id: RecordId, after: AuditId = None):
        user, csrf = current_user(request)
        return _claim_page(request, user, csrf, packet_id, after)

    def _claim_page(request: Request, user: ReviewUser, csrf: str, packet_id: int, after: int | None,
                    error: str | None = None, status: int = 200, form: dict | None = None):
        outcome = service.redecided_after(db_url, after) if after else None
        return render(request, "claim.html", user, csrf, status_code=status, outcome=outcome, error=error,
                      form=form or {}, override_statuses=labels.OVERRIDE_STATUSES,
                      signals=supervision.claim_signals(db_url, packet_id), desk=desk.claim_desk(db_url, packet_id),
                      **views.claim_view(db_url, packet_id))

    @app.post("/claims/{packet_id}/override")
    async def override(request: Request, packet_id: RecordId):
        user, form = await posted_form(request)
        try:
            service.override_decision(db_url, packet_id, str(form.get("status", "")), str(form.get("payable", "")),
                                      str(form.get("reason", "")), user.username, user.role,
                                      str(form.get("decision", "")))
        except (BadInputError, service.ConflictError) as exc:
            _, csrf = current_user(request)
            return _claim_page(request, user, csrf, packet_id, None, error=exc.message, status=_refusal_status(exc),
                               form=form)
        return RedirectResponse(f"/claims/{packet_id}#audit", status_code=303)

    supervision.add_routes(app, db_url, current_user, posted_form, render)  # signals and the blacklist
    admin.add_routes(app, db_url, claims_home, inbox, current_user, posted_form, render)  # quarantine, accounts, pages
    desk.add_routes(app, db_url, claims_home, inbox, current_user, posted_form, render)  # originals, requests, upload
    return app


class _Forbidden(Exception):
    """A POST without the right CSRF token."""


def _refusal_status(error: Exception) -> int:
    """409 when someone changed the record meanwhile, 422 when the entry itself is wrong."""
    return 409 if isinstance(error, service.ConflictError) else 422


def _stored_secret(claims_home: Path) -> str:
    path = claims_home / "review_secret"
    if not path.exists():
        claims_home.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def _local_time(moment: datetime | None) -> str:
    """A stored time as the server's local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _local(target) -> str:
    """Only a path on this site may follow a login (no open redirect)."""
    target = str(target or "/")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _filters(source) -> dict:
    return {name: str(source.get(name, "") or "") for name in FILTERS}


def _query(filters: dict, **extra) -> str:
    return urlencode({key: value for key, value in {**filters, **extra}.items() if value})


def _neighbours(refs: list[str], ref: str) -> tuple[str | None, str | None]:
    if ref not in refs:
        return None, refs[0] if refs else None
    index = refs.index(ref)
    return (refs[index - 1] if index > 0 else None), (refs[index + 1] if index + 1 < len(refs) else None)


def _position(refs: list[str], ref: str) -> int | None:
    return refs.index(ref) + 1 if ref in refs else None


def _crop_png(path: Path, box: list) -> bytes:
    """The field's box and its surroundings, enlarged, with the box outlined."""
    x1, y1, x2, y2 = (int(v) for v in box)
    with Image.open(path) as page:
        page = page.convert("RGB")
        left, top = max(x1 - CROP_MARGIN[0], 0), max(y1 - CROP_MARGIN[1], 0)
        crop = page.crop((left, top, min(x2 + CROP_MARGIN[0], page.width), min(y2 + CROP_MARGIN[1], page.height)))
    scale = max(1.0, min(3.0, 720 / max(crop.width, 1)))
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
    ImageDraw.Draw(crop).rectangle(
        ((x1 - left) * scale, (y1 - top) * scale, (x2 - left) * scale, (y2 - top) * scale), outline=(220, 30, 30),
        width=3)
    out = io.BytesIO()
    crop.save(out, format="PNG")
    return out.getvalue()
