"""The receipt's own arithmetic chooses between readings of its money fields and repairs digits.

A receipt prints the same money several times over: 合计 is the sum of the payment
split and of the 项目 rows and is printed again in capital numerals; on paper the
现金支付 is split into 分类自负 + 自负 + 自费. Each money label keeps several
readings (what OCR read near it, and the forms OCR typically garbles it into: ¥
read as 1 or 3, 0/8, 1/7, a lost leading digit); the combination that makes every
sum hold with the fewest repairs is taken. A value a sum confirms, all of whose
terms were read, is sure, repaired or not; a repair goes into a note. When two
combinations are equally good, or a value is only deduced from the others, it goes
to a person (the relations and costs are data: extractors/data/receipt.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from extractors.layout import LabelHit, cut_at_next_label, lines_right_of
from extractors.model import Check, Document, Field, OcrPage
from extractors.spec import DocSpec
from pipeline.normalize import clean_text, lost_leading_digit, money_text, parse_amount_in_words

_CAPITAL_DIGITS = "壹贰叁肆伍陆柒捌玖"
_AMOUNT = re.compile(r"^[¥￥Y]?(\d{1,7})(?:[.,](\d{1,2}))?元?")
UNKNOWN = None  # a value left for a relation to give


@dataclass(frozen=True)
class Reading:
    value: Decimal
    cost: int  # repairs made to the text as read
    confidence: float
    box: tuple | None
    repair: str = ""  # what was changed, for the clerk's note


@dataclass
class _Variable:
    name: str
    readings: list[Reading]
    printed: bool  # its label is on the page: it may be unreadable, and a relation may give it


@dataclass
class Outcome:
    values: dict[str, Decimal]
    confirmed: set[str] = field(default_factory=set)
    deduced: dict[str, str] = field(default_factory=dict)  # a value a relation gave → that relation
    uncounted: set[str] = field(default_factory=set)  # the smaller of 现金 and a payment outside the box
    readings: dict[str, Reading] = field(default_factory=dict)


def amount_readings(text: str, confidence: float, box, swaps: dict[str, str],
                    whole_yuan_confidence: float) -> list[Reading]:
    """The amounts a printed text may be: as read, and as OCR typically garbles amounts."""
    text = clean_text(text).lstrip(":：")
    match = _AMOUNT.match(text)
    if not match:
        return []
    yuan, cents = match.groups()
    found: dict[Decimal, Reading] = {}

    def add(whole: str, fraction: str | None, cost: int, repair: str, conf: float) -> None:
        if not whole.isdigit() and whole != "":
            return
        try:
            value = Decimal(f"{int(whole or '0')}.{(fraction or '').ljust(2, '0')}")
        except InvalidOperation:
            return
        if value not in found or found[value].cost > cost:
            found[value] = Reading(value, cost, conf, box, repair)

    if cents is None:  # whole yuan printed without cents (111): right as far as anyone can tell
        add(yuan, None, 0, "", min(confidence, whole_yuan_confidence))
    else:
        add(yuan, cents, 0 if len(cents) == 2 else 1, "" if len(cents) == 2 else "少读一位小数", confidence)
    for prefix in ("13", "1", "3"):  # a ¥ read as 1, 3 or 13
        if yuan.startswith(prefix) and (len(yuan) > len(prefix) or cents is not None):
            add(yuan[len(prefix):], cents, 1, f"“¥”误读为“{prefix}”", confidence)
    if cents is None and len(yuan) == 2:  # 8.16 with its 8. under a seal reads 16
        for digit in "0123456789":
            add(digit, yuan, 2, f"“{digit}.”被遮读作“{yuan}”", confidence)
    elif cents is not None and len(cents) == 2:  # a leading digit lost (1.56 for 81.56)
        for digit in "123456789":
            add(digit + yuan, cents, 1, f"首位“{digit}”漏读", confidence)
    digits = yuan + (cents or "")
    for index, char in enumerate(digits):
        for other in swaps.get(char, ""):
            swapped = digits[:index] + other + digits[index + 1:]
            add(swapped[:len(yuan)], swapped[len(yuan):] or cents, 1, f"“{other}”误读为“{char}”", confidence)
    return sorted(found.values(), key=lambda reading: reading.cost)


def words_readings(text: str, confidence: float, box) -> list[Reading]:
    """Capital numerals: as read, or with a misread first digit (侧拾壹元 for 捌拾壹元) each digit tried."""
    text = clean_text(text).lstrip(":：")
    readings = []
    value = parse_amount_in_words(text)
    if value is not None and not lost_leading_digit(text):
        return [Reading(value, 0, confidence, box)]
    if lost_leading_digit(text):
        for digit in _CAPITAL_DIGITS:
            repaired = parse_amount_in_words(digit + text[1:])
            if repaired is not None:
                readings.append(Reading(repaired, 1, confidence, box, f"首字“{text[0]}”读作“{digit}”"))
    return readings


def money_variables(page: OcrPage, spec: DocSpec, document: Document) -> dict[str, _Variable]:
    """Each money field of the arithmetic with its readings: what was taken, and what its label has near it."""
    rules = spec.raw["arithmetic"]
    swaps = {k: str(v) for k, v in rules["digit_swaps"].items()}
    stops = list(spec.stop_patterns)
    variables = {}
    by_name = {f.name: f for f in spec.fields}
    for name in rules["fields"]:
        hits = spec.find_labels(page, by_name[name].labels)
        readings: dict[Decimal, Reading] = {}
        taken = document.fields.get(name)
        if name == "total" and "total_from_items" in document.marks:
            taken = None  # the rows' sum, which the sums count already
        if taken is not None:
            readings[Decimal(taken.value)] = Reading(Decimal(taken.value), 0, taken.confidence, taken.box)
        for text, confidence, box in _texts_near(page, hits, stops, taken):
            parsed = (words_readings(text, confidence, box) if name == "total_in_words"
                      else amount_readings(text, confidence, box, swaps, rules["whole_yuan_confidence"]))
            for reading in parsed:
                if reading.value not in readings or readings[reading.value].cost > reading.cost:
                    readings[reading.value] = reading
        ordered = sorted(readings.values(), key=lambda reading: reading.cost)[: rules["max_readings"]]
        variables[name] = _Variable(name, ordered, printed=bool(hits) or name in document.fields)
    return variables


def _texts_near(page: OcrPage, hits: list[LabelHit], stops, taken: Field | None):
    """The texts a label's value may be in: the rest of its line, the lines right of it, the line taken."""
    for hit in hits:
        rest = cut_at_next_label(hit.text[hit.end:].lstrip(":.："), stops)
        if rest:
            yield rest, hit.line.confidence, (hit.x_at(hit.end), *hit.line.box[1:])
        for line in _read_again_beside(page, hit):
            yield clean_text(line.text), line.confidence, line.box
        for line in lines_right_of(page, hit.line):
            text = clean_text(line.text)
            cut = cut_at_next_label(text.lstrip(":："), stops)
            if cut:
                yield cut, line.confidence, line.box
            if cut != text.lstrip(":："):
                break  # what follows belongs to the next label
    if taken is not None and taken.box is not None:
        for line in page.lines:
            if line.box == taken.box:
                yield cut_at_next_label(clean_text(line.text).lstrip(":："), stops), line.confidence, line.box


