#!/usr/bin/env python3
"""Generate the HELD-OUT layout families in ``tests/heldout/<family>/``.

These pages are laid out the way other hospitals and banks lay them out, not the
way ``make_eval_set.py`` (family ``generator-v1``) does: records with the label on
its own line, in a boxed table or handwritten in a 就医记录册; detail lists
without grid lines, grouped by category with 小计, or printed as prescriptions
with 用法 and 天数; ID cards placed on an A4 sheet side by side, stacked, one side
only or turned; bank books of other banks, their account page or their cover.
Across them: fonts, densities, 200 and 300 dpi, skew, rotation 0/90/180/270,
photocopy grey, blur, bilevel PNG and JPEG artefacts.

Nobody tunes an extractor on these. ``tests/eval_set/families.yaml`` lists every
family with ``held_out: true``; ``claims eval`` reports them apart from the tuned
ones. Each page has ``NAME.truth.json`` in the eval set's format plus ``"family"``.

Deterministic: every random choice comes from generators seeded by the page name.
Drawing helpers and scanner degradations are imported from make_sample_scans.py
and make_eval_set.py, whose output this script does not touch.

    python3 tests/tools/make_heldout_families.py [--out tests/heldout] [--only NAME]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_eval_set import DEGR, fmt_date, make_member, rand_date  # noqa: E402
from make_sample_scans import (  # noqa: E402
    ScanContext, blend_ink, dot_matrix_text, draw_spaced, rmb_in_words, round_seal, seeded,
    signature_scribble, star, wrap_text,
)

ROOT = Path(__file__).resolve().parents[2]
INK = (24, 24, 24)
FACES = {
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "song": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),   # handwriting-like
    "hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "droid": ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
}
_faces: dict = {}


def face(kind: str, px: int) -> ImageFont.FreeTypeFont:
    key = (kind, px)
    if key not in _faces:
        path, index = FACES[kind]
        _faces[key] = ImageFont.truetype(path, px, index=index)
    return _faces[key]


class Sheet:
    """A page drawn in 150-dpi coordinates and rendered at `dpi` (200 or 300)."""

    def __init__(self, size: tuple[int, int], dpi: int, paper=(250, 250, 247)):
        self.k = dpi / 150
        self.img = Image.new("RGB", (self.p(size[0]), self.p(size[1])), paper)
        self.d = ImageDraw.Draw(self.img)

    def p(self, v: float) -> int:
        return round(v * self.k)

    def font(self, kind: str, size: float):
        return face(kind, self.p(size))

    def text(self, x, y, s, size=26, kind="sans", fill=INK, anchor=None):
        self.d.text((self.p(x), self.p(y)), s, font=self.font(kind, size), fill=fill, anchor=anchor)

    def width(self, s, size=26, kind="sans") -> float:
        return self.font(kind, size).getlength(s) / self.k

    def wrap(self, s, width, size=26, kind="sans") -> list[str]:
        return wrap_text(s, self.font(kind, size), self.p(width))

    def line(self, x0, y0, x1, y1, width=1, fill=INK):
        self.d.line([self.p(x0), self.p(y0), self.p(x1), self.p(y1)], fill=fill, width=max(1, self.p(width)))

    def rect(self, x0, y0, x1, y1, width=1, outline=INK, fill=None, radius=0):
        box = [self.p(x0), self.p(y0), self.p(x1), self.p(y1)]
        if radius:
            self.d.rounded_rectangle(box, radius=self.p(radius), outline=outline, fill=fill, width=max(1, self.p(width)))
        else:
            self.d.rectangle(box, outline=outline, fill=fill, width=max(1, self.p(width)))

    def dots(self, x, y, s, size, rng, right=False):
        """Dot-matrix print; `right` aligns the text's right end at x."""
        dot_matrix_text(self.img, (self.p(x), self.p(y)), s, self.p(size), rng, anchor_right=right)

    def signature(self, x, y, rng, ink=(25, 35, 95)):
        blend_ink(self.img, signature_scribble(self.p(260), self.p(96), rng) * 0.92, (self.p(x), self.p(y)), ink)

    def spaced(self, x, y, s, size, kind, spacing, fill=INK):
        draw_spaced(self.d, (self.p(x), self.p(y)), s, self.font(kind, size), fill, self.p(spacing))


A4 = (1240, 1754)
A4_LANDSCAPE = (1754, 1240)

# Hospitals of the registry that generator-v1 never prints.
HOSPITALS = ["复旦大学附属华东医院", "上海市同济医院", "上海市东方医院", "上海市胸科医院",
             "上海市第五人民医院", "上海中医药大学附属岳阳中西医结合医院", "上海市中医医院",
             "上海市浦东医院", "上海市普陀区人民医院", "上海市杨浦区市东医院", "上海市闵行区中心医院",
             "上海交通大学医学院附属同仁医院"]

# =============================================================================
# Medical records: cases not in generator-v1, sections that run over lines
# =============================================================================

CASES = [
    {"department": "神经内科", "chief_complaint": "反复头痛2年，加重伴恶心3天。",
     "present_illness": "患者2年前起反复出现双侧颞部胀痛，劳累及睡眠不足时易发，每次持续数小时，"
                        "休息后可缓解。3天前工作紧张后头痛加重，呈搏动样，伴恶心，无呕吐，无肢体麻木乏力，"
                        "无视物重影，自服布洛芬效果欠佳，遂来就诊。",
     "past_history": "有颈椎病史5年，否认高血压、糖尿病史，否认药物过敏史。",
     "positive_signs": "神清，对答切题，颈部肌肉紧张，双侧颞部压痛，四肢肌力5级，病理征未引出。",
     "auxiliary_exam": "头颅CT未见明显异常。",
     "diagnosis": "紧张型头痛",
     "treatment": "盐酸乙哌立松片 50mg tid；甲钴胺片 0.5mg tid；规律作息，颈部热敷，2周后复诊。"},
    {"department": "内分泌科", "chief_complaint": "口干多饮多尿1月。",
     "present_illness": "患者1月前无明显诱因出现口干、多饮，每日饮水约3000ml，夜尿增多，"
                        "体重下降约3kg，无心悸手抖，无视物模糊。今日单位体检查空腹血糖11.6mmol/L，"
                        "为进一步诊治来我科门诊。",
     "past_history": "高血压病史3年，服用氨氯地平控制可，否认药物过敏史。",
     "positive_signs": "BMI 26.4，甲状腺未触及肿大，双足背动脉搏动可。",
     "auxiliary_exam": "空腹血糖 11.6mmol/L，糖化血红蛋白 8.2%，尿糖(++)。",
     "diagnosis": "2型糖尿病",
     "treatment": "二甲双胍缓释片 0.5g bid；糖尿病饮食，适量运动，监测血糖，1月后复查糖化血红蛋白。"},
    {"department": "皮肤科", "chief_complaint": "躯干四肢红斑伴瘙痒1周。",
     "present_illness": "患者1周前进食海鲜后躯干及四肢出现散在红色风团样皮疹，瘙痒明显，"
                        "夜间加重，数小时可自行消退后又新发，无发热，无腹痛，无呼吸困难。",
     "past_history": "否认慢性病史，有青霉素过敏史。",
     "positive_signs": "躯干、四肢散在大小不等红色风团，皮肤划痕征阳性，咽部无充血。",
     "auxiliary_exam": "血常规嗜酸性粒细胞 6.8%。",
     "diagnosis": "急性荨麻疹",
     "treatment": "氯雷他定片 10mg qd；炉甘石洗剂外用；避免海鲜及辛辣食物，不适随诊。"},
    {"department": "泌尿外科", "chief_complaint": "尿频尿急伴排尿不畅半年。",
     "present_illness": "患者半年来出现尿频、尿急，夜尿3至4次，排尿等待，尿线变细，"
                        "无肉眼血尿，无发热腰痛。近1月症状加重，影响睡眠。",
     "past_history": "否认高血压、糖尿病史，否认手术史。",
     "positive_signs": "直肠指检前列腺II度增大，质韧，中央沟变浅，无触痛。",
     "auxiliary_exam": "泌尿系B超示前列腺增生，残余尿约40ml；PSA 1.8ng/ml。",
     "diagnosis": "前列腺增生",
     "treatment": "盐酸坦索罗辛缓释胶囊 0.2mg qn；非那雄胺片 5mg qd；少饮咖啡浓茶，3月后复查B超。"},
    {"department": "耳鼻喉科", "chief_complaint": "鼻塞流涕伴打喷嚏2周。",
     "present_illness": "患者2周前受凉后出现鼻塞，流清涕，晨起阵发性喷嚏，伴鼻痒，"
                        "无发热，无头痛，无嗅觉减退，每遇冷空气症状加重。",
     "past_history": "过敏性鼻炎史10年，否认哮喘史。",
     "positive_signs": "双侧下鼻甲肿大，黏膜苍白水肿，鼻道见清水样分泌物。",
     "auxiliary_exam": "暂无。",
     "diagnosis": "过敏性鼻炎",
     "treatment": "糠酸莫米松鼻喷雾剂 每鼻孔2喷 qd；氯雷他定片 10mg qd；避免接触过敏原，2周后复诊。"},
    {"department": "肾内科", "chief_complaint": "双下肢水肿1月。",
     "present_illness": "患者1月前发现双下肢凹陷性水肿，晨轻暮重，伴尿中泡沫增多，"
                        "无肉眼血尿，无尿量减少，无胸闷气促，食欲尚可。",
     "past_history": "否认高血压、糖尿病史，否认肝炎病史。",
     "positive_signs": "BP 132/84mmHg，双下肢轻度凹陷性水肿，双肾区无叩痛。",
     "auxiliary_exam": "尿常规蛋白(++)，24小时尿蛋白定量 1.2g；血肌酐 78μmol/L。",
     "diagnosis": "慢性肾小球肾炎",
     "treatment": "缬沙坦胶囊 80mg qd；低盐优质蛋白饮食，2周后复查尿常规及肾功能。"},
]

