"""Money and calendar helpers: decimal yuan, never floats."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_half_up(amount: Decimal) -> Decimal:
    """Round to the cent, half-up: used only where a rule creates a new amount."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(amount: Decimal) -> Decimal:
    """Give an exact amount its two-decimal form (no rounding happens here)."""
    return amount.quantize(CENT)


def money_text(amount: Decimal) -> str:
    return f"{cents(amount):.2f}"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
