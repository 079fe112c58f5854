"""Throughput of the OCR engines, and of the intake, on a batch of about 60 pages as mailroom scanners make them.

    python tests/tools/benchmark_batch.py [--engines NAME ...] [--eval DIR ...] [--claims-runs ENGINE]

The batch: the sample packets' pages as A4 scans at 300 and at 200 dpi, their receipt photos as
12 MP phone photos, and one packet as a 200-dpi multi-page PDF; every file is made unique (bytes
after the JPEG's end marker, a PDF title), so nothing is skipped as already seen or read from the
cache. Prints, for the same pages in the same run, each engine in a process of its own (models
loaded and warmed before the clock starts; pages made upright beforehand, as cleanup does):
- the raw OCR engine as configured before the detector's scale followed the text (PaddleOCR,
  detection on the full page): the baseline;
- every engine of pipeline/data/ocr_engines.yaml (PaddleOCR as configured now, RapidOCR,
  faster-paddle small and tiny), each reading pages in windows of its own batch size:
  seconds, pages per minute, the ratio to the baseline, and the process's peak resident memory;
- field, amount and document-type accuracy of each engine on each labelled folder of `--eval`
  (default tests/eval_set, the tuning set; as `claims eval`, first reading and second look);
- with `--claims-runs ENGINE`: `claims run` in one process and with `--workers 2`, each cold (the
  command starts Prefect's temporary server, as on a mailroom PC) and against a Prefect server
  already running (as under `claims serve` or on several machines): wall time, pages per minute,
  the ratio to the baseline, and the peak resident memory of each process (sampled every 0.2 s).
A figure is printed only for a run that decided every packet.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "sample_scans"
SAMPLE_DPI = 150  # the sample pages are A4 at 150 dpi; their photos are 1600 px on the long side
PHONE_LONG_SIDE = 4000  # a 12 MP phone photo: 4000 × 3000
BASELINE = "paddleocr-full-page"  # PaddleOCR as configured before the detector's scale followed the text
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


def save_page_images(inbox: Path, folder: Path) -> None:
    """The batch's pages made upright and seal ink faded, as OCR sees them, one .npy a page: each engine's
    process loads one window at a time, so its peak memory is the engine's and not the whole batch's."""
    from pipeline.cleanup import seal_ink_suppressed, upright
    from pipeline.pages import split

    scans = sorted(p for p in inbox.rglob("*") if p.is_file())
    number = 0
    for scan in scans:
        for page in split(scan):
            np.save(folder / f"{number:03d}.npy", seal_ink_suppressed(upright(page.image).image))
            number += 1


def _engine(name: str):
    from pipeline.ocr import get_engine

    if name == BASELINE:
        from pipeline.ocr.paddle import PaddleOcrEngine

        return PaddleOcrEngine(scale_detection=False, name=BASELINE)
    return get_engine(name)


def measure_speed(name: str, folder: Path) -> dict:
    """In this process: the engine's seconds on the saved pages, and the process's peak RSS."""
    from pipeline.ocr import batch_pages, read_many

    files = sorted(folder.glob("*.npy"))
    engine = _engine(name)
    engine.read(np.load(files[0]))  # models loaded and warmed before the clock starts
    size = batch_pages(engine)
    started = time.monotonic()
    for at in range(0, len(files), size):
        read_many(engine, [np.load(file) for file in files[at:at + size]])
    seconds = time.monotonic() - started
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_accuracy(name: str, folder: Path) -> dict:
    """In this process: the engine's accuracy on a labelled folder, read as `claims eval` reads it."""
    from pipeline.evaluation import score_folder
    from pipeline.pages import split
    from pipeline.reading import read_page

    engine = _engine(name)
    report = score_folder(folder, name, lambda scan: [read_page(page, engine) for page in split(scan)])
    return {"pages": report.pages, "seconds": report.seconds,
            **{part: [getattr(report, part).right, getattr(report, part).total]
               for part in ("fields", "amounts", "doc_type")}}