SECTION_KEYS = ["chief_complaint", "present_illness", "past_history", "positive_signs",
                "auxiliary_exam", "diagnosis", "treatment"]


def record_truth(member, hospital, visit, case, first_visit=None, signature=True, department=True):
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit}
    if department:
        fields["department"] = case["department"]
    if first_visit is not None:
        fields["first_visit"] = first_visit
    fields.update({k: case[k] for k in SECTION_KEYS})
    fields["doctor_signature"] = signature
    return {"doc_type": "medical_record", "rotation": 0, "fields": fields, "items": []}


def render_record_label_above(spec, rng, np_rng):
    """EMR printout where every section label stands on its own line and the text runs below it."""
    sh = Sheet(A4, spec["dpi"])
    case, member, visit = CASES[spec["case"]], spec.get("member") or make_member(rng), spec.get("visit") or rand_date(rng)
    hospital = spec["hospital"]
    labels = dict(zip(SECTION_KEYS, spec["labels"]))
    size, kind = spec.get("size", 25), spec.get("font", "sans")
    sh.text(620, 95, hospital, 40, "serif_bold", anchor="mm")
    sh.text(620, 150, "门诊病历记录", 32, "sans_bold", anchor="mm")
    sh.line(80, 190, 1160, 190, 2)
    age = rng.randint(25, 80)
    sh.text(90, 205, f"姓名  {member['name']}", size, kind)
    sh.text(400, 205, f"性别  {member['sex']}", size, kind)
    sh.text(600, 205, f"年龄  {age}岁", size, kind)
    sh.text(820, 205, f"病历号  {rng.randint(10**7, 10**8 - 1)}", size, kind)
    sh.text(90, 250, f"科室  {case['department']}", size, kind)
    sh.text(400, 250, f"就诊时间  {fmt_date(visit, spec['date_style'], '09:%02d' % rng.randint(0, 59))}", size, kind)
    sh.text(900, 250, "初诊" if spec["first_visit"] else "复诊", size, kind)
    sh.line(80, 295, 1160, 295, 1)
    y, step = 318, size * 1.62
    for key in SECTION_KEYS:
        sh.text(90, y, f"{labels[key]}：", size, "sans_bold" if kind == "sans" else kind)
        y += step
        for line in sh.wrap(case[key], 1040, size, kind):
            sh.text(130, y, line, size, kind)
            y += step
        y += size * 0.6
    y = max(y + 30, 1400)
    sh.text(760, y, "医师签名：", size, kind)
    sh.signature(760 + sh.width("医师签名：", size, kind) + 6, y - 38, rng)
    sh.text(90, 1660, f"{hospital}  门诊电子病历", 18, kind)
    truth = record_truth(member, hospital, visit, case, first_visit=spec["first_visit"])
    return sh.img, truth


def render_record_boxed(spec, rng, np_rng):
    """A boxed form: label cells on the left, the section's text wrapped in the cell beside it."""
    sh = Sheet(A4, spec["dpi"])
    case, member, visit = CASES[spec["case"]], spec.get("member") or make_member(rng), spec.get("visit") or rand_date(rng)
    hospital = spec["hospital"]
    labels = dict(zip(SECTION_KEYS, spec["labels"]))
    size, kind = spec.get("size", 24), spec.get("font", "song")
    sh.text(620, 100, hospital, 42, "serif_bold", anchor="mm")
    sh.spaced(470, 140, "门诊病历", 34, "serif_bold", 14)
    L, R, T = 80, 1160, 220
    rowh = 56
    sh.rect(L, T, R, T + 2 * rowh, 2)
    sh.line(L, T + rowh, R, T + rowh)
    for x in (220, 470, 590, 720, 860):
        sh.line(x, T, x, T + 2 * rowh)
    cells = [(L, T, "姓 名"), (220, T, member["name"]), (470, T, "性 别"), (590, T, member["sex"]),
             (720, T, "就诊日期"), (860, T, fmt_date(visit, spec["date_style"])),
             (L, T + rowh, "科 别"), (220, T + rowh, case["department"]), (470, T + rowh, "类 型"),
             (590, T + rowh, "初诊" if spec["first_visit"] else "复诊"), (720, T + rowh, "门诊号"),
             (860, T + rowh, str(rng.randint(10**6, 10**7 - 1)))]
    for x, y, s in cells:
        sh.text(x + 12, y + 14, s, size, kind)
    y = T + 2 * rowh
    label_w = 190
    step = size * 1.55
    for key in SECTION_KEYS:
        lines = sh.wrap(case[key], R - L - label_w - 30, size, kind)
        h = max(rowh, len(lines) * step + 26)
        sh.rect(L, y, R, y + h, 1)
        sh.line(L + label_w, y, L + label_w, y + h)
        sh.text(L + 14, y + 14, labels[key], size, kind)
        for i, line in enumerate(lines):
            sh.text(L + label_w + 14, y + 13 + i * step, line, size, kind)
        y += h
    sh.rect(L, y, R, y + 110, 1)
    sh.text(700, y + 40, "医师签名", size, kind)
    sh.signature(700 + sh.width("医师签名", size, kind) + 20, y + 8, rng)
    sh.rect(L, T, R, y + 110, 2)
    truth = record_truth(member, hospital, visit, case, first_visit=spec["first_visit"])
    return sh.img, truth


def render_record_booklet(spec, rng, np_rng):
    """A page of the patient's 就医记录册, written by the doctor by hand on ruled lines."""
    size = spec.get("size", 30)
    sh = Sheet((1100, 1560), spec["dpi"], paper=(246, 242, 230))
    case, member, visit = CASES[spec["case"]], spec.get("member") or make_member(rng), spec.get("visit") or rand_date(rng)
    hospital = spec["hospital"]
    labels = dict(zip(SECTION_KEYS, spec["labels"]))
    rule = (150, 170, 200)
    sh.text(550, 60, "上海市医疗保险就医记录册", 30, "song", fill=(60, 60, 90), anchor="mm")
    sh.text(90, 110, "姓名", 22, "song", fill=(60, 60, 90))
    sh.text(160, 102, member["name"], size, "kai")
    sh.text(420, 110, "性别", 22, "song", fill=(60, 60, 90))
    sh.text(490, 102, member["sex"], size, "kai")
    sh.line(60, 150, 1040, 150, 2, rule)
    y0, step = 170, size * 1.75
    for i in range(int((1500 - y0) / step)):
        sh.line(60, y0 + (i + 1) * step, 1040, y0 + (i + 1) * step, 1, rule)
    ink = (30, 40, 110)
    y = y0 + step - size * 1.2
    sh.text(80, y, f"{fmt_date(visit, spec['date_style'])}  {hospital}", size, "kai", fill=ink)
    y += step
    sh.text(80, y, f"科别：{case['department']}", size, "kai", fill=ink)
    y += step
    for key in SECTION_KEYS:
        head = f"{labels[key]}："
        lines = sh.wrap(case[key], 940 - sh.width(head, size, "kai"), size, "kai")
        sh.text(80, y, head + lines[0], size, "kai", fill=ink)
        y += step
        for rest in sh.wrap("".join(lines[1:]), 940, size, "kai") if len(lines) > 1 else []:
            sh.text(80, y, rest, size, "kai", fill=ink)
            y += step
    sh.text(640, y, "医师签名：", size, "kai", fill=ink)
    sh.signature(640 + sh.width("医师签名：", size, "kai"), y - 30, rng, ink)
    truth = record_truth(member, hospital, visit, case)
    return sh.img, truth


