"""Throughput of the intake on a batch of about 60 pages as mailroom scanners make them.

    python tests/tools/benchmark_batch.py [--engine paddleocr] [--heldout DIR]

The batch: the sample packets' pages as A4 scans at 300 and at 200 dpi, their receipt photos as
12 MP phone photos, and one packet as a 200-dpi multi-page PDF; every file is made unique (bytes
after the JPEG's end marker, a PDF title), so nothing is skipped as already seen or read from the
cache. Prints, for the same pages in the same run:
- the raw OCR engine as configured before the detector's scale followed the text (detection on
  the full page): the baseline;
- the raw engine as configured now (the detector at the page's text scale);
- `claims run` in one process and with `--workers 2`, each cold (the command starts Prefect's
  temporary server, as on a mailroom PC) and against a Prefect server already running (as under
  `claims serve` or on several machines): wall time, pages per minute, the ratio to the baseline,
  and the peak resident memory of each process (sampled every 0.2 s);
- with `--heldout DIR` (a labelled folder, as for `claims eval`): field and amount accuracy of
  both raw engine configurations on it.
A figure is printed only for a run that decided every packet.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "sample_scans"
SAMPLE_DPI = 150  # the sample pages are A4 at 150 dpi; their photos are 1600 px on the long side
PHONE_LONG_SIDE = 4000  # a 12 MP phone photo: 4000 × 3000
# (packet, copy, how it is scanned): 19 pages at 300 dpi, 19 at 200 dpi, 19 at 300 dpi, 5 in a PDF.
BATCH = [(name.name, copy, kind) for name in sorted(SAMPLES.iterdir()) if name.is_dir()
         for copy, kind in enumerate(("300dpi", "200dpi", "300dpi"))] + [("01_outpatient_pays", 3, "pdf")]


def _as_scanned(scan: Path, dpi: int) -> "cv2.Mat":
    image = cv2.imread(str(scan))
    if "photo" in scan.name:  # a phone photo of a receipt, not a flatbed scan
        factor = PHONE_LONG_SIDE / max(image.shape[:2])
    else:
        factor = dpi / SAMPLE_DPI
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def make_batch(inbox: Path) -> int:
    pages = 0
    for name, copy, kind in BATCH:
        scans = sorted((SAMPLES / name).glob("*.jpg"))
        dpi = 200 if kind in ("200dpi", "pdf") else 300
        images = [_as_scanned(scan, dpi) for scan in scans]
        pages += len(images)
        if kind == "pdf":
            pdf = [Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in images]
            pdf[0].save(inbox / f"{name}_{copy}.pdf", "PDF", save_all=True, append_images=pdf[1:],
                        resolution=dpi, title=f"copy {copy}")
            continue
        target = inbox / f"{name}_{copy}"
        target.mkdir(parents=True)
        for scan, image in zip(scans, images):
            encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
            (target / scan.name).write_bytes(encoded + f"copy {copy}".encode())
    return pages


def page_images(inbox: Path) -> list:
    from pipeline.cleanup import seal_ink_suppressed, upright
    from pipeline.pages import split

    return [seal_ink_suppressed(upright(page.image).image)
            for scan in sorted(p for p in inbox.rglob("*") if p.is_file()) for page in split(scan)]


def raw_ocr_seconds(images: list, engine) -> float:
    engine.read(images[0])  # models loaded and warmed before the clock starts
    started = time.monotonic()
    for image in images:
        engine.read(image)
    return time.monotonic() - started


def timed_run(inbox: Path, engine_name: str, workers: int, api_url: str | None) -> tuple[float, list[float]]:
    """Wall seconds of `claims run`, and the peak RSS (MB) of every process of its tree."""
    home = Path(tempfile.mkdtemp(prefix="claims-bench-"))
    env = {**os.environ, "CLAIMS_HOME": str(home), **({"PREFECT_API_URL": api_url} if api_url else {})}
    command = [sys.executable, "-m", "flows.cli", "run", str(inbox), "--ocr-engine", engine_name, "--json"]
    if workers > 1:
        command += ["--workers", str(workers)]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peaks: dict[int, float] = {}

    def sample() -> None:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                for member in [root, *root.children(recursive=True)]:
                    peaks[member.pid] = max(peaks.get(member.pid, 0), member.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output = process.communicate()[0]  # one JSON line per packet; the pipe never fills up
    sampler.join()
    wall = time.monotonic() - started
    shutil.rmtree(home, ignore_errors=True)
    decided = [row for row in map(json.loads, output.splitlines()) if row["status"] not in ("error", "quarantined")]
    if process.returncode != 0 or len(decided) != len(BATCH):  # a figure only counts if the work was done
        raise SystemExit(f"claims run with {workers} worker(s) failed: exit {process.returncode}, "
                         f"{len(decided)} of {len(BATCH)} packets decided")
    return wall, sorted((p for p in peaks.values() if p > 200), reverse=True)  # the Python processes


def heldout_accuracy(folder: Path, engine) -> str:
    from pipeline.evaluation import score_folder
    from pipeline.pages import split
    from pipeline.reading import read_page

    report = score_folder(folder, engine.name, lambda scan: [read_page(page, engine) for page in split(scan)])
    return (f"fields {report.fields.share:7.2%} ({report.fields.right}/{report.fields.total})   "
            f"amounts {report.amounts.share:7.2%} ({report.amounts.right}/{report.amounts.total})   "
            f"doc_type {report.doc_type.share:7.2%}")


def main() -> None:
    from flows.serve import _local_prefect_server
    from pipeline.ocr import get_engine

    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="paddleocr")
    parser.add_argument("--heldout", type=Path, help="a labelled folder to measure accuracy on")
    arguments = parser.parse_args()
    engine_name = arguments.engine
    chosen = get_engine(engine_name)
    if engine_name == "paddleocr":
        from pipeline.ocr.paddle import PaddleOcrEngine

        baseline = PaddleOcrEngine(scale_detection=False)
    else:
        baseline = chosen
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        pages = make_batch(inbox)
        images = page_images(inbox)
        raw = raw_ocr_seconds(images, baseline)
        print(f"{pages} pages ({len(BATCH)} packets: A4 at 300 and 200 dpi, 12 MP photos, a PDF), engine {engine_name}")
        print(f"raw OCR, full-page detection (baseline)  {raw:7.1f} s   {60 * pages / raw:5.1f} pages/min")
        if baseline is not chosen:
            scaled = raw_ocr_seconds(images, chosen)
            print(f"raw OCR, detection at the text's scale   {scaled:7.1f} s   {60 * pages / scaled:5.1f} pages/min"
                  f"   ×{raw / scaled:.2f} the baseline's speed")
        del images
        if arguments.heldout:
            print(f"held-out accuracy, baseline:          {heldout_accuracy(arguments.heldout, baseline)}")
            print(f"held-out accuracy, as configured now: {heldout_accuracy(arguments.heldout, chosen)}")
        os.environ["PREFECT_HOME"] = str(Path(folder) / "prefect")  # the running server's state, thrown away after
        with _local_prefect_server(port=4299) as api_url:
            for server, url in (("cold", None), ("running server", api_url)):
                for workers in (1, 2):
                    wall, peaks = timed_run(inbox, engine_name, workers, url)
                    print(f"claims run, {workers} worker{'s' if workers > 1 else ' '}, {server:<14} {wall:7.1f} s"
                          f"   {60 * pages / wall:5.1f} pages/min   ×{raw / wall:.2f} the baseline's speed"
                          f"   peak RSS per process (MB): {', '.join(f'{p:.0f}' for p in peaks[:4])}")


if __name__ == "__main__":
    main()
