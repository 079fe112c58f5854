"""Compare the OCR engines on the labelled sample scans (and the real calibration receipts).

    python tests/tools/benchmark_engines.py

For each engine, a fresh process runs `claims eval` (cleanup + OCR + extraction
of every labelled page) and `claims run` on sample_scans/; this prints seconds
per page, peak memory and accuracy, with rapidocr as the baseline of the ratios.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"samples": ROOT / "sample_scans", "real receipts": ROOT.parent / "shared" / "calibration" / "real-receipts"}
ENGINES = ("rapidocr", "paddleocr")  # the first is the baseline


def measured(command: list[str], home: str) -> tuple[str, float]:
    """Output and wall seconds of one child process."""
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={"CLAIMS_HOME": home, "PATH": "/usr/bin:/bin"})
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed: {result.stderr[-500:]}")
    return result.stdout, time.monotonic() - started


def share(report: str, label: str) -> str:
    match = re.search(rf"^{label}\s+([\d.]+%) \((\d+/\d+)\)", report, re.M)
    return f"{match.group(1)} ({match.group(2)})" if match else "-"


def main() -> None:
    rows = []
    for engine in ENGINES:
        with tempfile.TemporaryDirectory() as home:
            cli = [sys.executable, "-m", "flows.cli"]
            figures = {"engine": engine}
            for name, folder in FOLDERS.items():
                if not folder.is_dir():
                    continue
                report, _ = measured([*cli, "eval", str(folder), "--ocr-engine", engine], home)
                pages = int(re.search(r": (\d+) pages in", report).group(1))
                seconds = float(re.search(r"pages in ([\d.]+)s", report).group(1))
                figures[name] = {"s/page": seconds / pages, "fields": share(report, "fields"),
                                 "amounts": share(report, "amounts"),
                                 "peak MB": float(re.search(r"peak memory ([\d.]+) MB", report).group(1))}
            _, wall = measured([*cli, "run", str(FOLDERS["samples"]), "--ocr-engine", engine], home)
            figures["claims run s/page"] = wall / len(list(FOLDERS["samples"].glob("*/*.jpg")))
            rows.append(figures)
    baseline = rows[0]
    for row in rows:
        print(f"== {row['engine']}")
        for name in FOLDERS:
            if name in row:
                f, b = row[name], baseline[name]
                print(f"  {name:<14} {f['s/page']:.2f} s/page (×{f['s/page'] / b['s/page']:.2f}), "
                      f"peak {f['peak MB']:.0f} MB (×{f['peak MB'] / b['peak MB']:.2f}), "
                      f"fields {f['fields']}, amounts {f['amounts']}")
        print(f"  claims run     {row['claims run s/page']:.2f} s/page incl. Prefect and model start "
              f"(×{row['claims run s/page'] / baseline['claims run s/page']:.2f})")


if __name__ == "__main__":
    main()