def _read_again_beside(page: OcrPage, hit: LabelHit):
    """Lines inside the label's own line, just after the label: a second look's reading of its value."""
    height = max(1, hit.line.height)
    end = hit.x_at(hit.end)
    for line in page.lines:
        if (line is not hit.line and end - height <= line.box[0] <= end + 2 * height
                and line.box[0] < hit.line.box[2] and abs(line.center_y - hit.line.center_y) <= 0.8 * height):
            yield line


def solve(variables: dict[str, _Variable], relations: list[dict], deduce_cost: int,
          items_sum: Decimal | None, budget: int) -> list[Outcome] | None:
    """Every cheapest assignment of readings under which each relation holds (or gives its one unknown);
    None when more than `budget` assignments had to be tried (too many readings to tell)."""
    order = list(variables)
    best: list[tuple[int, Outcome]] = []
    best_cost = [10 ** 6]
    tried = [0]
    constants = {"items": items_sum} if items_sum is not None else {}

    def closes(relation: dict, assigned: dict) -> bool:
        return all(term in assigned or term in constants or term not in variables
                   for term in [relation["total"], *relation["parts"]])

    def term_value(term: str, assigned: dict):
        if term in constants:
            return constants[term]
        if term not in variables:
            return Decimal(0)  # not printed on this receipt (附加支付 absent is 0)
        return assigned[term]

    def check(relation: dict, assigned: dict, deduced: dict) -> bool:
        terms = [relation["total"], *relation["parts"]]
        unknown = [t for t in terms if term_value(t, assigned) is UNKNOWN]
        if len(unknown) > 1:
            return True  # undetermined: nothing to check yet
        tolerance = Decimal(str(relation["tolerance"]))
        parts = [term_value(t, assigned) for t in relation["parts"]]
        total = term_value(relation["total"], assigned)
        if relation.get("larger_of"):
            names = relation["larger_of"]
            parts = [p for t, p in zip(relation["parts"], parts) if t not in names]
            choice = [term_value(t, assigned) for t in names if t in variables or t in constants]
            if any(c is UNKNOWN for c in choice):
                return True
            parts.append(max(choice, default=Decimal(0)))
        if not unknown:
            return abs(sum(parts, Decimal(0)) - total) <= tolerance
        name = unknown[0]
        if name == relation["total"]:
            value = sum(parts, Decimal(0))
        else:
            value = total - sum((p for p in parts if p is not UNKNOWN), Decimal(0))
        if value < -tolerance:
            return False
        assigned[name] = Decimal(0) if abs(value) <= tolerance else value  # a leftover that small is cash rounding
        deduced[name] = relation["name"]
        return True

    def walk(index: int, assigned: dict, cost: int, deduced: dict, readings: dict) -> None:
        tried[0] += 1
        if cost > best_cost[0] or tried[0] > budget:
            return
        if index == len(order):
            final, solved = dict(assigned), dict(deduced)
            for _ in relations:  # a value one relation gives may close another
                for relation in relations:
                    if not check(relation, final, solved):
                        return
            if cost < best_cost[0]:
                best_cost[0], best[:] = cost, []
            if cost == best_cost[0]:
                uncounted = {t for relation in relations for t in _uncounted(relation, final, variables)}
                confirmed = _confirmed(relations, final, solved, readings, uncounted, variables)
                best.append((cost, Outcome({k: v for k, v in final.items() if v is not UNKNOWN},
                                           confirmed, solved, uncounted, dict(readings))))
            return
        variable = variables[order[index]]
        options = [(r.cost, r.value, r) for r in variable.readings]
        if variable.printed and not variable.readings:  # a value read is repaired at most, never overruled
            options.append((deduce_cost, UNKNOWN, None))
        elif not variable.readings:
            options = [(0, Decimal(0), None)]
        for option_cost, value, reading in options:
            trial = dict(assigned)
            trial[variable.name] = value
            trial_deduced = dict(deduced)
            ok = all(check(relation, trial, trial_deduced) for relation in relations
                     if closes(relation, trial) and _last_term(relation, order, variables) == variable.name)
            if ok:
                walk(index + 1, trial, cost + option_cost, trial_deduced,
                     {**readings, variable.name: reading} if reading else readings)

    walk(0, {}, 0, {}, {})
    return None if tried[0] > budget else [outcome for _, outcome in best]


