"""The hospital registry: the insurer's designated hospitals, kept as data.

Printed names vary (上海市第六人民医院 / 上海交通大学附属第六人民医院 / 六院,
full- or half-width brackets, with or without the leading 上海(市)), so names
are normalised before they are looked up. A name the registry does not know is
never guessed: the caller sends the visit to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from adjudicator.errors import PlanError
from adjudicator.plan import PACKAGE_DIR, load_yaml
from adjudicator.terms import normalise_text

DEFAULT_HOSPITALS_PATH = PACKAGE_DIR / "data" / "hospitals.yaml"

CITY_PREFIXES = ("上海市", "上海")  # printed or not before a name; longest first
_ENTRY_KEYS = ("name", "aliases", "level", "public", "in_shanghai", "branch_of", "designated_from", "designated_to")


def normalise_hospital_name(name: str) -> str:
    text = normalise_text(name)
    for prefix in CITY_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


@dataclass(frozen=True)
class RegisteredHospital:
    name: str
    aliases: tuple[str, ...]
    level: int
    public: bool
    in_shanghai: bool
    branch_of: str | None  # M1.H: a 分院 is its own entry, designated only if the insurer lists it
    designated_from: date | None
    designated_to: date | None

    def designated_on(self, day: date) -> bool:
        return (self.designated_from is not None and self.designated_from <= day
                and (self.designated_to is None or day <= self.designated_to))


class HospitalRegistry:
    def __init__(self, hospitals: list[RegisteredHospital], source: str = ""):
        self.hospitals = tuple(hospitals)
        self._by_name: dict[str, RegisteredHospital] = {}
        for hospital in hospitals:
            for printed in (hospital.name, *hospital.aliases):
                key = normalise_hospital_name(printed)
                other = self._by_name.get(key)
                if other is not None and other is not hospital:
                    raise PlanError(f"{source}: the name {printed!r} belongs to both {other.name} and {hospital.name}")
                self._by_name[key] = hospital

    def find(self, printed_name: str) -> RegisteredHospital | None:
        return self._by_name.get(normalise_hospital_name(printed_name))


def _entry(body: Any, where: str) -> RegisteredHospital:
    if not isinstance(body, dict):
        raise PlanError(f"{where} must be a mapping")
    unknown = [key for key in body if key not in _ENTRY_KEYS]
    if unknown:
        raise PlanError(f"{where}.{unknown[0]} is an unknown key")
    for key in ("name", "level", "public", "in_shanghai"):
        if key not in body:
            raise PlanError(f"{where}.{key} is missing")
    aliases = body.get("aliases") or []
    if not isinstance(body["name"], str) or not all(isinstance(alias, str) for alias in aliases):
        raise PlanError(f"{where}: name and aliases must be strings")
    if body["level"] not in (1, 2, 3):
        raise PlanError(f"{where}.level must be 1, 2 or 3, got {body['level']!r}")
    for key in ("public", "in_shanghai"):
        if not isinstance(body[key], bool):
            raise PlanError(f"{where}.{key} must be true or false")
    dates = {}
    for key in ("designated_from", "designated_to"):
        value = body.get(key)
        try:
            dates[key] = None if value is None else date.fromisoformat(str(value))
        except ValueError:
            raise PlanError(f"{where}.{key} is not a date YYYY-MM-DD: {value!r}") from None
    return RegisteredHospital(body["name"], tuple(aliases), body["level"], body["public"], body["in_shanghai"],
                              body.get("branch_of"), dates["designated_from"], dates["designated_to"])


def load_hospitals(path: str | Path = DEFAULT_HOSPITALS_PATH) -> HospitalRegistry:
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or set(data) != {"hospitals"} or not isinstance(data["hospitals"], list):
        raise PlanError(f"{path}: expected one key 'hospitals' holding a list")
    entries = [_entry(body, f"{path}: hospitals[{index}]") for index, body in enumerate(data["hospitals"])]
    return HospitalRegistry(entries, str(path))


@lru_cache(maxsize=None)
def packaged_hospitals() -> HospitalRegistry:
    return load_hospitals(DEFAULT_HOSPITALS_PATH)
