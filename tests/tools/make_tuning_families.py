#!/usr/bin/env python3
"""Generate the TUNING layout families in ``tests/eval_set/tuned/<family>/``.

Layouts the extractors are tuned on, drawn unlike the generator of
``make_eval_set.py`` (whose content pools and degradations this imports, without
changing its output): records with label and text on one line, label above its
text, a boxed table form and a handwritten-looking 就医记录册 page; detail lists
with a grid, without one (dot-matrix), grouped by category with 小计, and as a
prescription with 用法 and 天数; ID copies side by side, stacked (back first) and
one side only; bank books of other banks, account page and cover; Shanghai 门(急)诊
receipts as a narrow slip alone on the scanner bed, as the pre-printed form photographed
by phone, and laser-printed whole on A5 (every issue-date form on some page).

Held-out families are built elsewhere and never by this file: only these are tuned on.

Each document is ``<family>/<name>.<ext>`` with ``<name>.truth.json`` in the
eval-set truth format plus ``"family"``. Pages are drawn at 200 or 300 dpi (design
units are 150 dpi, scaled), then skewed, greyed, blurred, saved as JPEG or bilevel
PNG. Deterministic: every choice comes from generators seeded by the name.

    python3 tests/tools/make_tuning_families.py [--out tests/eval_set/tuned] [--only NAME]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_eval_set import (  # noqa: E402
    CASES, DEGR, HOSPITALS, ROW_POOL, R, ScanContext, fmt_date, make_member, rand_date, receipt_content,
    receipt_truth_fields, receipt_truth_items, render_paper_receipt,
)
from make_sample_scans import (  # noqa: E402
    FONT_FILES, blend_ink, dot_matrix_text, rmb_in_words, seeded, signature_scribble, star, wrap_text,
)

ROOT = Path(__file__).resolve().parents[2]
BLACK = (22, 22, 22)
WHITE = (250, 250, 247)
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"  # handwriting-like (楷书) face for the booklet
_fonts: dict = {}


def fnt(kind: str, size: float) -> ImageFont.FreeTypeFont:
    key = (kind, int(size))
    if key not in _fonts:
        path, index = (KAI, 0) if kind == "kai" else FONT_FILES[kind]
        _fonts[key] = ImageFont.truetype(path, int(size), index=index)
    return _fonts[key]


class Sheet:
    """A page drawn in 150-dpi design units and rendered at `dpi`."""

    def __init__(self, dpi: int, size=(1240, 1754), paper=WHITE):
        self.s = dpi / 150
        self.img = Image.new("RGB", (int(size[0] * self.s), int(size[1] * self.s)), paper)
        self.d = ImageDraw.Draw(self.img)
        self.W, self.H = size

    def text(self, x, y, text, kind="sans", size=28, fill=BLACK, anchor="la"):
        self.d.text((x * self.s, y * self.s), text, font=fnt(kind, size * self.s), fill=fill, anchor=anchor)

    def width(self, text, kind="sans", size=28) -> float:
        return fnt(kind, size * self.s).getlength(text) / self.s

    def wrap(self, text, kind, size, width) -> list[str]:
        return wrap_text(text, fnt(kind, size * self.s), int(width * self.s))

    def line(self, x0, y0, x1, y1, width=2, fill=BLACK):
        self.d.line([x0 * self.s, y0 * self.s, x1 * self.s, y1 * self.s], fill=fill, width=max(1, int(width * self.s)))

    def rect(self, x0, y0, x1, y1, width=2, outline=BLACK, fill=None, radius=0):
        box = [x0 * self.s, y0 * self.s, x1 * self.s, y1 * self.s]
        if radius:
            self.d.rounded_rectangle(box, radius=int(radius * self.s), outline=outline, fill=fill,
                                     width=max(1, int(width * self.s)))
        else:
            self.d.rectangle(box, outline=outline, fill=fill, width=max(1, int(width * self.s)))

    def scribble(self, x, y, rng, w=260, h=100):
        ink = signature_scribble(int(w * self.s), int(h * self.s), rng)
        blend_ink(self.img, ink * 0.92, (int(x * self.s), int(y * self.s)), (25, 35, 95))

    def dots(self, x, y, text, rng, size=24, right=False):
        dot_matrix_text(self.img, (x * self.s, y * self.s), text, int(size * self.s), rng, anchor_right=right)


# =============================================================================
# Medical records
# =============================================================================

SECTION_KEYS = ["chief_complaint", "present_illness", "past_history", "positive_signs",
                "auxiliary_exam", "diagnosis", "treatment"]
# Label synonyms per family (what other hospitals print for the same section).
RECORD_LABELS = {
    "chief_complaint": ["主诉"],
    "present_illness": ["现病史", "现病史"],
    "past_history": ["既往史", "既往史"],
    "positive_signs": ["体格检查", "查体", "体检"],
    "auxiliary_exam": ["辅助检查"],
    "diagnosis": ["初步诊断", "诊断", "临床诊断"],
    "treatment": ["处理意见", "医嘱", "处理", "治疗意见"],
}
DOCTORS = ["王建华", "李敏", "陈志刚", "周丽娟", "赵文斌", "孙红梅"]
# Printed between sections on some hospitals' templates; no field, but never part of the section before.
EXTRA_LABELS = [("过敏史", "否认药物及食物过敏史。"), ("个人史", "无烟酒嗜好。")]


def _labels(rng) -> dict:
    return {key: rng.choice(options) for key, options in RECORD_LABELS.items()}


def _record_header(sh: Sheet, rng, member, hospital, visit, title="门诊病历", date_label="就诊日期",
                   dept_label="科别", style="dash"):
    sh.text(sh.W / 2, 110, hospital, "sans_bold", 42 if len(hospital) < 14 else 36, anchor="mm")
    sh.text(sh.W / 2, 176, title, "sans_bold", 38, anchor="mm")
    sh.line(80, 222, sh.W - 80, 222, 3)
    case = rng.randrange(len(CASES))
    y = 244
    name_label = rng.choice(["姓名", "患者姓名"])
    sh.text(90, y, f"{name_label}：{member['name']}", size=26)
    sh.text(420, y, f"性别：{member['sex']}", size=26)
    sh.text(640, y, f"年龄：{2026 - int(member['birth_date'][:4])}岁", size=26)
    sh.text(880, y, f"病历号：{rng.randint(100000, 999999)}", size=26)
    y += 46
    sh.text(90, y, f"{date_label}：{fmt_date(visit, style)}", size=26)
    sh.text(560, y, f"{dept_label}：{CASES[case]['department']}", size=26)
    sh.line(80, y + 50, sh.W - 80, y + 50, 2)
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit,
              "department": CASES[case]["department"]}
    return CASES[case], fields, y + 74


def render_record_inline(name, rng, dpi):
    """Label and text on one line; long sections wrap under their own text; an unlisted 过敏史 between."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    case, fields, y = _record_header(sh, rng, member, hospital, visit, date_label=rng.choice(["就诊日期", "就诊时间"]),
                                     dept_label=rng.choice(["科别", "科室"]), style=rng.choice(["dash", "cn"]))
    labels = _labels(rng)
    extra_after = rng.choice(["past_history", "positive_signs"])
    for key in SECTION_KEYS:
        head = f"{labels[key]}："
        sh.text(90, y, head, "sans_bold", 26)
        indent = 90 + sh.width(head, "sans_bold", 26) + 6
        # Wrapped lines go back to the margin on half the pages, under the text on the others.
        back_to_margin = rng.random() < 0.5
        lines = sh.wrap(case[key], "sans", 26, sh.W - 100 - indent)
        for i, line in enumerate(lines):
            sh.text(indent if i == 0 or not back_to_margin else 90, y, line, size=26)
            y += 40
        fields[key] = case[key]
        if key == extra_after:
            label, text = rng.choice(EXTRA_LABELS)
            sh.text(90, y, f"{label}：{text}", size=26)
            y += 40
        y += 14
    y = max(y + 40, 1400)
    doctor = rng.choice(DOCTORS)
    if rng.random() < 0.5:
        sh.text(700, y, f"医师签名：{doctor}", "sans", 26)
    else:
        sh.text(700, y, "医师签名：", "sans_bold", 26)
        sh.scribble(700 + sh.width("医师签名：", "sans_bold", 26) + 8, y - 40, rng)
    fields["doctor_signature"] = True
    sh.text(sh.W - 90, 1660, "第1页", size=20, anchor="ra")
    return sh.img, fields


