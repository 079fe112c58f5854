"""Store the OCR output of every sample scan as JSON, for fast extractor tests.

    python tests/tools/store_ocr.py [--engine paddleocr] [SCAN ...]

Writes tests/ocr/<packet>/<scan>.json: the rotation and skew the cleanup found
and the engine's text lines. The end-to-end tests run the real engine on the
images and check that this stored output is still what the engine gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.ocr import DEFAULT_ENGINE, get_engine  # noqa: E402
from pipeline.pages import split  # noqa: E402
from pipeline.reading import read_page  # noqa: E402

SAMPLES = ROOT / "sample_scans"
STORE = ROOT / "tests" / "ocr"


def stored_ocr_path(scan: Path) -> Path:
    return STORE / scan.parent.name / f"{scan.stem}.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("scans", nargs="*", type=Path)
    args = parser.parse_args()
    engine = get_engine(args.engine)
    scans = args.scans or sorted(SAMPLES.glob("*/*.jpg"))
    for scan in scans:
        page = read_page(split(scan)[0], engine)
        out = stored_ocr_path(scan.resolve())
        out.parent.mkdir(parents=True, exist_ok=True)
        record = {"engine": engine.name, "rotation": page.rotation, "skew": page.skew,
                  "lines": [line.to_json() for line in page.lines]}
        out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{scan.parent.name}/{scan.name}: rotation {page.rotation}, {len(page.lines)} lines")


if __name__ == "__main__":
    main()