def _uncounted(relation: dict, values: dict, variables) -> list[str]:
    """Of 现金 and a payment printed outside the box, the one the sum does not count (the smaller)."""
    larger = [t for t in relation.get("larger_of", []) if t in variables and values.get(t) is not UNKNOWN]
    if len(larger) < 2:
        return []
    counted = max(larger, key=lambda t: values[t])
    return [t for t in larger if t != counted]


def _confirmed(relations: list[dict], values: dict, deduced: dict, readings: dict, uncounted: set,
               variables) -> set[str]:
    """The values the rest of the receipt's readings imply.

    Evidence is what was read as printed (and the 项目 rows). A value read, or read
    with a repair, is confirmed when one sum over evidence gives it; a value only a
    sum gave needs a second sum to agree. A confirmed value is evidence in turn. A
    repaired reading is no evidence for others until confirmed itself: it was chosen
    to fit them.
    """
    evidence = {name for name in variables if name not in deduced and values.get(name) is not UNKNOWN
                and (readings.get(name) is None or readings[name].cost == 0)}
    sure: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in variables:
            if name in sure or values.get(name) is UNKNOWN or name in uncounted:
                continue
            ways = 0
            for relation in relations:
                terms = [t for t in [relation["total"], *relation["parts"]]
                         if t in variables and t not in uncounted]
                if name in terms and all(t == name or t in evidence or t in sure for t in terms):
                    ways += 1
            if ways >= (2 if name in deduced else 1):
                sure.add(name)
                changed = True
    return sure


