#!/usr/bin/env python3
"""Run `claims run` on the held-out claim packets and say how many go through without a clerk.

    python tests/tools/benchmark_heldout_packets.py [--packets tests/heldout_packets] [--home var/heldout_bench]
                                                    [--ocr-engine paddleocr] [--workers 1]

The packets (tests/tools/make_heldout_packets.py) are drawn only by held-out layout
families; `<packet>.expected.json` holds the decision worked out from the policy.
Prints, per packet, what the program decided against what the policy says, then:
decided without a clerk N/M, wrong payouts (a decision that pays another amount than
the policy), wrong statuses, and for each packet held for review what it waits for.
The home folder is emptied first, so every member starts with an empty ledger.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNDECIDED = ("needs_review", "quarantined", "error")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=Path, default=ROOT / "tests" / "heldout_packets")
    ap.add_argument("--home", type=Path, default=ROOT / "var" / "heldout_bench")
    ap.add_argument("--ocr-engine", default="paddleocr")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    expected = {json.loads(p.read_text(encoding="utf-8"))["packet"]: json.loads(p.read_text(encoding="utf-8"))
                for p in sorted(args.packets.glob("*.expected.json"))}
    if not expected:
        print(f"{args.packets}: no <packet>.expected.json", file=sys.stderr)
        return 2
    shutil.rmtree(args.home, ignore_errors=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(args.packets), "--json", "--home", str(args.home),
                          "--ocr-engine", args.ocr_engine, "--workers", str(args.workers)],
                         cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        print(f"claims run failed ({run.returncode}): {run.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    results = {r["packet"]: r for r in (json.loads(line) for line in run.stdout.splitlines() if line.startswith("{"))}
    decided = wrong_pay = wrong_status = 0
    held = []
    for name, want in expected.items():
        got = results.get(name, {"status": "missing", "payable": "0.00", "needs_review": []})
        ok_pay, ok_status = got["payable"] == want["payable"], got["status"] == want["status"]
        if got["status"] not in UNDECIDED and got["status"] != "missing":
            decided += 1
            wrong_pay += int(not ok_pay)
            wrong_status += int(not ok_status)
        else:
            held.append((name, got.get("reason") or "", got.get("needs_review", [])))
        print(f"{name:<30} program {got['status']:<18} {got['payable']:>8}   policy {want['status']:<18} "
              f"{want['payable']:>8}   {'ok' if ok_pay and ok_status else 'DIFFERENT'}")
    total = len(expected)
    print(f"decided without a clerk: {decided}/{total}")
    print(f"wrong payouts: {wrong_pay}/{decided}; wrong statuses: {wrong_status}/{decided}")
    for name, reason, review in held:
        print(f"held {name}: {reason or 'no reason given'}")
        if review:
            print(f"     under review: {', '.join(review)}")
    print(f"{total} packets in {seconds:.0f}s ({seconds / total:.0f}s a packet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
