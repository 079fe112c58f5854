"""The one policy-year function and the one claim-window deadline (M1.1, M3.5)."""

from datetime import date

import pytest

from adjudicator.policy_year import claim_deadline, policy_year_end, policy_year_start


@pytest.mark.parametrize("anchor, day, start", [
    (None, date(2026, 5, 1), date(2026, 1, 1)),                       # the plan's default start, 1 January
    (date(2026, 1, 1), date(2025, 12, 20), date(2025, 1, 1)),         # an anchor after the day: counted back
    (date(2025, 7, 1), date(2026, 8, 3), date(2026, 7, 1)),           # an anchor one year old
    (date(2025, 7, 1), date(2026, 6, 30), date(2025, 7, 1)),          # ... the day before its anniversary
    (date(2024, 3, 15), date(2026, 5, 2), date(2026, 3, 15)),         # an anchor two years old
    (date(2024, 3, 15), date(2026, 3, 14), date(2025, 3, 15)),
    (date(2024, 1, 31), date(2026, 2, 1), date(2026, 1, 31)),         # a 31st keeps its day in later years
])
def test_the_policy_year_runs_on_from_any_years_start(anchor, day, start):
    assert policy_year_start(anchor, day) == start
    assert start <= day < policy_year_end(start)


@pytest.mark.parametrize("year_start, deadline", [
    (date(2025, 1, 1), date(2026, 4, 1)),     # issue 16: received 2026-04-20 is late, 2026-02-20 is not
    (date(2026, 1, 1), date(2027, 4, 1)),
    (date(2025, 7, 1), date(2026, 10, 1)),
    (date(2024, 11, 30), date(2026, 2, 28)),  # 15 months on, clamped to the month's end
])
def test_the_claim_window_closes_15_months_after_the_years_start(year_start, deadline):
    assert claim_deadline(year_start) == deadline


@pytest.mark.parametrize("anchor", [date(2025, 7, 1), date(2024, 7, 1), None])
def test_anchors_one_and_two_years_old_give_the_same_deadline(anchor):
    """However old the anchor, a visit's window is counted from its own policy year."""
    day = date(2026, 8, 3)
    start = policy_year_start(anchor, day)
    assert claim_deadline(start) == (date(2027, 10, 1) if anchor else date(2027, 4, 1))