def _last_term(relation: dict, order: list[str], variables) -> str | None:
    terms = [t for t in [relation["total"], *relation["parts"], *relation.get("larger_of", [])] if t in variables]
    return max(terms, key=order.index) if terms else None


def apply_arithmetic(page: OcrPage, spec: DocSpec, document: Document) -> None:
    """Take the money readings the receipt's sums choose; flag what they cannot decide."""
    rules = spec.raw["arithmetic"]
    self_paying = (document.value("insurance_type") or "").strip("()[]（）") == spec.raw["self_paying_insurance_type"]
    relations = [r for r in rules["relations"]
                 if not (r.get("when") == "paper_cash_split" and ("paper_cash_split" not in document.marks
                                                                 or self_paying))]
    items = [row["amount"] for row in document.items if "amount" in row]
    items_sum = (sum((Decimal(a.value) for a in items), Decimal(0))
                 if items and "items" not in document.unread and "items_not_all_read" not in document.marks else None)
    if items_sum is None:
        relations = [r for r in relations if "items" not in r["parts"]]
    variables = money_variables(page, spec, document)
    if not any(v.readings for v in variables.values()):
        return
    # A sum none of whose parts is printed says nothing (a registration slip prints only 合计(大写)).
    relations = [r for r in relations if any(p == "items" or (p in variables and variables[p].printed)
                                             for p in r["parts"])]
    if not relations:
        return
    outcomes = solve(variables, relations, rules["deduce_cost"], items_sum, rules["search_budget"])
    if outcomes is None:
        return  # too many readings to tell: the values stand as read, the checks judge them
    if not outcomes:
        document.marks.add("sums_do_not_hold")  # the checks send the split to review as read
        return
    notes = []
    sure, deduced_conf, doubtful = rules["confirmed_confidence"], rules["deduced_confidence"], rules["ambiguous_confidence"]
    for name, variable in variables.items():
        if not variable.printed:
            continue  # not on this receipt: counted as 0 in the sums, never a field
        values = {outcome.values.get(name) for outcome in outcomes}
        taken = document.fields.get(name)
        if len(values) > 1:  # two combinations add up equally well: a person chooses
            if taken is not None:
                document.fields[name] = Field(taken.value, min(taken.confidence, doubtful), taken.page, taken.box)
            continue
        value = values.pop()
        if value is None:
            continue
        outcome = outcomes[0]
        reading = outcome.readings.get(name)
        box = reading.box if reading else (taken.box if taken else None)
        if name in outcome.deduced and name in outcome.confirmed:  # given by one sum, checked by another
            confidence = sure
            notes.append(f"{rules['labels'][name]} 未读出, 按收据算式得 {money_text(value)} (两式相符)")
        elif name in outcome.deduced:
            if taken is not None and Decimal(taken.value) == value:
                continue
            confidence = deduced_conf
            notes.append(f"{rules['labels'][name]} 未读出, 按收据算式得 {money_text(value)}")
            box = taken.box if taken else None
        elif name in outcome.confirmed:
            confidence = max(reading.confidence if reading else 0.0, sure)
            if reading and reading.repair:
                notes.append(f"{rules['labels'][name]} {reading.repair}, 按收据算式改为 {money_text(value)}")
        elif reading is not None and reading.cost > 0:
            confidence = min(reading.confidence, rules["repaired_confidence"])
            notes.append(f"{rules['labels'][name]} {reading.repair}, 改为 {money_text(value)} (待核)")
        elif taken is None and reading is not None and name not in outcome.uncounted:
            confidence = reading.confidence  # read only in a form the field's own reading refused (111, 15元)
        elif taken is not None and reading is not None and Decimal(taken.value) != value:
            confidence = min(reading.confidence, taken.confidence)  # another reading near the label fits better
        else:
            continue  # as read, and no sum confirms it: its confidence stands
        document.fields[name] = Field(money_text(value), confidence, page.index, box)
    if "items" in {t for r in relations for t in r["parts"]} and all(
            "items" not in outcome.deduced for outcome in outcomes) and len(outcomes) == 1 and "total" in outcomes[0].confirmed:
        for row in document.items:  # the rows add up to a confirmed total: each is as sure
            if "amount" in row and row["amount"].confidence < sure:
                amount = row["amount"]
                row["amount"] = Field(amount.value, sure, amount.page, amount.box)
    if notes:
        document.checks.append(Check("arithmetic_repairs", True, "; ".join(notes),
                                     tuple(n for n in variables if n in document.fields)))