def render_record_label_above(name, rng, dpi):
    """Each label alone on its line (【主诉】 or 主诉：), its text on the lines below, indented."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    case, fields, y = _record_header(sh, rng, member, hospital, visit, dept_label="就诊科室",
                                     style=rng.choice(["dash", "slash"]))
    labels = _labels(rng)
    bracket = rng.random() < 0.5
    for key in SECTION_KEYS:
        if key == "auxiliary_exam" and rng.random() < 0.3:
            continue  # not every visit has one
        sh.text(90, y, f"【{labels[key]}】" if bracket else f"{labels[key]}：", "sans_bold", 26)
        y += 40
        for line in sh.wrap(case[key], "sans", 26, sh.W - 240):
            sh.text(140, y, line, size=26)
            y += 38
        fields[key] = case[key]
        y += 16
    y = max(y + 30, 1420)
    sh.text(640, y, "医生签名：", "sans_bold", 26)
    signed = rng.random() < 0.75
    if signed:
        sh.scribble(640 + sh.width("医生签名：", "sans_bold", 26) + 8, y - 40, rng)
    fields["doctor_signature"] = signed
    return sh.img, fields


def render_record_boxed(name, rng, dpi):
    """A table form: label cells on the left, the text in the wide cell beside, wrapping inside it."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    case = CASES[rng.randrange(len(CASES))]
    sh.text(sh.W / 2, 110, hospital, "sans_bold", 40 if len(hospital) < 14 else 34, anchor="mm")
    sh.text(sh.W / 2, 172, "门诊病历记录", "sans_bold", 36, anchor="mm")
    x0, x1, xl = 80, sh.W - 80, 250
    y = 220
    cells = [[("姓名", member["name"]), ("性别", member["sex"]), ("科别", case["department"])],
             [("就诊日期", fmt_date(visit, "dash")), ("门诊号", str(rng.randint(1000000, 9999999)))]]
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit,
              "department": case["department"]}
    for row in cells:
        sh.line(x0, y, x1, y, 2)
        step = (x1 - x0) / len(row)
        for i, (label, value) in enumerate(row):
            cx = x0 + i * step
            sh.text(cx + 10, y + 12, label, "sans_bold", 24)
            sh.text(cx + 20 + sh.width(label, "sans_bold", 24), y + 12, value, size=24)
            if i:
                sh.line(cx, y, cx, y + 52, 1)
        y += 52
    labels = _labels(rng)
    for key in SECTION_KEYS:
        lines = sh.wrap(case[key], "sans", 24, x1 - xl - 30)
        h = max(56, 22 + 36 * len(lines))
        sh.line(x0, y, x1, y, 2)
        sh.text(x0 + 12, y + 14, labels[key], "sans_bold", 24)
        for i, line in enumerate(lines):
            sh.text(xl + 14, y + 14 + 36 * i, line, size=24)
        sh.line(xl, y, xl, y + h, 1)
        fields[key] = case[key]
        y += h
    sh.line(x0, y, x1, y, 2)
    sh.text(x0 + 12, y + 20, "医师签名", "sans_bold", 24)
    sh.line(xl, y, xl, y + 80, 1)
    sh.scribble(xl + 30, y + 4, rng, 240, 80)
    fields["doctor_signature"] = True
    y += 80
    sh.line(x0, y, x1, y, 2)
    sh.rect(x0, 220, x1, y, 3)
    return sh.img, fields


SPACED = "\u3000"  # forms space a short label's characters out to the width of a long one


def _spaced(label: str) -> str:
    return SPACED.join(label) if len(label) == 2 else label


def render_record_boxed_spaced(name, rng, dpi):
    """A table form of another hospital: spaced-out labels (主　诉) centred in tall cells, a long label
    broken over two lines in a narrow cell, 诊断 and 处理 side by side in one row on some pages."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    case = CASES[rng.randrange(len(CASES))]
    sh.text(sh.W / 2, 100, hospital, "sans_bold", 40 if len(hospital) < 14 else 34, anchor="mm")
    sh.text(sh.W / 2, 160, SPACED.join("门诊病历"), "song", 34, anchor="mm")
    x0, x1, xl = 80, sh.W - 80, rng.choice([190, 210])
    y = 206
    sh.text(x0, y, f"{_spaced('姓名')}：{member['name']}", size=24)
    sh.text(420, y, f"{_spaced('性别')}：{member['sex']}", size=24)
    sh.text(640, y, f"{_spaced('科别')}：{case['department']}", size=24)
    y += 40
    sh.text(x0, y, f"就诊日期：{fmt_date(visit, rng.choice(['dash', 'cn0']))}", size=24)
    sh.text(640, y, f"门诊号：{rng.randint(1000000, 9999999)}", size=24)
    y += 48
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit,
              "department": case["department"]}
    labels = _labels(rng)
    side_by_side = rng.random() < 0.6
    top = y
    keys = [k for k in SECTION_KEYS if not (k == "past_history" and rng.random() < 0.3)]

    def label_cell(cx0, cx1, cy, h, label):
        # A long label is broken over two lines in the narrow cell; both are centred in it.
        parts = [_spaced(label)] if len(label) <= 3 else [label[: len(label) // 2], label[len(label) // 2:]]
        mid = cy + h / 2
        for i, part in enumerate(parts):
            sh.text((cx0 + cx1) / 2, mid + (i - (len(parts) - 1) / 2) * 32, part, "sans_bold", 24, anchor="mm")

    for key in keys:
        if side_by_side and key == "treatment":
            continue
        if side_by_side and key == "diagnosis":
            half = (x0 + x1) // 2
            left = sh.wrap(case["diagnosis"], "sans", 24, half - xl - 24)
            right = sh.wrap(case["treatment"], "sans", 24, x1 - half - (xl - x0) - 24)
            h = max(60, 24 + 36 * max(len(left), len(right)))
            sh.line(x0, y, x1, y, 2)
            label_cell(x0, xl, y, h, labels["diagnosis"])
            label_cell(half, half + xl - x0, y, h, labels["treatment"])
            for i, line in enumerate(left):
                sh.text(xl + 12, y + 14 + 36 * i, line, size=24)
            for i, line in enumerate(right):
                sh.text(half + xl - x0 + 12, y + 14 + 36 * i, line, size=24)
            for x in (xl, half, half + xl - x0):
                sh.line(x, y, x, y + h, 1)
            fields["diagnosis"], fields["treatment"] = case["diagnosis"], case["treatment"]
            y += h
            continue
        lines = sh.wrap(case[key], "sans", 24, x1 - xl - 30)
        h = max(64, 26 + 36 * len(lines))
        sh.line(x0, y, x1, y, 2)
        label_cell(x0, xl, y, h, labels[key])
        for i, line in enumerate(lines):
            sh.text(xl + 12, y + 14 + 36 * i, line, size=24)
        sh.line(xl, y, xl, y + h, 1)
        fields[key] = case[key]
        y += h
    sh.line(x0, y, x1, y, 2)
    sh.rect(x0, top, x1, y, 3)
    y += 40
    signature = rng.choice(["医师签名：", "医生签字：", "医师（签名）："])
    sh.text(700, y, signature, "sans_bold", 24)
    sh.scribble(700 + sh.width(signature, "sans_bold", 24) + 6, y - 36, rng, 220, 80)
    fields["doctor_signature"] = True
    return sh.img, fields


def render_record_booklet(name, rng, dpi):
    """A 就医记录册 page written by hand (楷书 face): date and department on top, labels inline."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi, size=(1240, 1754), paper=(246, 243, 232))
    case = CASES[rng.randrange(len(CASES))]
    sh.text(sh.W / 2, 90, "上海市医疗机构就医记录册", "song", 38, fill=(60, 60, 90), anchor="mm")
    sh.text(90, 150, f"姓名：{member['name']}", "song", 26, fill=(60, 60, 90))
    sh.text(500, 150, f"性别：{member['sex']}", "song", 26, fill=(60, 60, 90))
    for yy in range(250, 1650, 52):  # ruled lines of the booklet
        sh.line(80, yy + 44, sh.W - 80, yy + 44, 1, fill=(170, 170, 200))
    ink = (30, 40, 110)
    y = 250
    sh.text(90, y, f"{fmt_date(visit, 'cn')}  {case['department']}  {hospital}", "kai", 30, fill=ink)
    y += 52
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit}
    labels = _labels(rng)
    for key in SECTION_KEYS:
        if key in ("auxiliary_exam", "past_history") and rng.random() < 0.4:
            continue  # a handwritten note leaves them out
        head = f"{labels[key]}："
        text = head + case[key]
        for line in sh.wrap(text, "kai", 30, sh.W - 200):
            sh.text(90 + rng.uniform(-4, 4), y + rng.uniform(-3, 3), line, "kai", 30, fill=ink)
            y += 52
        fields[key] = case[key]
    y += 52
    doctor = rng.choice(DOCTORS)
    sh.text(760, y, f"医师签名：{doctor}", "kai", 30, fill=ink)
    fields["doctor_signature"] = True
    return sh.img, fields


