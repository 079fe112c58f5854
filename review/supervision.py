"""The supervisors' pages: open abuse signals (dismiss with a reason, or escalate) and the
moral-hazard blacklist (M4.2.26: put a member on it for a policy year with a reason, or lift it).
Clerks see a claim's signals on the queue and the claim page but reach none of these pages (403).
Every change is audited (flows/signals.py, flows/blacklist.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from flows import blacklist
from flows.decisions import policy_year_start
from flows.signals import SignalNotFoundError, decide_signal
from pipeline.errors import BadInputError
from pipeline.normalize import mask_name
from pipeline.signals import signal_rules
from review import labels
from review.ids import RecordId
from review.service import ForbiddenError, NotFoundError, effective_status
from store import repository
from store.db import session_scope
from store.models import Member, Packet, RaisedSignal, ReviewUser

SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(labels.SEVERITIES)}  # high first
SIGNAL_STATUSES = tuple(labels.SIGNAL_STATUSES)


@dataclass(frozen=True)
class BlacklistRow:
    member_id: str
    masked_name: str
    year_start: date
    reason: str
    actor: str
    at: object
    claims: list  # [(packet, status, payable)] of the member's year


def open_signal_counts(db_url: str) -> dict[int, int]:
    with session_scope(db_url) as session:
        return repository.open_signal_counts(session)


def claim_signals(db_url: str, packet_id: int) -> list[RaisedSignal]:
    with session_scope(db_url) as session:
        return _by_severity(repository.signals_of_packet(session, packet_id))


def _by_severity(signals: list[RaisedSignal]) -> list[RaisedSignal]:
    return sorted(signals, key=lambda s: (s.status != "open", SEVERITY_ORDER.get(s.severity, 9), s.created_at))


def _require_supervisor(user: ReviewUser) -> None:
    if user.role != "supervisor":
        raise ForbiddenError("只有主管可以处理风险信号和黑名单")


def _signal_view(db_url: str, signal_id: int) -> dict:
    with session_scope(db_url) as session:
        signal = session.get(RaisedSignal, signal_id)
        if signal is None:
            raise NotFoundError(f"signal {signal_id} does not exist")
        trail = [entry for entry in repository.audit_trail(session, signal.packet_id)
                 if entry.field_label == f"signal.{signal.rule}"]
        return {"signal": signal, "packet": session.get(Packet, signal.packet_id), "trail": trail}


def _blacklist_view(db_url: str) -> dict:
    with session_scope(db_url) as session:
        history = repository.blacklist_history(session)
        latest: dict[tuple[str, date], object] = {}
        for change in reversed(history):  # oldest first: the last one seen is the standing
            latest[(change.member_id, change.year_start)] = change
        rows = []
        for (member_id, year), change in sorted(latest.items(), key=lambda item: item[1].at, reverse=True):
            if change.action != "blacklisted":
                continue
            member = session.get(Member, member_id)
            claims = [(packet, *effective_status(packet, decision))
                      for packet, decision in repository.decided_packets_of_member(session, member_id)
                      if decision.claim.get("visits") and policy_year_start(decision.claim) == year]
            rows.append(BlacklistRow(member_id, mask_name(member.name), year, change.reason, change.actor,
                                     change.at, claims))
        return {"rows": rows, "history": history}


def add_routes(app: FastAPI, db_url: str, current_user, posted_form, render) -> None:
    """The supervisors' routes on the review app, with its login, CSRF check and rendering."""

    @app.get("/signals", response_class=HTMLResponse)
    async def signals_list(request: Request, status: str = "open", rule: str = ""):
        user, csrf = current_user(request)
        _require_supervisor(user)
        with session_scope(db_url) as session:
            listed = _by_severity(repository.signals_listed(session, status if status in SIGNAL_STATUSES else None,
                                                            rule or None))
        return render(request, "signals.html", user, csrf, signals=listed, status=status, rule=rule,
                      rules=signal_rules(), statuses=SIGNAL_STATUSES)

    @app.get("/signals/{signal_id}", response_class=HTMLResponse)
    async def signal_page(request: Request, signal_id: RecordId):
        user, csrf = current_user(request)
        _require_supervisor(user)
        return render(request, "signal.html", user, csrf, **_signal_view(db_url, signal_id))

    @app.post("/signals/{signal_id}/{verdict}")
    async def signal_verdict(request: Request, signal_id: RecordId, verdict: str):
        user, form = await posted_form(request)
        _require_supervisor(user)
        try:
            decide_signal(db_url, signal_id, verdict, str(form.get("reason", "")), user.username)
        except SignalNotFoundError as exc:
            raise NotFoundError(exc.message) from None
        except BadInputError as exc:
            shown = _signal_view(db_url, signal_id)  # 404 for a signal that does not exist
            _, csrf = current_user(request)
            return render(request, "signal.html", user, csrf, status_code=422, error=exc.message, form=form, **shown)
        return RedirectResponse(f"/signals/{signal_id}", status_code=303)

    @app.get("/blacklist", response_class=HTMLResponse)
    async def blacklist_page(request: Request, member: str = "", day: str = "", done: str = ""):
        user, csrf = current_user(request)
        _require_supervisor(user)
        return render(request, "blacklist.html", user, csrf, done=done,
                      form={"member": member, "day": day or date.today().isoformat()}, **_blacklist_view(db_url))

    @app.post("/blacklist")
    async def blacklist_add(request: Request):
        return await _blacklist_change(request, blacklist.blacklist)

    @app.post("/blacklist/lift")
    async def blacklist_lift(request: Request):
        return await _blacklist_change(request, blacklist.lift)

    async def _blacklist_change(request: Request, change):
        user, form = await posted_form(request)
        _require_supervisor(user)
        try:
            done = change(db_url, str(form.get("member", "")), str(form.get("day", "")), str(form.get("reason", "")),
                          user.username)
        except BadInputError as exc:
            _, csrf = current_user(request)
            return render(request, "blacklist.html", user, csrf, status_code=422, error=exc.message, form=form,
                          **_blacklist_view(db_url))
        return RedirectResponse("/blacklist?" + urlencode({"done": f"{done.member_id} {done.year_start} {done.action}"}),
                                status_code=303)