def in_own_process(measure: str, name: str, folder: Path) -> dict:
    command = [sys.executable, __file__, f"--{measure}", name, "--folder", str(folder)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{measure} of {name} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _share(pair: list[int]) -> str:
    right, total = pair
    return f"{right / total:7.2%} ({right}/{total})" if total else "      - (0/0)"


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


def main() -> None:
    from pipeline.ocr import engine_names

    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", nargs="+", default=[BASELINE, *engine_names()],
                        help=f"engines to measure, the first one the baseline (default: {BASELINE} and every engine)")
    parser.add_argument("--eval", type=Path, action="append",
                        help="a labelled folder to measure accuracy on (default tests/eval_set; may be repeated)")
    parser.add_argument("--parts", nargs="+", choices=("speed", "accuracy"), default=["speed", "accuracy"],
                        help="what to measure (default both)")
    parser.add_argument("--claims-runs", metavar="ENGINE", help="also time `claims run` with this engine")
    parser.add_argument("--speed", metavar="ENGINE", help=argparse.SUPPRESS)  # one engine's process
    parser.add_argument("--accuracy", metavar="ENGINE", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.speed or arguments.accuracy:
        measured = (measure_speed(arguments.speed, arguments.folder) if arguments.speed
                    else measure_accuracy(arguments.accuracy, arguments.folder))
        print(json.dumps(measured))
        return
    eval_folders = arguments.eval or [ROOT / "tests" / "eval_set"]
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("CLAIMS_OCR_MODEL_DIR", str(Path(folder) / "models"))  # PaddleOCR's, from the wheel
        inbox, saved = Path(folder) / "inbox", Path(folder) / "pages"
        inbox.mkdir()
        saved.mkdir()
        baseline, pages = None, 0
        if "speed" in arguments.parts:
            pages = make_batch(inbox)
            save_page_images(inbox, saved)
            print(f"{pages} pages ({len(BATCH)} packets: A4 at 300 and 200 dpi, 12 MP photos, a PDF); "
                  f"raw OCR, each engine in its own process; baseline {arguments.engines[0]}", flush=True)
        for name in arguments.engines if "speed" in arguments.parts else []:
            speed = in_own_process("speed", name, saved)
            baseline = baseline or speed["seconds"]
            print(f"raw OCR {name:<22} {speed['seconds']:7.1f} s   {60 * pages / speed['seconds']:5.1f} pages/min"
                  f"   ×{baseline / speed['seconds']:.2f} the baseline's speed   peak RSS {speed['peak_rss_mb']:.0f} MB",
                  flush=True)
        for eval_folder in eval_folders if "accuracy" in arguments.parts else []:
            for name in [*arguments.engines[1:], arguments.engines[0]]:  # the baseline last: the longest
                score = in_own_process("accuracy", name, eval_folder)
                print(f"accuracy on {eval_folder.name}, {name:<22} fields {_share(score['fields'])}   "
                      f"amounts {_share(score['amounts'])}   doc_type {_share(score['doc_type'])}   "
                      f"({score['pages']} pages, {score['seconds']:.0f} s)", flush=True)
        if arguments.claims_runs and baseline:
            claims_runs(inbox, arguments.claims_runs, pages, baseline, Path(folder))


def claims_runs(inbox: Path, engine_name: str, pages: int, baseline: float, folder: Path) -> None:
    from flows.serve import _local_prefect_server

    os.environ["PREFECT_HOME"] = str(folder / "prefect")  # the running server's state, thrown away after
    with _local_prefect_server(port=4299) as api_url:
        for server, url in (("cold", None), ("running server", api_url)):
            for workers in (1, 2):
                wall, peaks = timed_run(inbox, engine_name, workers, url)
                print(f"claims run {engine_name}, {workers} worker{'s' if workers > 1 else ' '}, {server:<14} "
                      f"{wall:7.1f} s   {60 * pages / wall:5.1f} pages/min   ×{baseline / wall:.2f} the baseline's speed"
                      f"   peak RSS per process (MB): {', '.join(f'{p:.0f}' for p in peaks[:4])}", flush=True)


if __name__ == "__main__":
    main()