# =============================================================================
# Detail lists
# =============================================================================

def _rows(rng, categories):
    rows = []
    for cat in categories:
        for c in rng.sample(ROW_POOL[cat], k=min(len(ROW_POOL[cat]), rng.randint(1, 3))):
            code, nm, spec, unit, price, cls, sp, qmax, days = c
            rows.append(R(code, nm, spec, rng.randint(1, qmax), unit, price, cat, cls, sp, days))
    return rows


def _items(rows, with_days=True):
    items = []
    for r in rows:
        it = {"name": r["name"], "spec": r["spec"], "quantity": r["quantity"], "unit": r["unit"],
              "unit_price": r["unit_price"], "amount": r["amount"], "self_pay": r["self_pay"],
              "category": r["category"]}
        if with_days and r["days"]:
            it["days"] = r["days"]
        items.append(it)
    return items


def _list_header(sh, rng, member, hospital, visit, title):
    sh.text(sh.W / 2, 100, hospital, "sans_bold", 36, anchor="mm")
    sh.text(sh.W / 2, 158, title, "sans_bold", 34, anchor="mm")
    y = 210
    sh.text(80, y, f"患者姓名：{member['name']}", size=22)
    sh.text(400, y, f"性别：{member['sex']}", size=22)
    sh.text(560, y, f"门诊号：{rng.randint(10000000, 99999999)}", size=22)
    sh.text(860, y, f"费用日期：{fmt_date(visit, rng.choice(['dash', 'dot']))}", size=22)
    return {"patient_name": member["name"], "hospital": hospital, "visit_date": visit}, y + 50


def _grid(sh, y, cols, rows, size=22, row_h=40, x_right=1170):
    top = y
    for title, x0, x1, al in cols:
        sh.text((x0 + x1) / 2, y + 9, title, "sans_bold", size, anchor="ma")
    y += row_h
    for r in rows:
        sh.line(cols[0][1], y, x_right, y, 1)
        for (title, x0, x1, al), v in zip(cols, r):
            if al == "l":
                sh.text(x0 + 6, y + 9, v, size=size)
            elif al == "r":
                sh.text(x1 - 8, y + 9, v, size=size, anchor="ra")
            else:
                sh.text((x0 + x1) / 2, y + 9, v, size=size, anchor="ma")
        y += row_h
    sh.rect(cols[0][1], top, x_right, y, 2)
    sh.line(cols[0][1], top + row_h, x_right, top + row_h, 2)
    for _, x0, _, _ in cols[1:]:
        sh.line(x0, top, x0, y, 1)
    return y


def render_detail_grid(name, rng, dpi):
    """Grid lines round every cell; columns in another order (金额 before 单价 on some), a 序号 column."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    fields, y = _list_header(sh, rng, member, hospital, visit, rng.choice(["门诊费用明细清单", "费用明细清单"]))
    rows = _rows(rng, ["诊查费"] + rng.sample(["西药费", "中成药费", "化验费", "检查费", "治疗费"], 3))
    swap = rng.random() < 0.5
    cols = [("序号", 70, 140, "c"), ("药品名称", 140, 470, "l"), ("规格", 470, 660, "l"),
            ("单位", 660, 730, "c"), ("数量", 730, 800, "r"),
            ("金额" if swap else "单价", 800, 930, "r"), ("单价" if swap else "金额", 930, 1060, "r"),
            ("类别", 1060, 1170, "c")]
    table = [[str(i + 1), r["name"], r["spec"], r["unit"], r["quantity"],
              r["amount"] if swap else r["unit_price"], r["unit_price"] if swap else r["amount"],
              r["category"][:3]] for i, r in enumerate(rows)]
    y = _grid(sh, y, cols, table)
    total = f"{sum(Decimal(r['amount']) for r in rows):.2f}"
    sh.text(80, y + 24, f"合计：{total}", "sans_bold", 24)
    sh.text(420, y + 24, f"大写：{rmb_in_words(total)}", size=22)
    fields["total"] = total
    return sh.img, fields, _items(rows)


def render_detail_dotmatrix(name, rng, dpi):
    """No grid: a dot-matrix printout, columns kept only by the printer's character pitch."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    sh.text(sh.W / 2, 100, hospital, "sans_bold", 34, anchor="mm")
    sh.text(sh.W / 2, 156, "门诊收费明细清单", "sans_bold", 32, anchor="mm")
    sh.dots(80, 205, f"姓名:{member['name']}  就诊日期:{fmt_date(visit, 'dash')}", rng, 22)
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit}
    rows = _rows(rng, ["诊查费"] + rng.sample(["西药费", "中成药费", "化验费", "检查费", "CT费"], 3))
    xs = {"name": 80, "spec": 440, "qty": 700, "price": 860, "amount": 1040}
    y = 260
    for key, title in [("name", "项目名称"), ("spec", "规格"), ("qty", "数量"), ("price", "单价"), ("amount", "金额")]:
        sh.dots(xs[key], y, title, rng, 22)
    sh.dots(80, y + 30, "-" * 78, rng, 16)
    y += 60
    for r in rows:
        sh.dots(xs["name"], y, r["name"], rng, 22)
        sh.dots(xs["spec"], y, r["spec"] or "-", rng, 22)
        sh.dots(xs["qty"], y, f"{r['quantity']}{r['unit']}", rng, 22)
        sh.dots(xs["price"], y, r["unit_price"], rng, 22)
        sh.dots(xs["amount"], y, r["amount"], rng, 22)
        y += 40
    total = f"{sum(Decimal(r['amount']) for r in rows):.2f}"
    sh.dots(80, y + 4, "-" * 78, rng, 16)
    sh.dots(80, y + 30, f"合计: {total}", rng, 24)
    fields["total"] = total
    return sh.img, fields, _items(rows, with_days=False)


