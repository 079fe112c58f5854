"""What kind of receipt a page is, and which province or city issued it (extractors/data/receipt.yaml).

The plan pays Shanghai medical receipts. A receipt of another province (广东省医疗收费票据)
is a visit outside Shanghai (M4.2.19); a hospital's 增值税发票 or a pharmacy's 通用机打发票
prints no payment split. Both must be told apart from the Shanghai form, never read as it.
"""

from __future__ import annotations

import re

from extractors.model import Document, Field, OcrPage
from extractors.spec import DocSpec
from pipeline.normalize import clean_text

SHANGHAI = "上海"


def receipt_kind(page: OcrPage, spec: DocSpec) -> dict[str, Field]:
    """`receipt_kind` from the title line, and `issuer_region` where the title or a line of its own prints it.

    Only for receipts that are not the Shanghai medical receipt: that one is every receipt's
    default, and reads as it always did (no kind, no region).
    """
    raw = spec.raw
    region = re.compile("^(" + "|".join(sorted(raw["regions"], key=len, reverse=True)) + ")" + raw["region_suffix"])
    found: dict[str, Field] = {}
    for entry in raw["receipt_kinds"]:
        title = re.compile(entry["title"])
        line = next((line for line in page.lines if title.search(clean_text(line.text))), None)
        if line is not None:
            found["receipt_kind"] = Field(entry["kind"], line.confidence, page.index, line.box)
            break
    issuers = [line for line in page.lines if (match := region.match(clean_text(line.text)))
               and (match.end() == len(clean_text(line.text)) or "receipt_kind" in found
                    and line.box == found["receipt_kind"].box)]
    if issuers:
        line = issuers[0]
        name = region.match(clean_text(line.text))
        found["issuer_region"] = Field(name.group(0), line.confidence, page.index, line.box)
    kind, region = found.get("receipt_kind"), found.get("issuer_region")
    shanghai = (kind is None or kind.value == spec.raw["shanghai_kind"]) and (
        region is None or region.value.startswith(SHANGHAI))
    return {} if shanghai else found


def is_shanghai_receipt(document: Document, spec: DocSpec) -> bool:
    """The Shanghai medical receipt the plan's amounts are worked out from (no kind read: as before, Shanghai)."""
    kind = document.value("receipt_kind")
    region = document.value("issuer_region")
    return kind in (None, spec.raw["shanghai_kind"]) and (region is None or region.startswith(SHANGHAI))
