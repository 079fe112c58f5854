"""A page of the tuning layout families as stored: its scan, its truth, and the page read from its stored OCR."""

from pathlib import Path

from extractors.model import OcrPage
from pipeline.evaluation import load_truth, stored_pages

TESTS = Path(__file__).resolve().parents[1]


def tuned_page(family: str, name: str) -> tuple[Path, dict, OcrPage]:
    scan = next(path for path in (TESTS / "eval_set" / "tuned" / family).glob(f"{name}.*") if path.suffix != ".json")
    [page] = stored_pages(scan, TESTS / "ocr_eval" / family / f"{name}.json")
    return scan, load_truth(scan), page