def render_detail_grouped(name, rng, dpi):
    """Rows grouped under their category, each group closed by a 小计 row, 总计 at the end."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    fields, y = _list_header(sh, rng, member, hospital, visit, "门诊费用明细清单(分类汇总)")
    cats = ["诊查费"] + rng.sample(["西药费", "中成药费", "化验费", "检查费", "治疗费"], 3)
    xs = [(80, "项目名称", "l"), (520, "规格", "l"), (780, "数量", "r"), (920, "单价", "r"), (1160, "金额", "r")]
    for x, title, al in xs:
        sh.text(x, y, title, "sans_bold", 22, anchor="ra" if al == "r" else "la")
    sh.line(70, y + 36, 1170, y + 36, 2)
    y += 50
    rows = []
    for cat in cats:
        group = _rows(rng, [cat])
        rows += group
        sh.text(80, y, f"【{cat}】", "sans_bold", 22)
        y += 38
        for r in group:
            for (x, _, al), v in zip(xs, [r["name"], r["spec"], r["quantity"], r["unit_price"], r["amount"]]):
                sh.text(x + (20 if al == "l" and x == 80 else 0), y, v, size=22, anchor="ra" if al == "r" else "la")
            y += 38
        sub = f"{sum(Decimal(r['amount']) for r in group):.2f}"
        sh.text(780, y, "小计：", "sans_bold", 22)
        sh.text(1160, y, sub, "sans_bold", 22, anchor="ra")
        sh.line(520, y + 34, 1170, y + 34, 1, fill=(120, 120, 120))
        y += 46
    total = f"{sum(Decimal(r['amount']) for r in rows):.2f}"
    sh.line(70, y, 1170, y, 2)
    sh.text(80, y + 14, f"总计：{total}", "sans_bold", 24)
    fields["total"] = total
    return sh.img, fields, _items(rows, with_days=False)


USAGE = ["口服 tid", "口服 bid", "口服 qd", "外用", "口服 qn"]


def render_detail_prescription(name, rng, dpi):
    """A 处方笺 printed with 用法, 天数 and the price of each drug."""
    member, hospital, visit = make_member(rng), rng.choice(HOSPITALS), rand_date(rng)
    sh = Sheet(dpi)
    sh.text(sh.W / 2, 100, hospital, "sans_bold", 36, anchor="mm")
    sh.text(sh.W / 2, 158, "处 方 笺", "sans_bold", 36, anchor="mm")
    sh.text(1100, 150, rng.choice(["普通", "医保"]), "sans_bold", 26)
    y = 215
    sh.text(80, y, f"姓名：{member['name']}", size=24)
    sh.text(360, y, f"性别：{member['sex']}", size=24)
    sh.text(560, y, f"日期：{fmt_date(visit, 'dash')}", size=24)
    y += 44
    case = CASES[rng.randrange(len(CASES))]
    sh.text(80, y, f"临床诊断：{case['diagnosis']}", size=24)
    sh.line(70, y + 44, 1170, y + 44, 2)
    y += 60
    sh.text(80, y, "Rp.", "serif_bold", 34)
    y += 56
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit}
    rows = _rows(rng, rng.sample(["西药费", "中成药费"], 2))
    cols = [(80, "药品名称", "l"), (400, "规格", "l"), (620, "用法", "l"), (800, "数量", "r"),
            (880, "天数", "r"), (1010, "单价", "r"), (1160, "金额", "r")]
    for x, title, al in cols:
        sh.text(x, y, title, "sans_bold", 22, anchor="ra" if al == "r" else "la")
    y += 44
    for r in rows:
        days = r["days"] or rng.randint(3, 7)
        r["days"] = days
        vals = [r["name"], r["spec"], rng.choice(USAGE), f"{r['quantity']}{r['unit']}", str(days),
                r["unit_price"], r["amount"]]
        for (x, _, al), v in zip(cols, vals):
            sh.text(x, y, v, size=22, anchor="ra" if al == "r" else "la")
        y += 42
    total = f"{sum(Decimal(r['amount']) for r in rows):.2f}"
    sh.line(70, y + 10, 1170, y + 10, 1)
    sh.text(700, y + 30, f"合计金额：{total}元", "sans_bold", 24)
    fields["total"] = total
    y += 120
    sh.text(80, y, "医师：", size=24)
    sh.scribble(160, y - 30, rng, 200, 80)
    sh.text(520, y, "审核/调配：", size=24)
    sh.text(840, y, "核对/发药：", size=24)
    return sh.img, fields, _items(rows)


# =============================================================================
# ID copies
# =============================================================================

def _id_front(sh, x0, y0, k, member):
    """The card's front at (x0, y0), `k` times the size of the project's usual copy."""
    label, ink = (60, 90, 130), (20, 20, 20)
    w, h = 780 * k, 492 * k
    sh.rect(x0, y0, x0 + w, y0 + h, 3, outline=(90, 90, 90), fill=(246, 246, 244), radius=30 * k)
    by, bm, bd = member["birth_date"].split("-")
    rows = [("姓名", member["name"], 50), ("性别", member["sex"], 115), ("出生", f"{int(by)}年{int(bm)}月{int(bd)}日", 180)]
    for lab, val, dy in rows:
        sh.text(x0 + 45 * k, y0 + dy * k, lab, size=24 * k, fill=label)
        sh.text(x0 + 130 * k, y0 + (dy - 5) * k, val, "sans_bold" if lab == "姓名" else "sans", 30 * k, fill=ink)
    sh.text(x0 + 230 * k, y0 + 115 * k, "民族", size=24 * k, fill=label)
    sh.text(x0 + 310 * k, y0 + 110 * k, member["ethnicity"], size=30 * k, fill=ink)
    sh.text(x0 + 45 * k, y0 + 245 * k, "住址", size=24 * k, fill=label)
    for i, line in enumerate(member["address"]):
        sh.text(x0 + 130 * k, y0 + (240 + i * 44) * k, line, size=30 * k, fill=ink)
    sh.text(x0 + 45 * k, y0 + 410 * k, "公民身份号码", size=24 * k, fill=label)
    sh.text(x0 + 225 * k, y0 + 402 * k, member["id_number"], size=34 * k, fill=ink)
    px, py = x0 + 540 * k, y0 + 60 * k
    sh.rect(px, py, px + 200 * k, py + 250 * k, 1, outline=(225, 225, 225), fill=(225, 225, 225))
    sh.d.ellipse([(px + 55 * k) * sh.s, (py + 40 * k) * sh.s, (px + 145 * k) * sh.s, (py + 150 * k) * sh.s],
                 fill=(150, 150, 150))


def _id_back(sh, x0, y0, k, member):
    label, ink = (60, 90, 130), (20, 20, 20)
    w, h = 780 * k, 492 * k
    sh.rect(x0, y0, x0 + w, y0 + h, 3, outline=(90, 90, 90), fill=(246, 246, 244), radius=30 * k)
    c = ((x0 + 110 * k) * sh.s, (y0 + 110 * k) * sh.s)
    r = 70 * k * sh.s
    sh.d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=(120, 60, 60), width=int(6 * k * sh.s))
    star(sh.d, c, 34 * k * sh.s, (120, 60, 60))
    sh.text(x0 + 230 * k, y0 + 60 * k, "中华人民共和国", "sans_bold", 48 * k, fill=ink)
    sh.text(x0 + 230 * k, y0 + 150 * k, "居 民 身 份 证", "sans_bold", 58 * k, fill=ink)
    sh.text(x0 + 90 * k, y0 + 330 * k, "签发机关", size=24 * k, fill=label)
    sh.text(x0 + 220 * k, y0 + 325 * k, member["id_issuer"], size=30 * k, fill=ink)
    sh.text(x0 + 90 * k, y0 + 400 * k, "有效期限", size=24 * k, fill=label)
    sh.text(x0 + 220 * k, y0 + 395 * k, member["id_valid"], size=30 * k, fill=ink)


def _id_truth(member):
    return {"name": member["name"], "id_number": member["id_number"], "sex": member["sex"],
            "birth_date": member["birth_date"]}


def render_id_side_by_side(name, rng, dpi):
    """Front and back side by side across the A4 sheet, as a copy shop lays both on the glass at once."""
    member = make_member(rng)
    sh = Sheet(dpi)
    k = 0.70
    y0 = rng.uniform(200, 700)
    first, second = (_id_front, _id_back) if rng.random() < 0.7 else (_id_back, _id_front)
    first(sh, 60, y0, k, member)
    second(sh, 80 + 780 * k + rng.uniform(10, 40), y0 + rng.uniform(-20, 20), k, member)
    return sh.img, _id_truth(member)


def render_id_stacked(name, rng, dpi):
    """Back above front (the other order from the project's usual copy), enlarged to fill the sheet."""
    member = make_member(rng)
    sh = Sheet(dpi)
    k = rng.uniform(1.05, 1.2)
    x0 = (sh.W - 780 * k) / 2
    _id_back(sh, x0, 120, k, member)
    _id_front(sh, x0 + rng.uniform(-30, 30), 160 + 492 * k + rng.uniform(20, 80), k, member)
    return sh.img, _id_truth(member)


def render_id_one_side(name, rng, dpi):
    """Only the front, small, somewhere on the sheet; a line of text written on the copy."""
    member = make_member(rng)
    sh = Sheet(dpi)
    k = rng.uniform(0.8, 1.0)
    x0, y0 = rng.uniform(80, sh.W - 780 * k - 80), rng.uniform(150, 900)
    _id_front(sh, x0, y0, k, member)
    sh.text(x0, y0 + 492 * k + 60, "此复印件仅供理赔使用", "kai", 34, fill=(30, 40, 110))
    return sh.img, _id_truth(member)


# =============================================================================
# Bank books
# =============================================================================

OTHER_BANKS = [("招商银行", "6214830210"), ("上海浦东发展银行", "6217920130"), ("上海农村商业银行", "6231570021"),
               ("中国邮政储蓄银行", "6217995500"), ("兴业银行", "6229090210"), ("中信银行", "6217680210")]


def _bank(rng):
    bank, prefix = rng.choice(OTHER_BANKS)
    return bank, prefix + "".join(str(rng.randint(0, 9)) for _ in range(9))


def render_bank_account_page(name, rng, dpi):
    """The account page of another bank: a ruled box of label cells (户 名 / 账 号 or 卡 号), values beside."""
    member = make_member(rng)
    bank, account = _bank(rng)
    sh = Sheet(dpi)
    x0, y0, x1 = 120, rng.uniform(200, 400), 1120
    sh.rect(x0, y0, x1, y0 + 720, 3, fill=(242, 244, 246))
    sh.text(x0 + 40, y0 + 40, bank, "serif_bold", 44)
    sh.text(x1 - 40, y0 + 52, rng.choice(["个人结算账户存折", "活期一本通"]), "sans_bold", 32, anchor="ra")
    holder_label = rng.choice(["户 名", "客户名称"])
    number_label = rng.choice(["账 号", "卡 号", "帐 号"])
    spaced = " ".join(account[i:i + 4] for i in range(0, len(account), 4))
    rows = [(holder_label, member["name"]), (number_label, spaced if rng.random() < 0.5 else account),
            ("开户行", f"{bank}{member['bank']['branch']}"), ("币 种", "人民币"), ("开户日期", member["bank"]["opened"])]
    y = y0 + 170
    for lab, val in rows:
        sh.line(x0 + 40, y, x1 - 40, y, 1)
        sh.text(x0 + 60, y + 16, lab, size=28)
        sh.line(x0 + 260, y, x0 + 260, y + 70, 1)
        sh.text(x0 + 290, y + 14, val, size=30)
        y += 70
    sh.line(x0 + 40, y, x1 - 40, y, 1)
    fields = {"bank_name": bank, "account_number": account, "account_holder": member["name"]}
    return sh.img, fields


def render_bank_cover(name, rng, dpi):
    """The book's cover: the bank's name and emblem large, the account and holder on a printed label."""
    member = make_member(rng)
    bank, account = _bank(rng)
    cover = rng.choice([(22, 88, 60), (150, 30, 40), (20, 60, 130)])
    sh = Sheet(dpi)
    x0, y0 = 260, rng.uniform(150, 350)
    w, h = 720, 1000
    sh.rect(x0, y0, x0 + w, y0 + h, 3, fill=cover, outline=(40, 40, 40))
    c = ((x0 + w / 2) * sh.s, (y0 + 200) * sh.s)
    r = 70 * sh.s
    sh.d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=(235, 220, 170), width=int(8 * sh.s))
    sh.text(x0 + w / 2, y0 + 340, bank, "serif_bold", 50, fill=(240, 228, 180), anchor="mm")
    sh.text(x0 + w / 2, y0 + 430, "储 蓄 存 折", "sans_bold", 44, fill=(240, 228, 180), anchor="mm")
    # The printed label pasted on the cover.
    lx, ly = x0 + 60, y0 + 620
    sh.rect(lx, ly, x0 + w - 60, ly + 220, 2, fill=(250, 250, 245), outline=(60, 60, 60))
    sh.text(lx + 30, ly + 40, f"户名：{member['name']}", size=30)
    sh.text(lx + 30, ly + 120, f"账号：{account}", size=30)
    fields = {"bank_name": bank, "account_number": account, "account_holder": member["name"]}
    return sh.img, fields