# =============================================================================
# Detail lists
# =============================================================================

# (name, spec, unit, price, category, usage, self_pay)
DRUGS = [
    ("盐酸乙哌立松片", "50mg*20片/盒", "盒", "38.60", "西药费", "口服 50mg tid", False),
    ("甲钴胺片", "0.5mg*20片/盒", "盒", "21.40", "西药费", "口服 0.5mg tid", False),
    ("二甲双胍缓释片", "0.5g*30片/盒", "盒", "27.90", "西药费", "口服 0.5g bid", False),
    ("氯雷他定片", "10mg*6片/盒", "盒", "18.20", "西药费", "口服 10mg qd", False),
    ("盐酸坦索罗辛缓释胶囊", "0.2mg*10粒/盒", "盒", "46.50", "西药费", "口服 0.2mg qn", False),
    ("非那雄胺片", "5mg*10片/盒", "盒", "52.30", "西药费", "口服 5mg qd", False),
    ("缬沙坦胶囊", "80mg*7粒/盒", "盒", "24.80", "西药费", "口服 80mg qd", False),
    ("糠酸莫米松鼻喷雾剂", "50μg*60喷/支", "支", "68.00", "西药费", "喷鼻 每鼻孔2喷 qd", False),
    ("炉甘石洗剂", "100ml/瓶", "瓶", "6.50", "西药费", "外用 tid", False),
    ("百令胶囊", "0.5g*42粒/盒", "盒", "58.80", "中成药费", "口服 2g tid", False),
    ("通心络胶囊", "0.26g*30粒/盒", "盒", "41.20", "中成药费", "口服 4粒 tid", False),
    ("六味地黄丸", "200丸/瓶", "瓶", "22.00", "中成药费", "口服 8丸 tid", False),
    ("人工牛黄甲硝唑胶囊", "24粒/盒", "盒", "9.80", "西药费", "口服 2粒 tid", False),
]
# (name, unit, price, category)
SERVICES = [
    ("主任医师门诊诊查费", "次", "38.00", "诊查费"), ("副主任医师门诊诊查费", "次", "33.00", "诊查费"),
    ("普通门诊诊查费", "次", "25.00", "诊查费"),
    ("糖化血红蛋白测定", "项", "60.00", "化验费"), ("尿常规", "项", "12.00", "化验费"),
    ("肾功能检测", "项", "45.00", "化验费"), ("空腹血糖测定", "项", "8.00", "化验费"),
    ("泌尿系彩色多普勒超声", "次", "140.00", "检查费"), ("颈椎正侧位DR摄影", "次", "95.00", "放射费"),
    ("静脉采血", "次", "4.00", "治疗费"), ("鼻内镜检查", "次", "160.00", "检查费"),
]


def detail_rows(rng, n_drugs, n_services, max_days=14):
    rows = []
    for name, unit, price, cat in rng.sample(SERVICES, n_services):
        rows.append({"name": name, "spec": "", "quantity": "1", "unit": unit, "unit_price": price,
                     "amount": price, "category": cat, "self_pay": False})
    for name, spec, unit, price, cat, usage, self_pay in rng.sample(DRUGS, n_drugs):
        qty = rng.randint(1, 3)
        amount = f"{Decimal(price) * qty:.2f}"
        row = {"name": name, "spec": spec, "quantity": str(qty), "unit": unit, "unit_price": price,
               "amount": amount, "category": cat, "self_pay": self_pay, "usage": usage,
               "days": rng.choice([d for d in (5, 7, 10, 14) if d <= max_days])}
        rows.append(row)
    return rows


def detail_truth(member, hospital, visit, rows, days_printed=True):
    total = f"{sum(Decimal(r['amount']) for r in rows):.2f}"
    keys = ("name", "spec", "quantity", "unit", "unit_price", "amount", "category", "self_pay") + (("days",) if days_printed else ())
    items = [{k: r[k] for k in keys if k in r} for r in rows]
    return {"doc_type": "detail_list", "rotation": 0,
            "fields": {"patient_name": member["name"], "hospital": hospital, "visit_date": visit, "total": total},
            "items": items}, total


def render_detail_dotmatrix(spec, rng, np_rng):
    """Dot-matrix printout on plain paper: no grid, columns kept by the printer's pitch, dashed rules."""
    sh = Sheet(A4, spec["dpi"], paper=(248, 247, 240))
    member, hospital, visit = spec.get("member") or make_member(rng), spec["hospital"], spec.get("visit") or rand_date(rng)
    rows = spec.get("rows") or detail_rows(rng, rng.randint(3, 4), rng.randint(2, 3))
    truth, total = detail_truth(member, hospital, visit, rows)
    sz = spec.get("size", 22)
    sh.dots(620 - len(hospital) * sz * 0.55, 90, hospital, sz + 8, rng)
    sh.dots(470, 140, "门诊费用清单", sz + 6, rng)
    sh.dots(80, 200, f"姓名:{member['name']}  性别:{member['sex']}  日期:{fmt_date(visit, spec['date_style'])}", sz, rng)
    sh.dots(80, 240, f"卡号:{member['id_number'][:6]}****{member['id_number'][-4:]}  医保类型:职工医保", sz, rng)
    cols = [("名称", 80, False), ("规格", 430, False), ("数量", 690, True), ("单位", 720, False),
            ("单价", 900, True), ("金额", 1060, True), ("天数", 1140, True)]
    y = 300
    sh.dots(80, y - 28, "-" * 64, sz, rng)
    for title, x, right in cols:
        sh.dots(x, y, title, sz, rng, right=right)
    y += 34
    sh.dots(80, y, "-" * 64, sz, rng)
    y += 34
    for r in rows:
        values = [r["name"], r["spec"], r["quantity"], r["unit"], r["unit_price"], r["amount"],
                  str(r.get("days", ""))]
        for (title, x, right), v in zip(cols, values):
            if v:
                sh.dots(x, y, v, sz, rng, right=right)
        y += sz * 1.9
    sh.dots(80, y, "-" * 64, sz, rng)
    y += 40
    sh.dots(80, y, f"合计金额:{total}元", sz + 2, rng)
    sh.dots(560, y, f"({rmb_in_words(total)})", sz, rng)
    sh.dots(80, 1620, f"打印:{fmt_date(visit, 'dot')}  收费员:{rng.randint(100, 999)}", sz - 2, rng)
    return sh.img, truth


