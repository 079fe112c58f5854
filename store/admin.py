"""The supervisors' administration records: their trail (AdminAction), and the accounts as listed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from store.models import AdminAction, LoginAttempt, ReviewSession, ReviewUser

def add_admin_action(session: Session, kind: str, actor: str, subject: str, reason: str | None = None,
                     detail: dict | None = None) -> AdminAction:
    action = AdminAction(kind=kind, actor=actor, subject=subject, reason=reason, detail=detail or {})
    session.add(action)
    session.flush()
    return action


def admin_actions(session: Session, kinds: tuple[str, ...] | None = None, limit: int = 200) -> list[AdminAction]:
    """Newest first."""
    query = select(AdminAction).order_by(AdminAction.id.desc()).limit(limit)
    if kinds:
        query = query.where(AdminAction.kind.in_(kinds))
    return list(session.exec(query).all())


def users_with_last_login(session: Session, logged_in: str) -> list[tuple[ReviewUser, datetime | None]]:
    """Every account by name, with when it last logged in (attempts with outcome `logged_in`; None: never)."""
    last = (select(LoginAttempt.user_id, func.max(LoginAttempt.at).label("at"))
            .where(LoginAttempt.outcome == logged_in).group_by(LoginAttempt.user_id).subquery())
    query = (select(ReviewUser, last.c.at).outerjoin(last, last.c.user_id == ReviewUser.id)
             .order_by(ReviewUser.username))
    return [(user, at) for user, at in session.exec(query).all()]


def end_sessions_of_user(session: Session, user_id: int) -> int:
    """Log the account out everywhere; how many sessions ended."""
    rows = session.exec(select(ReviewSession).where(ReviewSession.user_id == user_id)).all()
    for row in rows:
        session.delete(row)
    return len(rows)
