"""The supervisors' administration pages, and the page operations clerks need:

  /quarantine            what the intake and the watcher set aside, with the reason in Chinese; a whole
                         packet can be released (back into the inbox, for the watcher to take again) and
                         anything can be discarded with a reason (kept in quarantine/.discarded/)
  /users                 the accounts: last login, disable, enable, reset a password
  /claims/{id}/pages     a claim's pages: turn one, or move it to another packet of the same member

Supervisor pages refuse clerks (403), as review/supervision.py does. Every change is audited: the
administration trail (store.models.AdminAction) for quarantine and accounts, the claim's audit trail
for pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flows import quarantine
from pipeline.errors import BadInputError
from review import page_ops, users, views
from review.ids import RecordId
from review.service import ConflictError, ForbiddenError, NotFoundError
from store import admin, repository
from store.db import session_scope
from store.models import Original, Packet, Page, ReviewUser

REASONS_FILE = Path(__file__).resolve().parent / "data" / "quarantine_reasons.yaml"
ENTRY_KEY = re.compile(r"[0-9a-f]{20}")
ADMIN_KINDS = {"quarantine_released": "放行", "quarantine_discarded": "丢弃", "user_disabled": "停用账号",
               "user_enabled": "启用账号", "password_reset": "重置密码"}
QUARANTINE_KINDS = {"packet": "整个案件", "file": "单个文件"}
DONE = {"released": "已放行：案件已放回收件箱，监视程序将重新处理", "discarded": "已丢弃：文件已移入隔离区的丢弃区保存",
        "disabled": "账号已停用，其登录会话已结束", "enabled": "账号已启用",
        "turned": "页面已旋转并重新识别，案件已重新裁定", "moved": "页面已移动，两个案件均已重新裁定"}


@dataclass(frozen=True)
class QuarantineReason:
    code: str
    pattern: re.Pattern
    text: str
    release_helps: bool


@lru_cache(maxsize=1)
def quarantine_reasons() -> tuple[QuarantineReason, ...]:
    with open(REASONS_FILE, encoding="utf-8") as handle:
        return tuple(QuarantineReason(row["code"], re.compile(row["pattern"]), row["text"], bool(row["release_helps"]))
                     for row in yaml.safe_load(handle))


def reason_of(text: str) -> QuarantineReason:
    """The first reason whose pattern the stored (English) reason matches; the last one matches all."""
    return next(reason for reason in quarantine_reasons() if reason.pattern.search(text))


def _require_supervisor(user: ReviewUser) -> None:
    if user.role != "supervisor":
        raise ForbiddenError("只有主管可以管理隔离区和账号")


def _entry_key(key: str) -> str:
    if not ENTRY_KEY.fullmatch(key):
        raise NotFoundError(f"no quarantined entry {key}")
    return key


def add_routes(app: FastAPI, db_url: str, claims_home: Path, inbox: Path | None, current_user, posted_form,
               render) -> None:
    """The routes on the review app, with its login, CSRF check and rendering. `inbox` is the watch
    folder a released packet goes back into (None: releasing is not offered)."""
    quarantine_dir = Path(claims_home) / "quarantine"
    pages_dir = Path(claims_home) / "pages"

    # --- quarantine ------------------------------------------------------------

    def quarantine_page(request: Request, user: ReviewUser, status_code: int = 200, **context) -> HTMLResponse:
        _, csrf = current_user(request)
        entries = [(entry, reason_of(entry.reason)) for entry in quarantine.quarantined(quarantine_dir)]
        with session_scope(db_url) as session:
            trail = admin.admin_actions(session, ("quarantine_released", "quarantine_discarded"))
        return render(request, "admin_quarantine.html", user, csrf, status_code=status_code, active="quarantine",
                      entries=entries, trail=trail, kinds=QUARANTINE_KINDS, admin_kinds=ADMIN_KINDS,
                      can_release=inbox is not None, reason_of=reason_of, **context)

    @app.get("/quarantine", response_class=HTMLResponse)
    async def quarantine_list(request: Request, done: str = ""):
        user, _ = current_user(request)
        _require_supervisor(user)
        return quarantine_page(request, user, done=DONE.get(done, ""))

    @app.post("/quarantine/{key}/release")
    async def quarantine_release(request: Request, key: str):
        user, _form = await posted_form(request)
        _require_supervisor(user)
        return _quarantine_change(request, user, key, lambda: quarantine.release_audited(
            db_url, quarantine_dir, key, _inbox(), user.username), "released")

    @app.post("/quarantine/{key}/discard")
    async def quarantine_discard(request: Request, key: str):
        user, form = await posted_form(request)
        _require_supervisor(user)
        return _quarantine_change(request, user, key, lambda: quarantine.discard_audited(
            db_url, quarantine_dir, key, str(form.get("reason", "")), user.username), "discarded")

    def _inbox() -> Path:
        if inbox is None:
            raise quarantine.QuarantineError("本服务启动时未指定收件箱，无法放行")
        return inbox

    def _quarantine_change(request: Request, user: ReviewUser, key: str, change, done: str):
        _entry_key(key)
        try:
            change()
        except quarantine.EntryNotFoundError as exc:
            raise NotFoundError(exc.message) from None
        except BadInputError as exc:
            return quarantine_page(request, user, status_code=422, error=exc.message, failed=key)
        return RedirectResponse("/quarantine?" + urlencode({"done": done}), status_code=303)

    # --- accounts --------------------------------------------------------------

    def users_page(request: Request, user: ReviewUser, status_code: int = 200, **context) -> HTMLResponse:
        _, csrf = current_user(request)
        with session_scope(db_url) as session:
            trail = admin.admin_actions(session, ("user_disabled", "user_enabled", "password_reset"))
        return render(request, "admin_users.html", user, csrf, status_code=status_code, active="users",
                      rows=users.list_users(db_url), trail=trail, admin_kinds=ADMIN_KINDS,
                      min_length=users.MIN_PASSWORD_LENGTH, **context)

    @app.get("/users", response_class=HTMLResponse)
    async def users_list(request: Request, done: str = ""):
        user, _ = current_user(request)
        _require_supervisor(user)
        return users_page(request, user, done=DONE.get(done, ""))

    @app.post("/users/{user_id}/disable")
    async def user_disable(request: Request, user_id: RecordId):
        user, form = await posted_form(request)
        _require_supervisor(user)
        return _user_change(request, user, user_id, lambda: users.set_active(
            db_url, user_id, False, user, str(form.get("reason", ""))), "disabled")

    @app.post("/users/{user_id}/enable")
    async def user_enable(request: Request, user_id: RecordId):
        user, form = await posted_form(request)
        _require_supervisor(user)
        return _user_change(request, user, user_id, lambda: users.set_active(
            db_url, user_id, True, user, str(form.get("reason", ""))), "enabled")

    @app.post("/users/{user_id}/password")
    async def user_password(request: Request, user_id: RecordId):
        user, form = await posted_form(request)
        _require_supervisor(user)
        try:
            password = users.reset_password(db_url, user_id, str(form.get("password", "")), user)
        except users.UserNotFoundError as exc:
            raise NotFoundError(exc.message) from None
        except BadInputError as exc:
            return users_page(request, user, status_code=422, error=exc.message, failed=user_id)
        if user_id == user.id:  # one's own sessions ended with the reset: log in again with it
            return RedirectResponse("/login", status_code=303)
        with session_scope(db_url) as session:
            name = session.get(ReviewUser, user_id).username
        # Shown in this response only, never in a URL or a log: the page is not cached (Cache-Control: no-store).
        return users_page(request, user, new_password=password, reset_for=name,
                          generated=not str(form.get("password", "")).strip())

    def _user_change(request: Request, user: ReviewUser, user_id: int, change, done: str):
        try:
            change()
        except users.UserNotFoundError as exc:
            raise NotFoundError(exc.message) from None
        except BadInputError as exc:
            return users_page(request, user, status_code=422, error=exc.message, failed=user_id)
        return RedirectResponse("/users?" + urlencode({"done": done}), status_code=303)

    # --- a claim's pages -------------------------------------------------------

    def pages_page(request: Request, user: ReviewUser, packet_id: int, status_code: int = 200,
                   **context) -> HTMLResponse:
        _, csrf = current_user(request)
        with session_scope(db_url) as session:
            packet = session.get(Packet, packet_id)
            if packet is None:
                raise NotFoundError(f"packet {packet_id} does not exist")
            pages = []
            for page in repository.pages_of(session, packet_id):
                documents = [row.doc_type for row in repository.document_rows(session, packet_id)
                             if row.page_id == page.id]
                pages.append((page, session.get(Original, page.original_id).file_name, documents,
                              views.page_file(pages_dir, page) is not None))
        return render(request, "admin_pages.html", user, csrf, status_code=status_code, active="claims",
                      packet=packet, pages=pages, targets=page_ops.packets_to_move_to(db_url, packet_id),
                      turns=page_ops.TURNS, **context)

    @app.get("/claims/{packet_id}/pages", response_class=HTMLResponse)
    async def claim_pages(request: Request, packet_id: RecordId, done: str = ""):
        user, _ = current_user(request)
        return pages_page(request, user, packet_id, done=DONE.get(done, ""))

    @app.post("/pages/{page_id}/turn")
    async def page_turn(request: Request, page_id: RecordId):
        user, form = await posted_form(request)
        packet_id, image = _page_image(page_id)
        return _page_change(request, user, packet_id, lambda: page_ops.turn_page(
            db_url, Path(claims_home), page_id, image, _degrees(form), user.username, str(form.get("reason", ""))),
            "turned")

    @app.post("/pages/{page_id}/move")
    async def page_move(request: Request, page_id: RecordId):
        user, form = await posted_form(request)
        packet_id, _image = _page_image(page_id)
        return _page_change(request, user, packet_id, lambda: page_ops.move_page(
            db_url, page_id, _target(form), user.username, str(form.get("reason", ""))), "moved")

    def _page_image(page_id: int) -> tuple[int, Path | None]:
        with session_scope(db_url) as session:
            page = session.get(Page, page_id)
            if page is None:
                raise NotFoundError(f"page {page_id} does not exist")
            return page.packet_id, views.page_file(pages_dir, page)

    def _page_change(request: Request, user: ReviewUser, packet_id: int, change, done: str):
        try:
            change()
        except (BadInputError, ConflictError) as exc:
            return pages_page(request, user, packet_id, status_code=409 if isinstance(exc, ConflictError) else 422,
                              error=exc.message)
        return RedirectResponse(f"/claims/{packet_id}/pages?" + urlencode({"done": done}), status_code=303)


def _degrees(form: dict) -> int:
    text = str(form.get("degrees", ""))
    return int(text) if text in {str(turn) for turn in page_ops.TURNS} else 0


def _target(form: dict) -> int:
    text = str(form.get("target", ""))
    return int(text) if text.isdigit() and len(text) < 10 else 0