# =============================================================================
# Receipts (上海市医疗门(急)诊收费票据)
# =============================================================================

# Issue dates are printed 2025年03月04日 (cn0), 2025-03-04 (dash), 2025.03.04 (dot) or 20250304
# (compact), with a time or without (make_eval_set.fmt_date); each family prints each on some page.
RECEIPT_VARIANTS = ["account", "fund", "additional", "alipay", "selfpay", "registration"]


def _for_page(name: str, options: list):
    """The option of a family's page by its suffix (a, b, c, …): every option is on some page."""
    return options["abcdefgh".index(name[-1]) % len(options)]


def _receipt_facts(name, rng, variant):
    """The facts of one outpatient receipt (make_eval_set.receipt_content): rows and a payment split
    that obey the receipt's arithmetic (合计 = 统筹 + 附加 + 个人账户 + 现金, 分类自负 + 自负 + 自费
    = 现金, checks.cash_split_adds_up)."""
    c = receipt_content(name, variant, rng)
    p = {k: Decimal(v) for k, v in c["pay"].items()}
    if c["insurance_type"] != "(自费)":
        # receipt_content splits 现金 + 个人账户; the form's 现金支付中 splits the cash alone.
        cash = p["cash_paid"]
        self_rows = sum((Decimal(r["amount"]) for r in c["rows"] if r["self_pay"]), Decimal(0))
        p["self_pay"] = min(self_rows, cash)
        p["category_self_pay"] = min(cash - p["self_pay"],
                                     (cash * Decimal(rng.uniform(0, 0.3))).quantize(Decimal("0.01")))
        p["self_borne"] = cash - p["self_pay"] - p["category_self_pay"]
    c["pay"] = {k: f"{v:.2f}" for k, v in p.items()}
    return c


def _detail_rows(c):
    """The right-hand rows as the printer prints them: class or (自费) before the name."""
    rows = []
    for r in c["rows"]:
        prefix = "(自费)" if r["self_pay"] else (f"({r['drug_class']})" if r["drug_class"] else "")
        rows.append({"code": r["code"], "name": prefix + r["name"], "spec": r["spec"], "quantity": r["quantity"],
                     "unit_price": r["unit_price"], "amount": r["amount"]})
    return rows


def _receipt_truth(c, issue, visit_printed, detail):
    """Fields, 项目 rows and detail rows in the eval set's receipt truth (make_eval_set.render_paper_receipt)."""
    return (receipt_truth_fields(c, issue, c["insurance_type"] != "(自费)", visit_printed), receipt_truth_items(c),
            detail)


def _charge_time(c) -> str:
    return c["visit_time"][:3] + f"{(int(c['visit_time'][3:5]) + 17) % 60:02d}" + c["visit_time"][5:]


def _bed(sh_slip: Sheet, dpi, rng, dark: bool) -> Sheet:
    """The slip alone on the scanner bed: the lid open (dark) or closed (light), margins all round."""
    bed = Sheet(dpi, size=(1240, 1754), paper=(34, 34, 37) if dark else (226, 226, 223))
    x = int(rng.uniform(120, 1240 - sh_slip.W - 120) * bed.s)
    y = int(rng.uniform(100, max(101, 1754 - sh_slip.H - 100)) * bed.s)
    bed.img.paste(sh_slip.img, (x, y))
    return bed