def render_detail_grouped(spec, rng, np_rng):
    """Items grouped under their category, each group closed by a 小计 row; horizontal rules only."""
    sh = Sheet(A4, spec["dpi"])
    member, hospital, visit = spec.get("member") or make_member(rng), spec["hospital"], spec.get("visit") or rand_date(rng)
    rows = sorted(spec.get("rows") or detail_rows(rng, rng.randint(3, 5), rng.randint(2, 3)), key=lambda r: r["category"])
    truth, total = detail_truth(member, hospital, visit, rows, days_printed=False)
    sz, kind = spec.get("size", 22), spec.get("font", "hei")
    sh.text(620, 90, hospital, 36, "sans_bold", anchor="mm")
    sh.text(620, 140, "门诊费用明细", 30, "sans_bold", anchor="mm")
    sh.text(80, 190, f"患者姓名：{member['name']}", sz, kind)
    sh.text(420, 190, f"就诊日期：{fmt_date(visit, spec['date_style'])}", sz, kind)
    sh.text(820, 190, f"费别：{rng.choice(['医保', '城保', '职工医保'])}", sz, kind)
    cols = [("项目名称", 100, "l"), ("规格", 470, "l"), ("单位", 720, "l"), ("数量", 840, "r"),
            ("单价", 980, "r"), ("金额", 1140, "r")]
    y = 250
    sh.line(80, y, 1160, y, 2)
    for title, x, al in cols:
        sh.text(x, y + 10, title, sz, "sans_bold", anchor="ra" if al == "r" else None)
    y += 46
    sh.line(80, y, 1160, y, 1)
    step = sz * 1.8
    for cat in dict.fromkeys(r["category"] for r in rows):
        y += 8
        sh.text(84, y, f"【{cat}】", sz, "sans_bold")
        y += step
        group = [r for r in rows if r["category"] == cat]
        for r in group:
            values = [r["name"], r["spec"], r["unit"], r["quantity"], r["unit_price"], r["amount"]]
            for (title, x, al), v in zip(cols, values):
                sh.text(x, y, v, sz, kind, anchor="ra" if al == "r" else None)
            y += step
        sub = f"{sum(Decimal(r['amount']) for r in group):.2f}"
        sh.text(840, y, "小计：", sz, kind)
        sh.text(1140, y, sub, sz, kind, anchor="ra")
        y += step
        sh.line(80, y - 6, 1160, y - 6, 1, (140, 140, 140))
    y += 20
    sh.line(80, y, 1160, y, 2)
    sh.text(100, y + 18, f"总金额：{total}", sz + 2, "sans_bold")
    sh.text(520, y + 18, f"大写：{rmb_in_words(total)}", sz, kind)
    sh.text(100, 1640, "本清单为费用明细，不作报销凭证", 18, kind)
    return sh.img, truth


def render_detail_prescription(spec, rng, np_rng):
    """A prescription-style list of drugs with 用法 and 天数 columns, printed small and dense."""
    sh = Sheet(A4, spec["dpi"])
    member, hospital, visit = spec.get("member") or make_member(rng), spec["hospital"], spec.get("visit") or rand_date(rng)
    rows = spec.get("rows") or detail_rows(rng, rng.randint(4, 6), 0)
    truth, total = detail_truth(member, hospital, visit, rows)
    sz, kind = spec.get("size", 20), spec.get("font", "sans")
    sh.text(620, 80, hospital, 34, "serif_bold", anchor="mm")
    sh.text(620, 130, "门诊处方费用明细", 28, "sans_bold", anchor="mm")
    sh.text(80, 175, f"姓名：{member['name']}   性别：{member['sex']}   年龄：{rng.randint(20, 85)}岁", sz, kind)
    sh.text(700, 175, f"开方日期：{fmt_date(visit, spec['date_style'])}", sz, kind)
    sh.text(80, 210, f"临床诊断：{rng.choice(CASES)['diagnosis']}", sz, kind)
    sh.text(60, 250, "Rp.", 30, "serif_bold")
    cols = [("药品名称", 80, "l"), ("规格", 360, "l"), ("用法", 580, "l"), ("天数", 820, "r"),
            ("数量", 890, "r"), ("单价", 1010, "r"), ("金额", 1150, "r")]
    y = 300
    for title, x, al in cols:
        sh.text(x, y, title, sz, "sans_bold", anchor="ra" if al == "r" else None)
    y += sz * 1.6
    sh.line(70, y, 1160, y, 1)
    y += 10
    for r in rows:
        values = [r["name"], r["spec"], r.get("usage", ""), f"{r['days']}天" if "days" in r else "", f"{r['quantity']}{r['unit']}",
                  r["unit_price"], r["amount"]]
        for (title, x, al), v in zip(cols, values):
            sh.text(x, y, v, sz, kind, anchor="ra" if al == "r" else None)
        y += sz * 1.7
    sh.line(70, y + 4, 1160, y + 4, 1)
    y += 24
    sh.text(800, y, f"药费合计：{total}元", sz + 2, "sans_bold")
    y += 60
    sh.text(80, y, "医师：", sz, kind)
    sh.signature(80 + sh.width("医师：", sz, kind), y - 36, rng)
    sh.text(520, y, "审核：", sz, kind)
    sh.text(820, y, "调配：", sz, kind)
    return sh.img, truth


# =============================================================================
# ID copies: the card at its real size on an A4 sheet
# =============================================================================

CARD_W, CARD_H = 506, 319   # 85.6 x 54 mm at 150 dpi


def id_member(rng, spec):
    member = spec.get("member") or make_member(rng)
    by, bm, bd = member["birth_date"].split("-")
    assert member["id_number"][6:14] == by + bm + bd
    return member


def draw_id_front(sh: Sheet, x0, y0, member, zoom=1.0):
    w, h = CARD_W * zoom, CARD_H * zoom
    z = zoom
    sh.rect(x0, y0, x0 + w, y0 + h, 2, (95, 95, 95), (243, 243, 240), radius=18 * z)
    label, ink = (70, 100, 140), (20, 20, 20)
    by, bm, bd = member["birth_date"].split("-")
    sh.text(x0 + 30 * z, y0 + 34 * z, "姓名", 15 * z, "sans", label)
    sh.text(x0 + 85 * z, y0 + 29 * z, member["name"], 22 * z, "sans_bold", ink)
    sh.text(x0 + 30 * z, y0 + 76 * z, "性别", 15 * z, "sans", label)
    sh.text(x0 + 85 * z, y0 + 72 * z, member["sex"], 19 * z, "sans", ink)
    sh.text(x0 + 150 * z, y0 + 76 * z, "民族", 15 * z, "sans", label)
    sh.text(x0 + 200 * z, y0 + 72 * z, member["ethnicity"], 19 * z, "sans", ink)
    sh.text(x0 + 30 * z, y0 + 116 * z, "出生", 15 * z, "sans", label)
    sh.text(x0 + 85 * z, y0 + 112 * z, f"{int(by)}  年  {int(bm)}  月  {int(bd)}  日", 19 * z, "sans", ink)
    sh.text(x0 + 30 * z, y0 + 158 * z, "住址", 15 * z, "sans", label)
    for i, line in enumerate(member["address"]):
        sh.text(x0 + 85 * z, y0 + (154 + i * 28) * z, line, 19 * z, "sans", ink)
    sh.text(x0 + 30 * z, y0 + 262 * z, "公民身份号码", 15 * z, "sans", label)
    sh.spaced(x0 + 148 * z, y0 + 256 * z, member["id_number"], 21 * z, "sans", 2 * z, ink)
    px, py = x0 + 350 * z, y0 + 40 * z
    sh.rect(px, py, px + 125 * z, py + 160 * z, 1, (205, 205, 205), (222, 222, 222))
    sh.d.ellipse([sh.p(px + 35 * z), sh.p(py + 25 * z), sh.p(px + 90 * z), sh.p(py + 95 * z)], fill=(150, 150, 150))


def draw_id_back(sh: Sheet, x0, y0, member, zoom=1.0):
    w, h = CARD_W * zoom, CARD_H * zoom
    z = zoom
    sh.rect(x0, y0, x0 + w, y0 + h, 2, (95, 95, 95), (243, 243, 240), radius=18 * z)
    label, ink = (70, 100, 140), (20, 20, 20)
    c = (sh.p(x0 + 70 * z), sh.p(y0 + 70 * z))
    r = sh.p(44 * z)
    sh.d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=(130, 60, 60), width=max(1, sh.p(4 * z)))
    star(sh.d, c, sh.p(21 * z), (130, 60, 60))
    sh.text(x0 + 145 * z, y0 + 38 * z, "中华人民共和国", 30 * z, "sans_bold", ink)
    sh.spaced(x0 + 145 * z, y0 + 92 * z, "居民身份证", 38 * z, "sans_bold", 9 * z, ink)
    sh.text(x0 + 55 * z, y0 + 212 * z, "签发机关", 15 * z, "sans", label)
    sh.text(x0 + 140 * z, y0 + 208 * z, member["id_issuer"], 19 * z, "sans", ink)
    sh.text(x0 + 55 * z, y0 + 256 * z, "有效期限", 15 * z, "sans", label)
    sh.text(x0 + 140 * z, y0 + 252 * z, member["id_valid"], 19 * z, "sans", ink)


def id_truth(member):
    return {"doc_type": "id_copy", "rotation": 0,
            "fields": {"name": member["name"], "id_number": member["id_number"], "sex": member["sex"],
                       "birth_date": member["birth_date"]}, "items": []}


