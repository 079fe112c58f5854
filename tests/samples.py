"""The sample scans, their truth files and the OCR output stored for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2

from extractors.model import OcrPage
from pipeline.cleanup import upright
from pipeline.ocr import TextLine

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_scans"
STORED_OCR = ROOT / "tests" / "ocr"
CALIBRATION = ROOT.parent / "shared" / "calibration" / "real-receipts"


def sample_pages() -> list[Path]:
    return sorted(SAMPLES.glob("*/*.jpg"))


def truth_of(scan: Path) -> dict:
    return json.loads(scan.with_name(scan.stem + ".truth.json").read_text(encoding="utf-8"))


def stored_ocr(scan: Path) -> dict:
    return json.loads((STORED_OCR / scan.parent.name / f"{scan.stem}.json").read_text(encoding="utf-8"))


def stored_page(scan: Path) -> OcrPage:
    """The page as the pipeline sees it, with the OCR lines stored by tests/tools/store_ocr.py."""
    stored = stored_ocr(scan)
    clean = upright(cv2.imread(str(scan)))
    return OcrPage(scan.name, 1, stored["rotation"], tuple(TextLine.from_json(l) for l in stored["lines"]),
                   image=clean.image, skew=clean.skew)


def page_id(scan: Path) -> str:
    return f"{scan.parent.name}/{scan.stem}"


def run_claims(*args: str, home: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The `claims` command as a user runs it, with CLAIMS_HOME set."""
    env = {**os.environ, "CLAIMS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