def render_receipt_narrow_slip(name, rng, dpi):
    """A narrow printed slip of a 门(急)诊 receipt: one label a line, its value right-aligned at the
    slip's edge, faint grey print; the slip alone on a dark or light scanner bed."""
    c = _receipt_facts(name, rng, rng.choice(RECEIPT_VARIANTS))
    p, member = c["pay"], c["member"]
    # With a time the date is too long for its label's line and wraps under it (dash_time, dot_time);
    # some printers wrap every date under its label (wrapped).
    style = _for_page(name, ["cn0", "dash_time", "dot", "compact", "dot_time", "dash"])
    wrapped = style.endswith("_time") or _for_page(name, [False, False, False, False, False, True])
    ink = tuple([rng.randint(95, 135)] * 3)
    W = rng.choice([500, 540])
    lines = []  # (label, value or None, indent)
    visit_printed = rng.random() < 0.5
    lines += [("票据号码:", c["invoice_number"], 0), ("姓名:", member["name"], 0), ("性别:", member["sex"], 0),
              ("医保类型:", c["insurance_type"], 0)]
    if c["insurance_type"] != "(自费)":
        lines.append(("社会保障号码:", member["id_number"], 0))
    if visit_printed:
        lines.append(("就诊日期:", fmt_date(c["visit_date"], style.removesuffix("_time")), 0))
    lines.append(("-", None, 0))
    lines.append(("项目", "金额(元)", 0))
    lines += [(cat, amount, 0) for cat, amount in c["categories"]]
    lines.append(("合计", c["total"], 0))
    lines.append(("合计(大写):", rmb_in_words(c["total"]), 0))
    lines.append(("-", None, 0))
    lines += [("医保统筹支付:", p["fund_paid"], 0), ("附加支付:", p["additional_paid"], 0),
              ("个人账户支付:", p["account_paid"], 0), ("现金支付:", p["cash_paid"], 0),
              ("现金支付中:", None, 0), ("分类自负:", p["category_self_pay"], 30), ("自负:", p["self_borne"], 30),
              ("自费:", p["self_pay"], 30)]
    if c["third"]:
        lines.append((c["third"][0] + ":", c["third"][1], 0))
    if c["balances"]:
        lines += [("当年账户余额:", c["balance_current"], 0), ("历年账户余额:", c["balance_past"], 0)]
    lines.append(("-", None, 0))
    lines.append(("收款员:", c["cashier"], 0))
    date_label = rng.choice(["收费日期:", "日期:"])
    if wrapped:
        lines += [(date_label, None, 0), ("", fmt_date(c["visit_date"], style, _charge_time(c)), 0)]
    else:
        lines.append((date_label, fmt_date(c["visit_date"], style), 0))
    step = rng.choice([38, 42])
    H = 200 + step * len(lines) + 90
    slip = Sheet(dpi, size=(W, H), paper=(248, 248, 244))
    slip.text(W / 2, 50, "上海市医疗门(急)诊收费票据", "sans_bold", 25, fill=ink, anchor="mm")
    slip.text(W / 2, 100, c["hospital"], "sans", 22 if len(c["hospital"]) < 15 else 18, fill=ink, anchor="mm")
    y = 150
    for label, value, indent in lines:
        if label == "-":
            slip.text(20, y, "-" * 60, size=14, fill=ink)
            y += step * 0.6
            continue
        if label:
            slip.text(24 + indent, y, label, size=21, fill=ink)
        if value is not None:
            slip.text(W - 24, y, value, size=21, fill=ink, anchor="ra")
        y += step
    slip.text(W / 2, y + 20, "本收据盖章有效 遗失不补", size=17, fill=ink, anchor="mm")
    issue = c["visit_date"]
    return (_bed(slip, dpi, rng, dark=rng.random() < 0.5).img,
            *_receipt_truth(c, issue, visit_printed, []))


