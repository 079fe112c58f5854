#!/usr/bin/env python3
"""Check that the generated sample scans are legible to PP-OCR (rapidocr).

For every page in sample_scans/, turn the stored image upright with the
truth's rotation, OCR it, and count how many truth values appear in the OCR
text. A value counts when it, or the form it is printed in on that kind of
page (2026-10-12 printed as 2026.10.12, total_in_words as 壹仟贰佰伍拾元整,
first_visit as 初诊/复诊, ...), is found in the page text with whitespace and
full-width punctuation folded.

    python3 tests/tools/check_sample_scans_ocr.py [sample_scans] [-v]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_scans import rmb_in_words  # noqa: E402

FOLD = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "；": ";", "。": ".",
                      "、": ",", "℃": "C", "°": "", " ": "", "\u3000": ""})


def fold(text: str) -> str:
    return text.translate(FOLD)


def printed_forms(key: str, value, doc_type: str) -> list[str]:
    """The spellings under which a normalised truth value is printed."""
    if isinstance(value, bool):
        if key == "first_visit":
            return ["初诊" if value else "复诊"]
        if key == "doctor_signature":
            return ["医师签名"] if value else []
        return ["自费"] if value else []
    if value is None or value == "":
        return []
    value = str(value)
    forms = [value]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        y, m, d = value.split("-")
        forms += [f"{y}.{m}.{d}", f"{int(y)}年{int(m)}月{int(d)}日"]
    if key == "visit_kind":
        return {"outpatient": ["门诊"], "emergency": ["急诊"], "inpatient": ["住院"]}[value]
    if key == "total_in_words":
        forms = [rmb_in_words(value)]
    if key == "account_number":
        forms.append(" ".join(value[i:i + 4] for i in range(0, len(value), 4)))
    return forms


def truth_values(truth: dict):
    for k, v in truth["fields"].items():
        yield k, v
    for i, item in enumerate(truth.get("items", [])):
        for k in ("name", "amount", "unit_price", "spec", "days"):
            if k in item:
                yield f"items[{i}].{k}", item[k]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    root = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "sample_scans"
    from rapidocr import RapidOCR
    engine = RapidOCR()
    grand_hit = grand_all = 0
    for truth_path in sorted(root.glob("*/*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        img_path = truth_path.with_name(truth_path.name.replace(".truth.json", ".jpg"))
        img = Image.open(img_path).convert("RGB")
        upright = img.rotate(-truth["rotation"], expand=True)   # PIL rotates counter-clockwise
        result = engine(np.asarray(upright)[:, :, ::-1])
        text = fold("".join(result.txts or []))
        hits, misses = 0, []
        total = 0
        for key, value in truth_values(truth):
            forms = printed_forms(key, value, truth["doc_type"])
            if not forms:
                continue
            total += 1
            if any(fold(f) in text for f in forms):
                hits += 1
            else:
                misses.append(f"{key}={value}")
        grand_hit += hits
        grand_all += total
        rel = truth_path.relative_to(root).as_posix().replace(".truth.json", ".jpg")
        size = img_path.stat().st_size // 1024
        print(f"{rel:58s} rot={truth['rotation']:3d} {size:4d}KB  {hits:2d}/{total:2d} verbatim")
        if misses:
            print("    missed: " + "; ".join(misses))
        if verbose:
            print("    ocr: " + " | ".join(result.txts or []))
    print(f"TOTAL {grand_hit}/{grand_all} truth values found verbatim")


if __name__ == "__main__":
    main()
