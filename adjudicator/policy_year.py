"""Policy years and the claim window (M1.1, M3.5): the one place that computes them.

The adjudicator, the intake, the nightly sweep, the blacklist and the store all
ask here, so a visit belongs to the same year and a claim expires on the same day
everywhere. Pure: reads the packaged plan file once (cached).

These rules define time itself, so they need no plan amounts: M3.5 is decided
even for a year no plan covers. For a day before their first dated value their
first value holds: the manual that states them is undated.
"""

from __future__ import annotations

from datetime import date

from adjudicator.money import add_months
from adjudicator.plan import Dated, Param, Plan, packaged_plan_book


def _rule(name: str, day: date, plan: Plan | None) -> Param:
    if plan is not None:  # a caller deciding under a given plan uses its values throughout
        return getattr(plan, name)
    dated: Dated = packaged_plan_book().dated[name]
    return dated.on(day) or dated.values[0][1]


def policy_year_start(anchor: date | None, day: date, plan: Plan | None = None) -> date:
    """Start of the policy year that `day` falls in. Years run on from `anchor`, the start of any
    policy year of the member's contract, however old, or before `day` or after it; without an
    anchor, from the plan's default start (1 January)."""
    length = _rule("year_length_months", day, plan).value
    if anchor is None:
        month, month_day = _rule("default_year_start", day, plan).value
        anchor = date(day.year, month, month_day)
    # Whole years from the anchor, counted from it (not stepwise) so a 29th-31st keeps its day.
    years = ((day.year - anchor.year) * 12 + 12) // length + 1  # at or past the year, never short of it
    while add_months(anchor, years * length) > day:
        years -= 1
    return add_months(anchor, years * length)


def policy_year_end(year_start: date, plan: Plan | None = None) -> date:
    """The first day after the policy year."""
    return add_months(year_start, _rule("year_length_months", year_start, plan).value)


def claim_deadline(year_start: date, plan: Plan | None = None) -> date:
    """M3.5: the first day a claim for this policy year is out of time (received on it or later)."""
    return add_months(year_start, claim_window(year_start, plan).value)


def claim_window(year_start: date, plan: Plan | None = None) -> Param[int]:
    """The window's length in months, with its clause."""
    return _rule("claim_window_months", year_start, plan)