def _photo_12mp(img: Image.Image, rng, np_rng, portrait: bool, megapixels: float) -> Image.Image:
    """A phone photo of the receipt on a desk: perspective, uneven light and colour, defocus and sensor
    noise, at the size of a phone camera's picture (4:3)."""
    w, h = img.size
    H = int((megapixels * 1e6 * 3 / 4) ** 0.5)
    W = int(H * 4 / 3)
    if portrait:
        W, H = H, W
    fill = rng.uniform(0.72, 0.86)
    scale = min(W * fill / w, H * fill / h)
    pw, ph = w * scale, h * scale
    cx, cy = W / 2 + rng.uniform(-0.05, 0.05) * W, H / 2 + rng.uniform(-0.05, 0.05) * H
    j = lambda: rng.uniform(-0.035, 0.035) * max(pw, ph)  # noqa: E731
    dst = np.float32([[cx - pw / 2 + j(), cy - ph / 2 + j()], [cx + pw / 2 + j(), cy - ph / 2 + j()],
                      [cx + pw / 2 + j(), cy + ph / 2 + j()], [cx - pw / 2 + j(), cy + ph / 2 + j()]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    M = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(np.asarray(img, np.float32), M, (W, H), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), M, (W, H), flags=cv2.INTER_LINEAR)[:, :, None]
    desk = np.full((H, W, 3), rng.choice([(40, 36, 33), (70, 58, 48), (28, 30, 36)]), np.float32)
    desk += (cv2.resize(np_rng.random((24, 32)).astype(np.float32), (W, H))[:, :, None] - 0.5) * 20
    out = page * mask + desk * (1 - mask)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    lx, ly = rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.6) * H
    light = 1.05 - 0.28 * (((xx - lx) / W) ** 2 + ((yy - ly) / H) ** 2)  # one lamp, off centre
    shade = np.clip((xx / W - rng.uniform(0.6, 0.95)) * 3, 0, 1) * rng.uniform(0.0, 0.2)  # the hand's shadow
    out *= (light - shade)[:, :, None] * np.array([1.0, 0.97, rng.uniform(0.86, 0.95)], np.float32)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.9, 1.6) * W / 3000)
    out += np_rng.normal(0, 5, out.shape[:2]).astype(np.float32)[:, :, None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def render_receipt_phone_photo(name, rng, dpi):
    """The pre-printed 上海市医疗门(急)诊收费票据 form with dot-matrix values, photographed by phone
    (make_eval_set.render_paper_receipt draws the form): perspective, uneven light, 8-12 MP."""
    np_rng = np.random.default_rng(rng.randrange(2 ** 32))
    variant = rng.choice(RECEIPT_VARIANTS)
    c = _receipt_facts(name, rng, variant)
    style = _for_page(name, ["cn0", "dotmatrix", "dash", "dot_time", "compact", "dotmatrix"])
    # The printer's values fall off the form's lines: the payment box, the 项目 rows and the dates alike
    # (real_receipt_photo_dark_background prints them most of a row high); a stamped date may fall
    # left of the form's own 日期: label.
    page = {"date_style": style, "drift": rng.choice([0, 8, -10]), "item_drift": rng.choice([0, 10, -12]),
            "date_drift": rng.choice([0, 9, -9]), "date_label_printed": True, "note": rng.random() < 0.4,
            "holes": rng.random() < 0.5, "ink": rng.choice(["brown", "green"])}
    img, truth, _ = render_paper_receipt(c, page, rng, np_rng)
    img = img.resize((int(img.width * dpi / 200), int(img.height * dpi / 200)), Image.BICUBIC)
    photo = _photo_12mp(img, rng, np_rng, portrait=rng.random() < 0.3, megapixels=rng.choice([8, 12]))
    return photo, truth["fields"], truth["items"], truth["detail_items"]


def render_receipt_dense_laser(name, rng, dpi):
    """The whole receipt printed by a laser printer on plain A5: black, thin rules, 项目 rows two to a
    row, 合计 beside 合计(大写), the payment split several labels to a line, detail rows below."""
    c = _receipt_facts(name, rng, rng.choice(RECEIPT_VARIANTS))
    p, member = c["pay"], c["member"]
    style = _for_page(name, ["cn0", "dash", "dot", "compact", "dash_time", "cn0"])
    sh = Sheet(dpi, size=(1240, 874))
    fs = 19
    sh.text(sh.W / 2, 46, "上海市医疗门(急)诊收费票据", "serif_bold", 32, anchor="mm")
    sh.text(60, 86, c["hospital"], "sans_bold", 22)
    sh.text(sh.W - 60, 86, f"NO.{c['invoice_number']}", "sans", 22, anchor="ra")
    x0, x1 = 50, sh.W - 50
    y = 124
    sh.line(x0, y, x1, y, 1)
    visit_printed = rng.random() < 0.5
    head = [("姓名:", member["name"], 60), ("性别:", member["sex"], 300), ("医保类型:", c["insurance_type"], 420)]
    if c["insurance_type"] != "(自费)":
        head.append(("社会保障号码:", member["id_number"], 760))
    for label, value, x in head:
        sh.text(x, y + 10, label + value, size=fs)
    y += 40
    sh.text(60, y + 8, f"业务流水号:{c['serial']}", size=fs)
    if visit_printed:
        sh.text(560, y + 8, f"就诊日期:{fmt_date(c['visit_date'], style, c['visit_time'])}", size=fs)
    y += 38
    sh.line(x0, y, x1, y, 1)
    # 项目 table, two rows to a line: 项目 金额 | 项目 金额; on some printers each amount right after
    # its name, so that OCR reads a name and its amount (or both rows of a line) as one line.
    compact = _for_page(name, [True, False])
    cols = [(60, 400), (660, 1000)] if not compact else [(60, None), (380, None)]
    for cx, ax in cols:
        sh.text(cx, y + 8, "项目", "sans_bold", fs)
        if ax:
            sh.text(ax, y + 8, "金额(元)", "sans_bold", fs, anchor="ra")
        else:
            sh.text(cx + 160, y + 8, "金额", "sans_bold", fs)
    y += 36
    cats = c["categories"]
    for i in range(0, len(cats), 2):
        for (cx, ax), (cat, amount) in zip(cols, cats[i:i + 2]):
            if ax:
                sh.text(cx, y + 6, cat, size=fs)
                sh.text(ax, y + 6, amount, size=fs, anchor="ra")
            else:
                sh.text(cx, y + 6, f"{cat} {amount}", size=fs)
        y += 32
    sh.line(x0, y + 6, x1, y + 6, 1)
    y += 14
    words = rmb_in_words(c["total"])
    total_text = f"¥{c['total']}" if rng.random() < 0.4 else c["total"]
    sh.text(60, y + 6, f"合计(大写):{words}", "sans_bold", fs)
    sh.text(660, y + 6, f"合计:{total_text}", "sans_bold", fs)
    y += 40
    sh.line(x0, y, x1, y, 1)
    pay = [[("医保统筹支付:", p["fund_paid"]), ("附加支付:", p["additional_paid"]), ("个人账户支付:", p["account_paid"])],
           [("现金支付:", p["cash_paid"])] + ([(c["third"][0] + ":", c["third"][1])] if c["third"] else [])]
    for row in pay:
        for k, (label, value) in enumerate(row):
            sh.text(60 + 380 * k, y + 8, f"{label}{value}", size=fs)
        y += 34
    sh.text(60, y + 8, f"现金支付中: 分类自负 {p['category_self_pay']} 元   自负 {p['self_borne']} 元   "
                       f"自费 {p['self_pay']} 元(不属于医保报销范围)", size=fs)
    y += 34
    if c["balances"]:
        sh.text(60, y + 8, f"当年账户余额:{c['balance_current']}", size=fs)
        sh.text(440, y + 8, f"历年账户余额:{c['balance_past']}", size=fs)
        y += 34
    sh.line(x0, y + 4, x1, y + 4, 1)
    y += 12
    detail = _detail_rows(c)
    if detail:
        dcols = [("项目编码", 60, "l"), ("名称", 220, "l"), ("规格", 600, "l"), ("数量", 860, "r"),
                 ("单价", 1000, "r"), ("金额", 1170, "r")]
        for title, x, al in dcols:
            sh.text(x, y + 6, title, "sans_bold", 17, anchor="ra" if al == "r" else "la")
        y += 30
        for r in detail:
            for (_, x, al), v in zip(dcols, [r["code"], r["name"], r["spec"][:14], r["quantity"], r["unit_price"],
                                             r["amount"]]):
                sh.text(x, y + 4, v, size=17, anchor="ra" if al == "r" else "la")
            y += 27
    y = max(y + 20, 790)
    sh.line(x0, y, x1, y, 1)
    date_label = rng.choice(["收费日期:", "开票日期:", "日期:"])
    sh.text(60, y + 12, "收款单位(章):", size=fs)
    sh.text(440, y + 12, f"收款员:{c['cashier']}", size=fs)
    sh.text(760, y + 12, date_label + fmt_date(c["visit_date"], style, _charge_time(c)), size=fs)
    sh.rect(x0, 124, x1, y, 1)
    return (sh.img, *_receipt_truth(c, c["visit_date"], visit_printed, detail))


# =============================================================================
# The families: name -> (doc_type, renderer, description, documents)
# =============================================================================

# Scan steps (make_eval_set.DEGR): skew in degrees, grey photocopy, noise sigma, blur sigma, JPEG quality.
COPY = ("photocopy", 0.35)


def _docs(*entries):
    """(name suffix, dpi, file format, scan steps) per document."""
    return list(entries)


FAMILIES = {
    "tuned_record_inline": ("medical_record", render_record_inline,
                            "label and text on one line, sections wrapping (to the margin or under the text), "
                            "an unlisted 过敏史/个人史 label between sections, printed or written signature",
                            _docs(("a", 200, "jpg", [("skew", 1.2), ("noise", 5)]),
                                  ("b", 300, "jpg", [COPY, ("skew", -0.8)]),
                                  ("c", 200, "png", [("skew", 0.5), ("blur", 0.6)]),
                                  ("d", 200, "jpg", [("noise", 6), ("blur", 0.8), ("jpeg", 40)]))),
    "tuned_record_label_above": ("medical_record", render_record_label_above,
                                 "each label alone on its line (【主诉】 or 主诉：), its text indented below",
                                 _docs(("a", 200, "jpg", [("skew", -1.0), ("noise", 5)]),
                                       ("b", 300, "jpg", [COPY]),
                                       ("c", 200, "png", [("skew", 0.7)]),
                                       ("d", 200, "jpg", [("blur", 0.9), ("jpeg", 45)]))),
    "tuned_record_boxed": ("medical_record", render_record_boxed,
                           "a boxed table form: label cells on the left, wrapped text in the cell beside",
                           _docs(("a", 200, "jpg", [("skew", 0.8), ("noise", 4)]),
                                 ("b", 300, "jpg", [COPY, ("skew", -0.5)]),
                                 ("c", 200, "png", [("blur", 0.6)]),
                                 ("d", 200, "jpg", [("skew", -1.5), ("jpeg", 45)]))),
    "tuned_record_boxed_spaced": ("medical_record", render_record_boxed_spaced,
                                  "a table form of another hospital: spaced-out labels (主　诉) centred in tall "
                                  "cells, a long label broken over two lines, 诊断 and 处理 side by side in one row",
                                  _docs(("a", 200, "jpg", [("skew", 1.0), ("noise", 5)]),
                                        ("b", 300, "jpg", [COPY, ("skew", -0.7)]),
                                        ("c", 200, "png", [("blur", 0.6)]),
                                        ("d", 300, "jpg", [("skew", 1.8), ("jpeg", 45)]),
                                        ("e", 200, "jpg", [("noise", 6), ("blur", 0.8)]))),
    "tuned_record_booklet": ("medical_record", render_record_booklet,
                             "a 就医记录册 page written in a 楷书 (handwriting-like) face on ruled paper",
                             _docs(("a", 200, "jpg", [("skew", 1.0), ("noise", 4)]),
                                   ("b", 300, "jpg", [COPY]),
                                   ("c", 200, "jpg", [("blur", 0.7), ("jpeg", 50)]),
                                   ("d", 200, "png", [("skew", -0.6)]))),
    "tuned_detail_grid": ("detail_list", render_detail_grid,
                          "grid lines round every cell, 序号 and 药品名称 columns, 单价/金额 in either order",
                          _docs(("a", 200, "jpg", [("skew", 0.8), ("noise", 5)]),
                                ("b", 300, "jpg", [COPY]),
                                ("c", 200, "png", [("skew", -0.6)]),
                                ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 45)]))),
    "tuned_detail_dotmatrix": ("detail_list", render_detail_dotmatrix,
                               "no grid: dot-matrix print, columns by character pitch only",
                               _docs(("a", 200, "jpg", [("skew", 0.6), ("noise", 5)]),
                                     ("b", 300, "jpg", [COPY]),
                                     ("c", 200, "png", [("skew", -0.4)]),
                                     ("d", 200, "jpg", [("blur", 0.6)]))),
    "tuned_detail_grouped": ("detail_list", render_detail_grouped,
                             "rows grouped under 【category】 headings, a 小计 row per group, 总计 at the end",
                             _docs(("a", 200, "jpg", [("skew", 1.0), ("noise", 5)]),
                                   ("b", 300, "jpg", [COPY]),
                                   ("c", 200, "png", [("skew", -0.5)]),
                                   ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 45)]))),
    "tuned_detail_prescription": ("detail_list", render_detail_prescription,
                                  "a 处方笺 with 用法, 天数, 单价 and 金额 per drug, 合计金额",
                                  _docs(("a", 200, "jpg", [("skew", 0.7), ("noise", 5)]),
                                        ("b", 300, "jpg", [COPY]),
                                        ("c", 200, "png", [("skew", -0.8)]),
                                        ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 45)]))),
    "tuned_id_side_by_side": ("id_copy", render_id_side_by_side,
                              "front and back side by side on A4 (front first mostly), smaller than life",
                              _docs(("a", 300, "jpg", [COPY, ("skew", 0.8)]),
                                    ("b", 200, "jpg", [("noise", 5)]),
                                    ("c", 300, "png", [("skew", -0.5)]),
                                    ("d", 200, "jpg", [COPY, ("blur", 0.6)]))),
    "tuned_id_stacked": ("id_copy", render_id_stacked,
                         "back above front, enlarged",
                         _docs(("a", 200, "jpg", [COPY, ("skew", 1.0)]),
                               ("b", 300, "jpg", [("noise", 3)]),
                               ("c", 200, "png", [("skew", -0.6)]),
                               ("d", 200, "jpg", [COPY, ("blur", 0.7)]))),
    "tuned_id_one_side": ("id_copy", render_id_one_side,
                          "the front only, anywhere on the sheet, a handwritten note under it",
                          _docs(("a", 200, "jpg", [COPY, ("skew", 0.6)]),
                                ("b", 300, "jpg", [("noise", 3)]),
                                ("c", 200, "png", [("skew", -0.8)]),
                                ("d", 200, "jpg", [COPY, ("blur", 0.6)]))),
    "tuned_bank_account_page": ("bank_book", render_bank_account_page,
                                "the account page of another bank: ruled label cells (户 名, 客户名称, 账 号/卡 号)",
                                _docs(("a", 200, "jpg", [COPY, ("skew", 0.7)]),
                                      ("b", 300, "jpg", [("noise", 3)]),
                                      ("c", 200, "png", [("skew", -0.5)]),
                                      ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 45)]))),
    "tuned_bank_cover": ("bank_book", render_bank_cover,
                         "the book's cover: bank name and emblem on colour, a label with 户名 and 账号",
                         _docs(("a", 200, "jpg", [COPY, ("skew", 0.8)]),
                               ("b", 300, "jpg", [("noise", 3)]),
                               ("c", 200, "jpg", [("skew", -0.6), ("jpeg", 50)]),
                               ("d", 200, "jpg", [COPY, ("blur", 0.6)]))),
    "tuned_receipt_narrow_slip": ("receipt", render_receipt_narrow_slip,
                                  "a narrow printed slip of a 门(急)诊 receipt alone on a dark or light scanner bed: "
                                  "one label a line, values right-aligned, faint grey print",
                                  _docs(("a", 200, "jpg", [("skew", 0.8), ("noise", 4)]),
                                        ("b", 300, "jpg", [("skew", -0.6)]),
                                        ("c", 200, "png", [("skew", 0.4)]),
                                        ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 50)]),
                                        ("e", 300, "jpg", [COPY, ("skew", 1.0)]),
                                        ("f", 200, "jpg", [("skew", -0.3), ("noise", 6)]))),
    "tuned_receipt_phone_photo": ("receipt", render_receipt_phone_photo,
                                  "the pre-printed 上海市医疗门(急)诊收费票据 form photographed by phone: "
                                  "perspective, uneven light, 8-12 MP",
                                  _docs(("a", 200, "jpg", []), ("b", 300, "jpg", []), ("c", 200, "jpg", []),
                                        ("d", 300, "jpg", [("jpeg", 60)]), ("e", 200, "jpg", []),
                                        ("f", 300, "jpg", []))),
    "tuned_receipt_dense_laser": ("receipt", render_receipt_dense_laser,
                                  "the whole receipt laser-printed on plain A5: thin rules, 项目 rows two to a row, "
                                  "合计 beside 合计(大写), several payment labels to a line",
                                  _docs(("a", 200, "jpg", [("skew", 0.7), ("noise", 4)]),
                                        ("b", 300, "jpg", [COPY]),
                                        ("c", 200, "png", [("skew", -0.5)]),
                                        ("d", 200, "jpg", [("blur", 0.7), ("jpeg", 45)]),
                                        ("e", 300, "jpg", [("skew", -0.9)]),
                                        ("f", 200, "jpg", [COPY, ("skew", 0.4)]))),
}