def render_id_side_by_side(spec, rng, np_rng):
    """Front and back side by side across the top of a portrait A4 sheet, at real size."""
    sh = Sheet(A4, spec["dpi"])
    member = id_member(rng, spec)
    y = rng.randint(140, 420)
    draw_id_front(sh, 90, y, member)
    draw_id_back(sh, 90 + CARD_W + rng.randint(30, 80), y + rng.randint(-10, 10), member)
    return sh.img, id_truth(member)


def render_id_stacked(spec, rng, np_rng):
    """Front above back in the upper left of the sheet, real size, the rest of the page blank."""
    sh = Sheet(A4, spec["dpi"])
    member = id_member(rng, spec)
    x, y = rng.randint(100, 400), rng.randint(100, 300)
    draw_id_front(sh, x, y, member)
    draw_id_back(sh, x + rng.randint(-15, 15), y + CARD_H + rng.randint(50, 140), member)
    sh.text(x, y + 2 * CARD_H + 220, "本复印件仅供理赔使用", 20, "kai", (90, 90, 140))
    return sh.img, id_truth(member)


def render_id_front_only(spec, rng, np_rng):
    """Only the front (photo side), somewhere on the sheet, slightly enlarged by the copier."""
    sh = Sheet(A4, spec["dpi"])
    member = id_member(rng, spec)
    zoom = rng.choice([1.0, 1.2, 1.4])
    draw_id_front(sh, rng.randint(80, 1240 - int(CARD_W * zoom) - 80), rng.randint(150, 900), member, zoom)
    return sh.img, id_truth(member)


def render_id_turned(spec, rng, np_rng):
    """Both sides laid sideways on the sheet: drawn upright on a landscape page, stored as portrait."""
    sh = Sheet(A4_LANDSCAPE, spec["dpi"])
    member = id_member(rng, spec)
    y = rng.randint(200, 420)
    draw_id_front(sh, 200, y, member, 1.2)
    draw_id_back(sh, 200 + CARD_W * 1.2 + 70, y, member, 1.2)
    return sh.img, id_truth(member)


# =============================================================================
# Bank books of other banks: the account page, or the cover
# =============================================================================

BANKS = {"中国银行": "6217856", "交通银行": "6222620", "上海农商银行": "6231170", "招商银行": "6214830",
         "中国邮政储蓄银行": "6217995", "浦发银行": "6217921"}


def bank_member(rng, spec):
    if "member" in spec:
        return spec["member"], spec["account"]
    member = make_member(rng)
    account = BANKS[spec["bank"]] + "".join(str(rng.randint(0, 9)) for _ in range(12))
    return member, account


def bank_truth(member, bank, account):
    return {"doc_type": "bank_book", "rotation": 0,
            "fields": {"bank_name": bank, "account_number": account, "account_holder": member["name"]}, "items": []}


def render_bank_account_page(spec, rng, np_rng):
    """The passbook's first page printed by the branch's passbook printer: pre-printed labels,
    dot-matrix values, a transaction table below; the book lies on an A4 sheet."""
    sh = Sheet(A4, spec["dpi"])
    bank = spec["bank"]
    member, account = bank_member(rng, spec)
    x0, y0, w, h = 110, 180, 1020, 700
    sh.rect(x0, y0, x0 + w, y0 + h, 2, (90, 90, 90), (240, 242, 238))
    form = (40, 90, 120) if bank != "中国银行" else (150, 40, 40)
    sh.text(x0 + 40, y0 + 40, bank, 40, "serif_bold", form)
    sh.text(x0 + 40 + sh.width(bank, 40, "serif_bold") + 30, y0 + 52,
            rng.choice(["个人活期存折", "储蓄存折", "一本通存折"]), 30, "sans", form)
    sh.line(x0 + 30, y0 + 110, x0 + w - 30, y0 + 110, 2, form)
    rows = [("户  名", member["name"]), ("账  号", account), ("客户号", str(rng.randint(10**9, 10**10 - 1))),
            ("开户行", f"{bank}上海{rng.choice(['静安', '浦东', '闵行', '徐汇'])}支行"),
            ("开户日", fmt_date(rand_date(rng, 2010, 2022), "compact"))]
    y = y0 + 150
    for lab, value in rows:
        sh.text(x0 + 60, y, lab, 24, "song", form)
        sh.line(x0 + 190, y + 36, x0 + 760, y + 36, 1, form)
        sh.dots(x0 + 200, y - 2, value, 28, rng)
        y += 78
    sh.text(x0 + 800, y0 + 150, "印鉴", 22, "song", form)
    sh.rect(x0 + 790, y0 + 190, x0 + 980, y0 + 380, 1, form)
    if spec.get("seal"):
        seal = round_seal(f"{bank}股份有限公司", sh.p(80), np_rng)
        blend_ink(sh.img, seal * 0.75, (sh.p(x0 + 805), sh.p(y0 + 205)), (200, 40, 40), multiply=True)
    ty = y0 + h + 60
    sh.rect(x0, ty, x0 + w, ty + 500, 2, (90, 90, 90), (240, 242, 238))
    heads = ["日期", "摘要", "支取", "存入", "结余", "柜员"]
    for i, t in enumerate(heads):
        sh.text(x0 + 30 + i * 165, ty + 20, t, 22, "song", form)
    sh.line(x0, ty + 60, x0 + w, ty + 60, 1, form)
    balance = Decimal(rng.randint(100, 5000))
    for i in range(rng.randint(2, 5)):
        amount = Decimal(rng.randint(50, 3000)) + Decimal(rng.randint(0, 99)) / 100
        out = rng.random() < 0.4 and amount < balance
        balance = balance - amount if out else balance + amount
        values = [fmt_date(rand_date(rng, 2023, 2026), "compact"), rng.choice(["现存", "转账", "ATM取款", "结息"]),
                  f"{amount:.2f}" if out else "", "" if out else f"{amount:.2f}", f"{balance:.2f}", f"{rng.randint(1000, 9999)}"]
        for j, v in enumerate(values):
            if v:
                sh.dots(x0 + 30 + j * 165, ty + 80 + i * 48, v, 22, rng)
    return sh.img, bank_truth(member, bank, account)


