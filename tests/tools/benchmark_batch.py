"""Throughput of the intake on a batch of about 50 mixed pages, with 1 and with 2 workers.

    python tests/tools/benchmark_batch.py [--engine paddleocr]

Prints, for the same pages in the same run:
- the raw OCR engine time (engine.read on every upright page, one process): the baseline;
- `claims run` in one process, and with `--workers 2` on a local Dask cluster:
  wall time, pages per minute, the time around OCR as a share of the raw OCR time,
  and the peak resident memory of each process (sampled every 0.2 s);
  each cold (the command starts Prefect's temporary server, as on a mailroom PC) and
  against a Prefect server already running (as under `claims serve` or on several machines).
Each packet is a copy of a sample packet with its files made unique (a trailing JPEG
comment), so nothing is skipped as already seen and no page comes from the cache.
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

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "sample_scans"
COPIES = {"01_outpatient_pays": 3, "02_under_deductible": 3, "03_missing_detail_list": 2,
          "04_second_claim_same_member": 2}  # 5×3 + 5×3 + 4×2 + 5×2 = 48 pages


def make_batch(inbox: Path) -> int:
    pages = 0
    for name, copies in COPIES.items():
        for copy in range(copies):
            target = inbox / f"{name}_{copy}"
            target.mkdir(parents=True)
            for scan in sorted((SAMPLES / name).glob("*.jpg")):
                # Bytes after the JPEG's end marker: a different file, the same picture.
                (target / scan.name).write_bytes(scan.read_bytes() + f"copy {copy}".encode())
                pages += 1
    return pages


def raw_ocr_seconds(inbox: Path, engine_name: str) -> float:
    from pipeline.cleanup import seal_ink_suppressed, upright
    from pipeline.ocr import get_engine
    from pipeline.pages import split

    engine = get_engine(engine_name)
    images = [seal_ink_suppressed(upright(split(scan)[0].image).image) for scan in sorted(inbox.rglob("*.jpg"))]
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
    packets = sum(COPIES.values())
    if process.returncode != 0 or len(decided) != packets:  # a figure only counts if the work was done
        raise SystemExit(f"claims run with {workers} worker(s) failed: exit {process.returncode}, "
                         f"{len(decided)} of {packets} packets decided")
    return wall, sorted((p for p in peaks.values() if p > 200), reverse=True)  # the Python processes


def main() -> None:
    from flows.serve import _local_prefect_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="paddleocr")
    engine = parser.parse_args().engine
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder) / "inbox"
        pages = make_batch(inbox)
        raw = raw_ocr_seconds(inbox, engine)
        print(f"{pages} pages, engine {engine}")
        print(f"raw OCR (baseline)   {raw:7.1f} s   {60 * pages / raw:5.1f} pages/min")
        os.environ["PREFECT_HOME"] = str(Path(folder) / "prefect")  # the running server's state, thrown away after
        with _local_prefect_server(port=4299) as api_url:
            for server, url in (("cold", None), ("running server", api_url)):
                for workers in (1, 2):
                    wall, peaks = timed_run(inbox, engine, workers, url)
                    print(f"claims run, {workers} worker{'s' if workers > 1 else ' '}, {server:<14} {wall:7.1f} s"
                          f"   {60 * pages / wall:5.1f} pages/min   ×{wall / raw:.2f} of raw OCR"
                          f"   around OCR {100 * (wall - raw) / raw:5.1f} %"
                          f"   peak RSS per process (MB): {', '.join(f'{p:.0f}' for p in peaks[:4])}")


if __name__ == "__main__":
    main()
