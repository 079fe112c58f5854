"""Store the OCR output of the sample scans (or of the eval set) as JSON, for fast extractor tests.

    python tests/tools/store_ocr.py [--engine paddleocr] [SCAN ...]
    python tests/tools/store_ocr.py --eval-set [--engine paddleocr] [SCAN ...]
    python tests/tools/store_ocr.py --heldout [--engine paddleocr] [SCAN ...]

Sample scans: writes tests/ocr/<packet>/<scan>.json: the rotation and skew the
cleanup found and the engine's text lines. The end-to-end tests run the real
engine on the images and check that this stored output is still what the
engine gives.

Eval set (--eval-set): writes tests/ocr_eval/<doc folder>/<scan>.json with one
entry per page of the file (multi-page TIFFs, PDFs), so that extraction can be
scored on the labelled set in seconds instead of minutes. A PDF page with a
text layer stores the words the pipeline takes from it, as the pipeline reads
them (no OCR).

Held-out families (--heldout): the same for tests/heldout/<family>/ into
tests/ocr_heldout/<family>/ (tests/tools/make_heldout_families.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.evaluation import truth_path  # noqa: E402
from pipeline.ocr import DEFAULT_ENGINE, get_engine  # noqa: E402
from pipeline.pages import is_page_file, split  # noqa: E402
from pipeline.reading import read_page  # noqa: E402

SAMPLES = ROOT / "sample_scans"
STORE = ROOT / "tests" / "ocr"
EVAL_SET = ROOT / "tests" / "eval_set"
EVAL_STORE = ROOT / "tests" / "ocr_eval"
HELDOUT_SET = ROOT / "tests" / "heldout"
HELDOUT_STORE = ROOT / "tests" / "ocr_heldout"


def stored_ocr_path(scan: Path) -> Path:
    return STORE / scan.parent.name / f"{scan.stem}.json"


def stored_eval_ocr_path(scan: Path, store: Path = EVAL_STORE) -> Path:
    return store / scan.parent.name / f"{scan.stem}.json"


def eval_scans(folder: Path = EVAL_SET) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_page_file(p) and truth_path(p).is_file())


def _store_sample(scan: Path, engine) -> None:
    page = read_page(split(scan)[0], engine)
    out = stored_ocr_path(scan.resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"engine": engine.name, "rotation": page.rotation, "skew": page.skew,
              "lines": [line.to_json() for line in page.lines]}
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{scan.parent.name}/{scan.name}: rotation {page.rotation}, {len(page.lines)} lines")


def _store_eval_scan(scan: Path, engine, store: Path = EVAL_STORE) -> None:
    pages = []
    for image_page in split(scan):
        page = read_page(image_page, engine)
        pages.append({"page": page.index, "text_layer": image_page.text_lines is not None,
                      "rotation": page.rotation, "skew": page.skew,
                      "lines": [line.to_json() for line in page.lines]})
    out = stored_eval_ocr_path(scan.resolve(), store)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"engine": engine.name, "pages": pages}
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{scan.parent.name}/{scan.name}: {len(pages)} page(s), "
          f"rotations {[p['rotation'] for p in pages]}, {sum(len(p['lines']) for p in pages)} lines")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--eval-set", action="store_true", help="store tests/eval_set/ into tests/ocr_eval/")
    parser.add_argument("--heldout", action="store_true", help="store tests/heldout/ into tests/ocr_heldout/")
    parser.add_argument("scans", nargs="*", type=Path)
    args = parser.parse_args()
    engine = get_engine(args.engine)
    if args.heldout:
        for scan in args.scans or eval_scans(HELDOUT_SET):
            _store_eval_scan(scan, engine, HELDOUT_STORE)
    elif args.eval_set:
        for scan in args.scans or eval_scans():
            _store_eval_scan(scan, engine)
    else:
        for scan in args.scans or sorted(SAMPLES.glob("*/*.jpg")):
            _store_sample(scan, engine)


if __name__ == "__main__":
    main()
