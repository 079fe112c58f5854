"""Which regions of a receipt the reading stage should read again, and why: the extractor's half of
the second look (pipeline/second_look.py reads them; extractors stay pure and only name them).

A money label whose value came back unread, or that the receipt's sums could not settle,
and an issue-date label with no date, get the region right of the label on the page as
scanned (the first reading sees it with seal ink faded, which fades blue date stamps and
the digits under a seal). Regions and what a reading there must look like are data
(extractors/data/receipt.yaml, second_look).
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.layout import LabelHit
from extractors.model import Document, OcrPage
from extractors.spec import DocSpec


@dataclass(frozen=True)
class RegionRequest:
    """A region of the upright page to read again: the reading stage keeps what matches `expect`."""

    field: str
    box: tuple[int, int, int, int]
    expect: str  # a regular expression over the region's reading, spaces removed; group 1 is kept
    strip: tuple[str, ...] = ()  # label patterns the region may show before its value


def receipt_regions(page: OcrPage, spec: DocSpec, document: Document) -> list[RegionRequest]:
    rules = spec.raw["second_look"]
    review = rules["review_threshold"]
    unsettled = "sums_do_not_hold" in document.marks
    by_name = {f.name: f for f in spec.fields}
    requests = []
    for name, kind in rules["fields"].items():
        found = document.fields.get(name)
        doubtful = found is None or found.confidence < review or (unsettled and kind == "money")
        if not doubtful:
            continue
        hits = spec.find_labels(page, by_name[name].labels)
        if not hits:
            continue  # not printed: nothing to read again
        box = _region_right_of(page, hits[0], rules["region"][kind])
        if box is not None:
            requests.append(RegionRequest(name, box, rules["expect"][kind], tuple(by_name[name].labels)))
    return requests


def _region_right_of(page: OcrPage, hit: LabelHit, region: list[float]) -> tuple[int, int, int, int] | None:
    """[x0, y0, x1, y1] in label heights from the label's end (x) and its line's top and bottom (y)."""
    height = max(1, hit.line.height)
    end_x = hit.x_at(hit.end)
    x0, y0 = end_x + region[0] * height, hit.line.box[1] + region[1] * height
    x1, y1 = end_x + region[2] * height, hit.line.box[3] + region[3] * height
    if page.image is not None:
        x1, y1 = min(x1, page.image.shape[1]), min(y1, page.image.shape[0])
    box = (max(0, int(x0)), max(0, int(y0)), int(x1), int(y1))
    return box if box[2] - box[0] >= height and box[3] - box[1] >= height // 2 else None
