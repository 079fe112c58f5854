"""Record ids in URL paths and queries: the databases' INTEGER keys.

An id outside them names nothing: declared with these types, it is a 404 (see review.app) before any
query runs, never an overflow in the database driver.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_RECORD_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
AuditId = Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)]
