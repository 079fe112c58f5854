"""The insurer's member roster (CSV) read and validated; every row or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from pipeline.errors import BadInputError
from pipeline.normalize import id_number_problem, parse_date

# Column names as insurers send them, in either language.
COLUMNS = {
    "id_number": ("id_number", "身份证号", "身份证号码", "公民身份号码"),
    "name": ("name", "姓名"),
    "employer": ("employer", "单位", "工作单位"),
    "policy_year_start": ("policy_year_start", "保单年度起始日", "保险起期", "起保日期"),
    "union_inpatient_plan": ("union_inpatient_plan", "总工会住院保障", "总工会"),
    "other_insurer": ("other_insurer", "其他保险", "其他商业保险"),
    "blacklisted": ("blacklisted", "黑名单"),
}
REQUIRED = ("id_number", "name")
YES = {"1", "y", "yes", "true", "是", "有"}
NO = {"", "0", "n", "no", "false", "否", "无"}


@dataclass(frozen=True)
class RosterRow:
    id_number: str
    name: str
    employer: str | None
    policy_year_start: date | None
    union_inpatient_plan: bool
    other_insurer: bool
    blacklisted: bool


def parse_roster(text: str) -> list[RosterRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise BadInputError("the roster is empty")
    positions = _columns(header)
    rows, seen = [], {}
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = _row(cells, positions, line_number)
        if row.id_number in seen:
            raise BadInputError(f"roster line {line_number}: the same ID number as line {seen[row.id_number]}")
        seen[row.id_number] = line_number
        rows.append(row)
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    positions = {}
    for field, synonyms in COLUMNS.items():
        for synonym in synonyms:
            if synonym.lower() in names:
                positions[field] = names.index(synonym.lower())
                break
    missing = [field for field in REQUIRED if field not in positions]
    if missing:
        raise BadInputError(f"the roster has no column for {', '.join(missing)} (header: {', '.join(header)})")
    return positions


def _row(cells: list[str], positions: dict[str, int], line_number: int) -> RosterRow:
    def cell(field: str) -> str:
        position = positions.get(field)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    id_number = cell("id_number").upper()
    problem = id_number_problem(id_number)
    if problem:
        raise BadInputError(f"roster line {line_number}: ID number {problem}")
    if not cell("name"):
        raise BadInputError(f"roster line {line_number}: no name")
    start = None
    if cell("policy_year_start"):
        start = parse_date(cell("policy_year_start"))
        if start is None:
            raise BadInputError(f"roster line {line_number}: policy year start '{cell('policy_year_start')}' is not a date")
    return RosterRow(id_number, cell("name"), cell("employer") or None, start,
                     _flag(cell("union_inpatient_plan"), "union_inpatient_plan", line_number),
                     _flag(cell("other_insurer"), "other_insurer", line_number),
                     _flag(cell("blacklisted"), "blacklisted", line_number))


def _flag(value: str, field: str, line_number: int) -> bool:
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise BadInputError(f"roster line {line_number}: {field} '{value}' is neither yes nor no")
