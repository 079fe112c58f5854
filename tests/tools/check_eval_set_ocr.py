#!/usr/bin/env python3
"""Check that every truth value of the evaluation set is really on its page.

For every ``NAME.truth.json`` under the folder (default ``tests/eval_set``):
images (JPEG/PNG/TIFF, every page of a multi-page TIFF) are turned upright
with the truth's rotation and read with rapidocr; PDFs are read from their
text layer with pdfplumber (as the product does). A value counts as found
when it, or one of the forms it is printed in (a date as 2020.05.15,
2020年5月15日, 20200515 ...; an amount in capital numerals for
total_in_words; first_visit as 初诊/复诊 ...), occurs in the page text with
whitespace and full-width punctuation folded.

    python3 tests/tools/check_eval_set_ocr.py [tests/eval_set] [-v] [--only NAME]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_scans import rmb_in_words  # noqa: E402

FOLD = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "；": ";", "。": ".",
                      "、": ",", "℃": "C", "°": "", " ": "", "\u3000": "", "¥": "", "￥": ""})
SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf")


def fold(text: str) -> str:
    return text.translate(FOLD)


def date_forms(value: str) -> list[str]:
    y, m, d = value.split("-")
    return [value, f"{y}.{m}.{d}", f"{y}年{int(m)}月{int(d)}日", f"{y}年{m}月{d}日", f"{y}{m}{d}",
            f"{y}/{m}/{d}"]


def printed_forms(key: str, value, doc_type: str) -> list[str]:
    if isinstance(value, bool):
        if key == "first_visit":
            return ["初诊" if value else "复诊"]
        if key == "doctor_signature":
            return ["签名"] if value else []      # absence of a signature is not text
        return []                                 # seal / self_pay marks: not text
    if value is None or value == "":
        return []
    value = str(value)
    if key == "visit_kind":
        return {"outpatient": ["门(急)诊", "门诊"], "emergency": ["门(急)诊", "急诊"],
                "inpatient": ["住院"]}[value]
    forms = [value]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        forms = date_forms(value)
    if key == "total_in_words":
        forms = [rmb_in_words(value)]
    if key == "total":
        forms.append(rmb_in_words(value))         # registration slips: words only
    if key == "account_number":
        forms.append(" ".join(value[i:i + 4] for i in range(0, len(value), 4)))
    return forms


def truth_values(truth: dict):
    for k, v in truth.get("fields", {}).items():
        yield k, v
    for i, item in enumerate(truth.get("items", [])):
        for k in ("name", "amount", "unit_price", "spec", "days"):
            if k in item:
                yield f"items[{i}].{k}", item[k]
    for i, item in enumerate(truth.get("detail_items", [])):
        for k in ("name", "amount"):
            if k in item:
                yield f"detail_items[{i}].{k}", item[k]


def page_texts(path: Path, engine, truths: list[dict], verbose: bool) -> list[str]:
    if path.suffix.lower() == ".pdf":
        import pdfplumber
        with pdfplumber.open(path) as pdf:
            return [p.extract_text() or "" for p in pdf.pages]
    out = []
    with Image.open(path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            rot = truths[min(i, len(truths) - 1)].get("rotation", 0)
            upright = frame.convert("RGB").rotate(-rot, expand=True)
            result = engine(np.asarray(upright)[:, :, ::-1])
            txts = list(result.txts or [])
            if verbose:
                print("    ocr: " + " | ".join(txts))
            out.append("".join(txts))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
        args.remove(only)
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "eval_set"
    from rapidocr import RapidOCR
    engine = RapidOCR()
    grand_hit = grand_all = docs = full = 0
    per_type: dict[str, list[int]] = {}
    for truth_path in sorted(root.rglob("*.truth.json")):
        stem = truth_path.name[: -len(".truth.json")]
        if only and only not in stem:
            continue
        scans = [truth_path.with_name(stem + s) for s in SUFFIXES if truth_path.with_name(stem + s).exists()]
        if not scans:
            print(f"{truth_path}: no scan beside it")
            continue
        scan = scans[0]
        data = json.loads(truth_path.read_text(encoding="utf-8"))
        truths = data if isinstance(data, list) else [data]
        texts = page_texts(scan, engine, truths, verbose)
        for i, truth in enumerate(truths):
            text = fold(texts[i] if i < len(texts) else "")
            hits, total, misses = 0, 0, []
            for key, value in truth_values(truth):
                forms = printed_forms(key.split(".")[-1] if key.startswith("items") else key, value, truth["doc_type"])
                if not forms:
                    continue
                total += 1
                if any(fold(f) in text for f in forms):
                    hits += 1
                else:
                    misses.append(f"{key}={value}")
            docs += 1
            full += int(hits == total)
            grand_hit += hits
            grand_all += total
            t = per_type.setdefault(truth["doc_type"], [0, 0, 0, 0])
            t[0] += hits
            t[1] += total
            t[2] += int(hits == total)
            t[3] += 1
            rel = scan.relative_to(root).as_posix() + (f"#p{i + 1}" if len(truths) > 1 else "")
            print(f"{rel:60s} rot={truth.get('rotation', 0):3d} {scan.stat().st_size // 1024:5d}KB  {hits:2d}/{total:2d}")
            if misses:
                print("    missed: " + "; ".join(misses))
    print("per doc_type (values found / values, documents with every value found):")
    for k, (h, a, f, n) in sorted(per_type.items()):
        print(f"  {k:30s} {h:4d}/{a:4d}  docs {f}/{n}")
    print(f"TOTAL {grand_hit}/{grand_all} truth values found; {full}/{docs} documents complete")


if __name__ == "__main__":
    main()