def render_bank_cover(spec, rng, np_rng):
    """The passbook's cover copied on A4: bank name and logo large, a label with 户名 and 账号."""
    sh = Sheet(A4, spec["dpi"])
    bank = spec["bank"]
    member, account = bank_member(rng, spec)
    x0, y0, w, h = 270, 200, 700, 980
    sh.rect(x0, y0, x0 + w, y0 + h, 3, (60, 60, 60), (215, 222, 215) if bank != "中国银行" else (225, 210, 205))
    c = (sh.p(x0 + w / 2), sh.p(y0 + 190))
    r = sh.p(70)
    sh.d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=(40, 40, 40), width=sh.p(8))
    sh.d.rectangle([c[0] - r // 3, c[1] - r // 3, c[0] + r // 3, c[1] + r // 3], outline=(40, 40, 40), width=sh.p(8))
    sh.text(x0 + w / 2, y0 + 340, bank, 50, "serif_bold", (30, 30, 30), anchor="mm")
    sh.spaced(x0 + w / 2 - 170, y0 + 420, rng.choice(["活期储蓄存折", "储蓄存折"]), 44, "sans_bold", 8, (30, 30, 30))
    lx, ly = x0 + 80, y0 + 640
    sh.rect(lx, ly, lx + w - 160, ly + 200, 1, (60, 60, 60), (248, 248, 244))
    sh.text(lx + 24, ly + 30, "户名", 24, "sans")
    sh.dots(lx + 120, ly + 26, member["name"], 28, rng)
    sh.text(lx + 24, ly + 110, "账号", 24, "sans")
    sh.dots(lx + 120, ly + 106, " ".join(account[i:i + 4] for i in range(0, len(account), 4)), 26, rng)
    sh.text(x0 + w / 2, y0 + h - 60, "请妥善保管  遗失请及时挂失", 20, "sans", (60, 60, 60), anchor="mm")
    return sh.img, bank_truth(member, bank, account)


# =============================================================================
# Receipts: 上海市医疗门(急)诊收费票据 laser-printed whole, or a thermal slip
# =============================================================================

PAY_FIELDS = ("fund_paid", "additional_paid", "account_paid", "cash_paid", "category_self_pay", "self_borne",
              "self_pay", "account_balance_current", "account_balance_past")


def receipt_content(rng, spec) -> dict:
    """The facts of one receipt; the split adds up the way Shanghai receipts print it:
    合计 = 统筹 + 附加 + 个人账户 + 现金, and 现金 = 分类自负 + 自负 + 自费."""
    member = spec.get("member") or make_member(rng)
    visit = spec.get("visit") or rand_date(rng, 2025, 2026)
    rows = spec.get("rows") or detail_rows(rng, rng.randint(2, 4), rng.randint(1, 2))
    categories = {}
    for r in rows:
        categories[r["category"]] = categories.get(r["category"], Decimal(0)) + Decimal(r["amount"])
    total = sum(categories.values(), Decimal(0))
    cents = Decimal("0.01")
    pay = dict.fromkeys(PAY_FIELDS, Decimal(0))
    variant = spec.get("variant", "account")
    if variant == "fund":
        pay["fund_paid"] = (total * Decimal(rng.uniform(0.5, 0.75))).quantize(cents)
    elif variant == "additional":
        pay["additional_paid"] = (total * Decimal(rng.uniform(0.5, 0.6))).quantize(cents)
    elif variant == "account":
        pay["account_paid"] = min(total, Decimal(spec.get("account_paid", rng.randint(20, 300))))
    pay["cash_paid"] = total - pay["fund_paid"] - pay["additional_paid"] - pay["account_paid"]
    pay["self_pay"] = sum((Decimal(r["amount"]) for r in rows if r["self_pay"]), Decimal(0))
    csp = Decimal(spec["category_self_pay"]) if "category_self_pay" in spec else (
        pay["cash_paid"] * Decimal(rng.uniform(0, 0.08))).quantize(cents)
    pay["category_self_pay"] = min(csp, pay["cash_paid"] - pay["self_pay"])
    pay["self_borne"] = pay["cash_paid"] - pay["category_self_pay"] - pay["self_pay"]
    pay["account_balance_past"] = Decimal(rng.choice([0, rng.randint(100, 3000)])) + Decimal(rng.randint(0, 99)) / 100
    return {"member": member, "visit": visit, "hospital": spec["hospital"], "rows": rows,
            "categories": [(c, f"{a:.2f}") for c, a in categories.items()], "total": f"{total:.2f}",
            "pay": {k: f"{v:.2f}" for k, v in pay.items()},
            "invoice_number": spec.get("invoice_number") or f"{rng.randint(24, 26)}{rng.randint(0, 99999999):08d}",
            "serial": str(rng.randint(10**9, 10**10 - 1)), "cashier": f"{rng.randint(100, 9999):04d}",
            "insurance_type": spec.get("insurance_type") or rng.choice(["城保", "医保", "职工医保"]),
            "time": f"{rng.randint(8, 16):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"}


def receipt_truth(c) -> dict:
    fields = {"invoice_number": c["invoice_number"], "hospital": c["hospital"], "payer_name": c["member"]["name"],
              "insurance_type": c["insurance_type"], "insurance_number": c["member"]["id_number"],
              "visit_date": c["visit"], "issue_date": c["visit"], "total": c["total"], "total_in_words": c["total"],
              **c["pay"]}
    return {"doc_type": "receipt", "rotation": 0, "fields": fields,
            "items": [{"name": cat, "category": cat, "amount": amount} for cat, amount in c["categories"]]}


PAY_LABELS = {"fund_paid": "医保统筹支付", "additional_paid": "附加支付", "account_paid": "个人账户支付",
              "cash_paid": "现金支付", "category_self_pay": "分类自负", "self_borne": "自负", "self_pay": "自费",
              "account_balance_current": "当年账户余额", "account_balance_past": "历年账户余额"}


def render_receipt_laser(spec, rng, np_rng):
    """The whole receipt printed by a laser printer on plain A5 paper: black, thin rules, no form colours."""
    c = receipt_content(rng, spec)
    sh = Sheet((1240, 874), spec["dpi"])
    sz, kind = spec.get("size", 22), spec.get("font", "sans")
    sh.text(620, 55, "上海市医疗门(急)诊收费票据", 34, "serif_bold", anchor="mm")
    sh.text(900, 100, f"NO.{c['invoice_number']}", sz, kind)
    sh.text(70, 100, f"收款单位：{c['hospital']}", sz, kind)
    L, R = 60, 1180
    y = 140
    step = sz * 2.1
    sh.rect(L, y, R, 800, 1)
    line1 = [(L + 10, f"姓名：{c['member']['name']}"), (L + 250, f"性别：{c['member']['sex']}"),
             (L + 400, f"医保类型：{c['insurance_type']}"), (L + 650, f"社会保障号码：{c['member']['id_number']}")]
    for x, t in line1:
        sh.text(x, y + 12, t, sz, kind)
    y += step
    sh.line(L, y, R, y)
    sh.text(L + 10, y + 12, f"就诊日期：{fmt_date(c['visit'], spec['date_style'])}", sz, kind)
    sh.text(L + 420, y + 12, f"收费日期：{fmt_date(c['visit'], spec['date_style'])} {c['time']}", sz, kind)
    sh.text(L + 900, y + 12, f"业务流水号：{c['serial'][-6:]}", sz - 2, kind)
    y += step
    sh.line(L, y, R, y)
    for x, t in [(L + 40, "项目"), (L + 360, "金额"), (L + 600, "项目"), (L + 920, "金额")]:
        sh.text(x, y + 12, t, sz, "sans_bold")
    y += step
    sh.line(L, y, R, y)
    cats = c["categories"]
    for i in range(0, len(cats), 2):
        for j, (cat, amount) in enumerate(cats[i:i + 2]):
            sh.text(L + 40 + 560 * j, y + 12, cat, sz, kind)
            sh.text(L + 440 + 560 * j, y + 12, amount, sz, kind, anchor="ra")
        y += step
    y = max(y, 480)
    sh.line(L, y, R, y)
    sh.text(L + 10, y + 12, f"合计(大写)：{rmb_in_words(c['total'])}", sz, kind)
    sh.text(L + 700, y + 12, f"合计：{c['total']}", sz, "sans_bold")
    y += step
    sh.line(L, y, R, y)
    p = c["pay"]
    for x, k in zip((L + 10, L + 290, L + 540, L + 820), ("fund_paid", "additional_paid", "account_paid", "cash_paid")):
        sh.text(x, y + 12, f"{PAY_LABELS[k]}：{p[k]}", sz, kind)
    y += step
    sh.text(L + 10, y + 12, "现金支付中", sz, kind)
    for x, k in zip((L + 290, L + 540, L + 820), ("category_self_pay", "self_borne", "self_pay")):
        sh.text(x, y + 12, f"{PAY_LABELS[k]}：{p[k]}", sz, kind)
    y += step
    for x, k in zip((L + 290, L + 660), ("account_balance_current", "account_balance_past")):
        sh.text(x, y + 12, f"{PAY_LABELS[k]}：{p[k]}", sz, kind)
    sh.text(L + 10, 820, "收款单位(章)", sz, kind)
    sh.text(L + 820, 820, f"收款员：{c['cashier']}", sz, kind)
    seal = round_seal(c["hospital"], sh.p(95), np_rng)
    blend_ink(sh.img, seal * 0.8, (sh.p(L + 150), sh.p(690)), (210, 40, 45), multiply=True)
    return sh.img, receipt_truth(c)


def render_receipt_thermal(spec, rng, np_rng):
    """A thermal-paper slip alone on the scanner bed: narrow, faded grey print, one label a line."""
    c = receipt_content(rng, spec)
    sh = Sheet(A4, spec["dpi"], paper=(236, 236, 233))
    x0, y0, w = rng.randint(80, 600), rng.randint(60, 160), 520
    sz, kind, ink = spec.get("size", 21), spec.get("font", "hei"), (95, 95, 95)
    lines = [("c", "上海市医疗门(急)诊收费票据"), ("c", c["hospital"]), ("l", f"NO.{c['invoice_number']}"),
             ("l", f"姓名:{c['member']['name']}  性别:{c['member']['sex']}"), ("l", f"医保类型:{c['insurance_type']}"),
             ("l", f"社会保障号码:{c['member']['id_number']}"),
             ("l", f"就诊日期:{fmt_date(c['visit'], spec['date_style'])}"),
             ("l", f"收费日期:{fmt_date(c['visit'], spec['date_style'])} {c['time']}"), ("rule", ""),
             ("pair", ("项目", "金额"))]
    lines += [("pair", (cat, amount)) for cat, amount in c["categories"]]
    lines += [("rule", ""), ("pair", ("合计:", c["total"])), ("l", "合计(大写):"), ("l", rmb_in_words(c["total"]))]
    p = c["pay"]
    lines += [("pair", (f"{PAY_LABELS[k]}:", p[k])) for k in ("fund_paid", "additional_paid", "account_paid", "cash_paid")]
    lines += [("l", "现金支付中:")]
    lines += [("pair", (f"  {PAY_LABELS[k]}:", p[k])) for k in ("category_self_pay", "self_borne", "self_pay")]
    lines += [("pair", (f"{PAY_LABELS[k]}:", p[k])) for k in ("account_balance_current", "account_balance_past")]
    lines += [("rule", ""), ("l", f"收款员:{c['cashier']}"), ("l", "请妥善保管 热敏纸易褪色")]
    step = sz * 1.7
    height = len(lines) * step + 80
    sh.rect(x0, y0, x0 + w, y0 + height, 1, (225, 225, 222), (252, 252, 250))
    y = y0 + 40
    for kind_, text in lines:
        if kind_ == "c":
            sh.text(x0 + w / 2, y + sz / 2, text, sz + (3 if "票据" in text else 0), kind, ink, anchor="mm")
        elif kind_ == "l":
            sh.text(x0 + 24, y, text, sz, kind, ink)
        elif kind_ == "rule":
            sh.text(x0 + 24, y, "-" * 34, sz, kind, ink)
        else:
            sh.text(x0 + 24, y, text[0], sz, kind, ink)
            sh.text(x0 + w - 24, y, text[1], sz, kind, ink, anchor="ra")
        y += step
    return sh.img, receipt_truth(c)


# =============================================================================
# Scanning: extra degradations and the set
# =============================================================================


def bilevel(img, ctx, threshold):
    """A fax-mode / 1-bit scan: grey thresholded, nothing in between."""
    g = np.asarray(img.convert("L"))
    return Image.fromarray(np.where(g > threshold, 255, 0).astype(np.uint8)).convert("RGB")


DEGRADE = dict(DEGR, bilevel=bilevel)
COPY = ("photocopy", 0.4)


def ROT(d):
    return ("store_rotated_cw", d)


RENDER = {
    "record-label-above": render_record_label_above, "record-boxed-table": render_record_boxed,
    "record-booklet-handwritten": render_record_booklet,
    "detail-dotmatrix-nogrid": render_detail_dotmatrix, "detail-grouped-subtotal": render_detail_grouped,
    "detail-prescription": render_detail_prescription,
    "id-a4-side-by-side": render_id_side_by_side, "id-a4-stacked": render_id_stacked,
    "id-front-only": render_id_front_only, "id-turned-on-sheet": render_id_turned,
    "bank-account-page": render_bank_account_page, "bank-cover": render_bank_cover,
    "receipt-laser-a5": render_receipt_laser, "receipt-thermal-slip": render_receipt_thermal,
}

LABELS_ABOVE = [
    ["主诉", "现病史", "既往史", "体格检查", "辅助检查", "初步诊断", "处理意见"],
    ["主诉", "现病史", "既往史", "查体", "辅助检查", "诊断", "治疗意见"],
]
LABELS_BOXED = [
    ["主诉", "现病史", "既往史", "体格检查", "辅助检查", "诊断", "医嘱"],
    ["主  诉", "现 病 史", "既 往 史", "查  体", "辅助检查", "初步诊断", "处理"],
]
LABELS_BOOKLET = [["主诉", "现病史", "既往史", "查体", "辅助检查", "诊断", "处理"]]

H = HOSPITALS
# (family, name, format, scan steps, spec)
DOCS = [
    ("record-label-above", "la1_300dpi_copy", "jpg", [COPY, ("skew", -0.8), ("noise", 4)],
     dict(dpi=300, case=0, labels=LABELS_ABOVE[0], hospital=H[0], first_visit=True, date_style="dash")),
    ("record-label-above", "la2_rot90_serif", "jpg", [("skew", 1.2), ("noise", 5), ROT(90)],
     dict(dpi=200, case=1, labels=LABELS_ABOVE[1], hospital=H[1], first_visit=False, date_style="cn", font="serif", size=24)),
    ("record-label-above", "la3_bilevel", "png", [("skew", 0.5), ("bilevel", 150)],
     dict(dpi=200, case=2, labels=LABELS_ABOVE[0], hospital=H[2], first_visit=True, date_style="dot", size=22)),
    ("record-label-above", "la4_rot180_jpeg", "jpg", [("skew", -2.2), ("noise", 5), ("jpeg", 35), ROT(180)],
     dict(dpi=200, case=3, labels=LABELS_ABOVE[1], hospital=H[3], first_visit=False, date_style="slash", font="hei", size=26)),
    ("record-boxed-table", "bx1_300dpi", "jpg", [("skew", 0.7), ("noise", 5)],
     dict(dpi=300, case=4, labels=LABELS_BOXED[0], hospital=H[4], first_visit=True, date_style="dash")),
    ("record-boxed-table", "bx2_copy_rot270", "jpg", [COPY, ("skew", -1.0), ("noise", 4), ROT(270)],
     dict(dpi=200, case=5, labels=LABELS_BOXED[1], hospital=H[5], first_visit=False, date_style="cn0", size=22)),
    ("record-boxed-table", "bx3_blur", "jpg", [("skew", 2.5), ("blur", 1.0), ("noise", 5)],
     dict(dpi=200, case=0, labels=LABELS_BOXED[1], hospital=H[6], first_visit=True, date_style="dot", font="sans", size=23)),
    ("record-boxed-table", "bx4_bilevel_rot90", "png", [("skew", -0.4), ("bilevel", 140), ROT(90)],
     dict(dpi=200, case=1, labels=LABELS_BOXED[0], hospital=H[7], first_visit=False, date_style="dash", font="serif")),
    ("record-booklet-handwritten", "bk1_300dpi", "jpg", [("skew", 1.5), ("noise", 4)],
     dict(dpi=300, case=2, labels=LABELS_BOOKLET[0], hospital=H[8], date_style="dot")),
    ("record-booklet-handwritten", "bk2_copy", "jpg", [COPY, ("skew", -1.8), ("noise", 5)],
     dict(dpi=200, case=3, labels=LABELS_BOOKLET[0], hospital=H[9], date_style="cn", size=28)),
    ("record-booklet-handwritten", "bk3_rot180_jpeg", "jpg", [("skew", 0.6), ("jpeg", 40), ROT(180)],
     dict(dpi=200, case=4, labels=LABELS_BOOKLET[0], hospital=H[10], date_style="slash", size=32)),
    ("record-booklet-handwritten", "bk4_photo", "jpg", [("photo", 0.8)],
     dict(dpi=200, case=5, labels=LABELS_BOOKLET[0], hospital=H[11], date_style="dash")),

    ("detail-dotmatrix-nogrid", "dm1_300dpi", "jpg", [("skew", 0.6), ("noise", 5)],
     dict(dpi=300, hospital=H[0], date_style="dash")),
    ("detail-dotmatrix-nogrid", "dm2_copy_rot90", "jpg", [COPY, ("skew", -1.1), ("noise", 4), ROT(90)],
     dict(dpi=200, hospital=H[2], date_style="compact")),
    ("detail-dotmatrix-nogrid", "dm3_bilevel", "png", [("skew", 1.4), ("bilevel", 165)],
     dict(dpi=200, hospital=H[4], date_style="dot", size=24)),
    ("detail-dotmatrix-nogrid", "dm4_rot180_blur", "jpg", [("skew", -0.5), ("blur", 0.8), ("noise", 5), ROT(180)],
     dict(dpi=200, hospital=H[6], date_style="dash", size=20)),
    ("detail-grouped-subtotal", "gs1_300dpi", "jpg", [("skew", -0.6), ("noise", 4)],
     dict(dpi=300, hospital=H[1], date_style="dash")),
    ("detail-grouped-subtotal", "gs2_copy_jpeg", "jpg", [COPY, ("skew", 1.9), ("jpeg", 35)],
     dict(dpi=200, hospital=H[3], date_style="cn", font="song", size=22)),
    ("detail-grouped-subtotal", "gs3_rot270", "jpg", [("skew", 0.3), ("noise", 6), ROT(270)],
     dict(dpi=200, hospital=H[5], date_style="dot", font="droid", size=20)),
    ("detail-grouped-subtotal", "gs4_bilevel", "png", [("skew", -1.2), ("bilevel", 150)],
     dict(dpi=200, hospital=H[7], date_style="slash", size=24)),
    ("detail-prescription", "rx1_300dpi", "jpg", [("skew", 1.0), ("noise", 4)],
     dict(dpi=300, hospital=H[8], date_style="dash")),
    ("detail-prescription", "rx2_copy_rot180", "jpg", [COPY, ("skew", -0.7), ("noise", 4), ROT(180)],
     dict(dpi=200, hospital=H[9], date_style="cn", font="song", size=21)),
    ("detail-prescription", "rx3_photo", "jpg", [("photo", 0.7)],
     dict(dpi=200, hospital=H[10], date_style="dot", size=22)),
    ("detail-prescription", "rx4_bilevel_rot90", "png", [("skew", 0.4), ("bilevel", 150), ROT(90)],
     dict(dpi=200, hospital=H[11], date_style="dash", font="hei", size=19)),

    ("id-a4-side-by-side", "is1_300dpi_copy", "jpg", [COPY, ("noise", 4)], dict(dpi=300)),
    ("id-a4-side-by-side", "is2_rot90", "jpg", [COPY, ("skew", 0.8), ("noise", 4), ROT(90)], dict(dpi=200)),
    ("id-a4-side-by-side", "is3_bilevel_rot180", "png", [("skew", -1.0), ("bilevel", 160), ROT(180)], dict(dpi=200)),
    ("id-a4-stacked", "it1_300dpi", "jpg", [COPY, ("skew", -0.6), ("noise", 4)], dict(dpi=300)),
    ("id-a4-stacked", "it2_rot270", "jpg", [COPY, ("noise", 5), ROT(270)], dict(dpi=200)),
    ("id-a4-stacked", "it3_jpeg_blur", "jpg", [("skew", 1.6), ("blur", 0.7), ("jpeg", 40)], dict(dpi=200)),
    ("id-front-only", "if1_copy", "jpg", [COPY, ("skew", 0.5), ("noise", 4)], dict(dpi=200)),
    ("id-front-only", "if2_300dpi_rot90", "jpg", [("skew", -0.9), ("noise", 4), ROT(90)], dict(dpi=300)),
    ("id-front-only", "if3_bilevel", "png", [("bilevel", 160)], dict(dpi=200)),
    ("id-turned-on-sheet", "ir1_turned", "jpg", [COPY, ("skew", 0.4), ("noise", 4), ROT(90)], dict(dpi=200)),
    ("id-turned-on-sheet", "ir2_turned_other_way", "jpg", [COPY, ("noise", 4), ROT(270)], dict(dpi=200)),
    ("id-turned-on-sheet", "ir3_300dpi_jpeg", "jpg", [("skew", -1.2), ("jpeg", 40), ROT(90)], dict(dpi=300)),

    ("bank-account-page", "ba1_boc_copy", "jpg", [COPY, ("skew", 0.6), ("noise", 4)], dict(dpi=200, bank="中国银行", seal=True)),
    ("bank-account-page", "ba2_bocom_300dpi", "jpg", [("skew", -1.0), ("noise", 4)], dict(dpi=300, bank="交通银行")),
    ("bank-account-page", "ba3_srcb_rot90", "jpg", [COPY, ("noise", 4), ROT(90)], dict(dpi=200, bank="上海农商银行", seal=True)),
    ("bank-account-page", "ba4_cmb_bilevel", "png", [("skew", 1.3), ("bilevel", 150)], dict(dpi=200, bank="招商银行")),
    ("bank-account-page", "ba5_psbc_rot270_blur", "jpg", [("skew", 0.5), ("blur", 0.8), ("noise", 5), ROT(270)],
     dict(dpi=200, bank="中国邮政储蓄银行")),
    ("bank-cover", "bc1_boc", "jpg", [COPY, ("skew", -0.7), ("noise", 4)], dict(dpi=200, bank="中国银行")),
    ("bank-cover", "bc2_spdb_rot180", "jpg", [("skew", 0.9), ("noise", 5), ("jpeg", 40), ROT(180)], dict(dpi=200, bank="浦发银行")),
    ("bank-cover", "bc3_srcb_300dpi", "jpg", [COPY, ("noise", 4)], dict(dpi=300, bank="上海农商银行")),
    ("bank-cover", "bc4_bocom_rot90", "png", [("skew", -0.4), ("bilevel", 150), ROT(90)], dict(dpi=200, bank="交通银行")),

    ("receipt-laser-a5", "rl1_account_300dpi", "jpg", [("skew", 0.8), ("noise", 4)],
     dict(dpi=300, hospital=H[1], variant="account", date_style="dash")),
    ("receipt-laser-a5", "rl2_fund_copy_rot90", "jpg", [COPY, ("skew", -1.2), ("noise", 4), ROT(90)],
     dict(dpi=200, hospital=H[3], variant="fund", date_style="dot", font="song")),
    ("receipt-laser-a5", "rl3_additional_bilevel", "png", [("skew", 0.4), ("bilevel", 150)],
     dict(dpi=200, hospital=H[6], variant="additional", date_style="cn")),
    ("receipt-laser-a5", "rl4_cash_rot180_jpeg", "jpg", [("skew", -2.0), ("jpeg", 40), ROT(180)],
     dict(dpi=200, hospital=H[9], variant="cash", date_style="dash", font="hei", size=21)),
    ("receipt-thermal-slip", "rt1_account", "jpg", [("skew", 1.5), ("noise", 4), ("blur", 0.6)],
     dict(dpi=200, hospital=H[0], variant="account", date_style="dash")),
    ("receipt-thermal-slip", "rt2_fund_300dpi_rot270", "jpg", [("skew", -0.6), ("noise", 4), ROT(270)],
     dict(dpi=300, hospital=H[4], variant="fund", date_style="slash")),
    ("receipt-thermal-slip", "rt3_cash_copy", "jpg", [COPY, ("skew", 2.4), ("noise", 4)],
     dict(dpi=200, hospital=H[8], variant="cash", date_style="dot", font="droid")),
    ("receipt-thermal-slip", "rt4_additional_rot90", "jpg", [("skew", 0.3), ("jpeg", 45), ROT(90)],
     dict(dpi=200, hospital=H[11], variant="additional", date_style="cn0", size=20)),
]


def render_scanned(family: str, name: str, steps: list, spec: dict):
    rng, np_rng = seeded("heldout/" + name)
    img, truth = RENDER[family](spec, rng, np_rng)
    ctx = ScanContext(rng, np_rng, None)
    for step, param in steps:
        img = DEGRADE[step](img, ctx, param)
    return img, dict(truth, rotation=ctx.rotation, family=family)


def save(img: Image.Image, path: Path, fmt: str, grey: bool, quality: int = 75):
    if fmt == "png":
        img.convert("1").save(path, "PNG", optimize=True)       # bilevel: 1 bit a pixel
        return
    img = img.convert("L") if grey else img.convert("RGB")
    img.save(path, "JPEG", quality=quality, optimize=True)
    while path.stat().st_size > 700_000 and quality > 50:      # keep the repository small
        quality -= 5
        img.save(path, "JPEG", quality=quality, optimize=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "heldout"))
    ap.add_argument("--only", help="generate only documents whose name contains this")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.only and out.exists():
        shutil.rmtree(out)
    for family, name, fmt, steps, spec in DOCS:
        if args.only and args.only not in name:
            continue
        folder = out / family
        folder.mkdir(parents=True, exist_ok=True)
        img, truth = render_scanned(family, name, steps, spec)
        path = folder / f"{name}.{fmt}"
        save(img, path, fmt, grey=any(s[0] in ("photocopy", "bilevel") for s in steps))
        (folder / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
        print(f"{path.relative_to(out)}  {path.stat().st_size // 1024} KB  rotation {truth['rotation']}")


if __name__ == "__main__":
    main()