def render(family: str, suffix: str, dpi: int, steps) -> tuple[Image.Image, dict, bool]:
    doc_type, renderer, _, _ = FAMILIES[family]
    name = f"{family}_{suffix}"
    rng, np_rng = seeded("tuned/" + name)
    result = renderer(name, rng, dpi)
    img, fields = result[0], result[1]
    truth = {"doc_type": doc_type, "family": family, "rotation": 0, "fields": fields,
             "items": result[2] if len(result) > 2 else []}
    if len(result) > 3:  # receipts: the right-hand rows as printed
        truth["detail_items"] = result[3]
    ctx = ScanContext(rng, np_rng, None)
    for step, param in steps:
        img = DEGR[step](img, ctx, param)
    truth["rotation"] = ctx.rotation
    return img, truth, any(step == "photocopy" for step, _ in steps)


def save(img: Image.Image, path: Path, grey: bool) -> None:
    if path.suffix == ".png":
        # Bilevel, as a fax-mode scanner saves it: smallest files, hardest edges.
        img.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1").save(path, "PNG", optimize=True)
    else:
        # 300-dpi pages at a lower quality keep the repository small.
        quality = 72 if img.width < 2000 else 58
        (img.convert("L") if grey else img.convert("RGB")).save(path, "JPEG", quality=quality, optimize=True)


def update_families_yaml(path: Path) -> None:
    """Enter the tuning families in tests/eval_set/families.yaml, one line each, keeping the file's
    comments and the entries others made there (pipeline/evaluation.load_families reads it)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else ["families:"]
    for family, (doc_type, _, description, _) in FAMILIES.items():
        # A JSON string is a YAML double-quoted scalar.
        line = (f"  {family}: {{doc_type: {doc_type}, held_out: false, script: tests/tools/make_tuning_families.py, "
                f"description: {json.dumps(description, ensure_ascii=False)}}}")
        at = next((i for i, text in enumerate(lines) if text.startswith(f"  {family}:")), None)
        if at is None:
            lines.append(line)
        else:
            lines[at] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "eval_set" / "tuned"))
    ap.add_argument("--only", help="generate only documents whose name contains this")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.only and out.exists():
        shutil.rmtree(out)
    for family, (_, _, _, documents) in FAMILIES.items():
        for suffix, dpi, ext, steps in documents:
            name = f"{family}_{suffix}"
            if args.only and args.only not in name:
                continue
            img, truth, grey = render(family, suffix, dpi, steps)
            folder = out / family
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}.{ext}"
            save(img, path, grey)
            (folder / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
                                                       encoding="utf-8")
            print(f"{path.relative_to(out)}  {path.stat().st_size // 1024} KB")
    update_families_yaml(out.parent / "families.yaml")


if __name__ == "__main__":
    main()
