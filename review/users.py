"""Review app accounts: created from the command line (`claims review --add-user`), managed in the app
by a supervisor (listed, disabled, enabled, given a new password). Every change in the app is in the
administration trail (store.models.AdminAction)."""

from __future__ import annotations

import getpass
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from pipeline.errors import BadInputError, ClaimsError
from review.lockout import OK
from review.passwords import hash_password
from store import admin, repository
from store.db import session_scope
from store.models import ReviewUser

log = logging.getLogger("review")  # accounts by id, never by name

ROLES = ("clerk", "supervisor")
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[A-Za-z0-9_.-]{2,40}")
# What a generated password is made of: no 0/O, 1/l/I to misread when it is read out over the phone.
_GENERATED_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 14


class UserNotFoundError(ClaimsError):
    """No account has this id."""

    code = "NOT_FOUND"


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    role: str
    active: bool
    created_at: datetime
    last_login: datetime | None


def create_user(db_url: str, username: str, password: str, role: str) -> ReviewUser:
    """Add a clerk or supervisor; a bad name, role or short password is a BadInputError."""
    if not USERNAME.fullmatch(username):
        raise BadInputError("username: 2-40 letters, digits, '_', '.' or '-'")
    if role not in ROLES:
        raise BadInputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    with session_scope(db_url) as session:
        if repository.review_user_by_name(session, username) is not None:
            raise BadInputError(f"user {username!r} exists already")
        return repository.add_review_user(session, username, hash_password(password), role)


def prompt_password() -> str:
    """Ask twice on the terminal, so a password never sits in shell history or `ps`."""
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise BadInputError("the two passwords differ")
    return first


def list_users(db_url: str) -> list[UserRow]:
    with session_scope(db_url) as session:
        return [UserRow(user.id, user.username, user.role, user.active, user.created_at, last)
                for user, last in admin.users_with_last_login(session, OK)]


def set_active(db_url: str, user_id: int, active: bool, actor: ReviewUser, reason: str) -> ReviewUser:
    """Disable or enable an account. A disabled one cannot log in, and its open sessions end now (the
    app also refuses a disabled user's session at the next request). A supervisor cannot disable
    their own account: there would be no one left to undo it."""
    reason = reason.strip()
    if not active and not reason:
        raise BadInputError("停用账号必须填写理由")
    with session_scope(db_url) as session:
        user = _user(session, user_id)
        if not active and user.id == actor.id:
            raise BadInputError("不能停用自己的账号")
        if user.active == active:
            raise BadInputError("该账号已是停用状态" if not active else "该账号已是启用状态")
        user.active = active
        ended = admin.end_sessions_of_user(session, user.id) if not active else 0
        admin.add_admin_action(session, "user_enabled" if active else "user_disabled", actor.username,
                               f"user:{user.username}", reason or None, {"user_id": user.id, "sessions_ended": ended})
        log.info("user %s %s by user %s", user.id, "enabled" if active else "disabled", actor.id)
        return user


def reset_password(db_url: str, user_id: int, typed: str, actor: ReviewUser) -> str:
    """Give an account a new password: the one the supervisor typed (at least MIN_PASSWORD_LENGTH
    characters), or, left empty, one generated here. Gives the password, to be shown once; only its
    hash is kept. The account's open sessions end: whoever held the old password is logged out."""
    password = typed.strip() or "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(GENERATED_LENGTH))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(f"临时密码至少需要 {MIN_PASSWORD_LENGTH} 个字符（留空则由系统生成）")
    with session_scope(db_url) as session:
        user = _user(session, user_id)
        user.password_hash = hash_password(password)
        ended = admin.end_sessions_of_user(session, user.id)
        admin.add_admin_action(session, "password_reset", actor.username, f"user:{user.username}", None,
                               {"user_id": user.id, "generated": not typed.strip(), "sessions_ended": ended})
        log.info("user %s: password reset by user %s", user.id, actor.id)
    return password


def _user(session, user_id: int) -> ReviewUser:
    user = session.get(ReviewUser, user_id)
    if user is None:
        raise UserNotFoundError(f"user {user_id} does not exist")
    return user
