"""Password guessing: after repeated wrong passwords a user name is locked for a while.

The thresholds are data (`data/login_limits.yaml`). Every attempt is kept (store.models.LoginAttempt), and
whether a name is locked is worked out from its recent attempts, so the lock holds across restarts and
across every process that serves the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from pipeline.errors import PlanError

LIMITS_FILE = Path(__file__).resolve().parent / "data" / "login_limits.yaml"
OK, WRONG_PASSWORD, LOCKED = "ok", "wrong_password", "locked"


@dataclass(frozen=True)
class LoginLimits:
    failures: int
    window_minutes: int
    lock_minutes: int

    @property
    def lookback(self) -> timedelta:
        """How far back attempts can still matter: a streak's window and the lock it ends in."""
        return timedelta(minutes=self.window_minutes + self.lock_minutes)


def load_login_limits(path: Path = LIMITS_FILE) -> LoginLimits:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    values = {}
    for key in ("failures", "window_minutes", "lock_minutes"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PlanError(f"{path.name}: '{key}' must be a whole number >= 1, got {value!r}")
        values[key] = value
    return LoginLimits(**values)


LOGIN_LIMITS = load_login_limits()


def locked_until(attempts: list[tuple[datetime, str]], limits: LoginLimits = LOGIN_LIMITS) -> datetime | None:
    """When the lock that a name's attempts (time and outcome, oldest first) put on it ends, if they put one.

    `failures` wrong passwords within `window_minutes`, with no successful login between them, lock the name
    for `lock_minutes` from the last of them. Attempts refused during a lock do not count towards the next.
    """
    window, lock = timedelta(minutes=limits.window_minutes), timedelta(minutes=limits.lock_minutes)
    streak: list[datetime] = []
    until = None
    for at, outcome in attempts:
        if until is not None and at < until:
            continue  # refused unchecked while locked
        if outcome == OK:
            streak = []
        elif outcome == WRONG_PASSWORD:
            streak = [earlier for earlier in streak if at - earlier < window] + [at]
            if len(streak) >= limits.failures:
                until, streak = at + lock, []
    return until
