"""Review app accounts: created from the command line (`claims review --add-user`)."""

from __future__ import annotations

import getpass
import re

from pipeline.errors import BadInputError
from review.passwords import hash_password
from store import repository
from store.db import session_scope
from store.models import ReviewUser

ROLES = ("clerk", "supervisor")
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[A-Za-z0-9_.-]{2,40}")


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
