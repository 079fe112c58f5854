#!/usr/bin/env python3
"""Generate the synthetic sample claim packets in ``sample_scans/``.

Every page is drawn from scratch (no real scan or crop of one is used): a
pre-printed form or an EMR printout is rendered, physical marks are added
(dot-matrix values, seals, a handwritten signature), then the page goes
through a chain of "scanner" degradations (tint, skew, photocopy, noise, blur,
phone photo on a desk, storage rotation) and is saved as JPEG together with a
``<page>.truth.json`` holding what a careful reader takes off the page, in the
field names and normalisation of ``shared/spec/extraction.md``.

Deterministic: every random choice comes from a generator seeded by the page
name, so re-running reproduces the same files (for the same Pillow/OpenCV).

    python3 tests/tools/make_sample_scans.py [--out sample_scans]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# =============================================================================
# Packet content: the facts of each claim. Everything rendered comes from here.
# =============================================================================

GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_with_check_digit(first17: str) -> str:
    """Complete a 17-digit resident ID body with its GB 11643 check character."""
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS))
    return first17 + "10X98765432"[total % 11]


MEMBERS = {
    "zhang_wei": {
        "name": "张伟", "sex": "男", "ethnicity": "汉", "birth_date": "1981-03-15",
        "id_number": id_with_check_digit("31010119810315231"),
        "address": ["上海市黄浦区河南南路", "288弄6号502室"],
        "id_issuer": "上海市公安局黄浦分局", "id_valid": "2019.04.08-2039.04.08",
        "bank": {"name": "中国工商银行", "branch": "上海黄浦支行营业部",
                 "account": "6222021001045678123", "opened": "2015-06-18"},
    },
    "li_na": {
        "name": "李娜", "sex": "女", "ethnicity": "汉", "birth_date": "1975-08-02",
        "id_number": id_with_check_digit("31010419750802002"),
        "address": ["上海市徐汇区宛平南路", "415弄12号301室"],
        "id_issuer": "上海市公安局徐汇分局", "id_valid": "2015.09.21-2035.09.21",
        "bank": {"name": "中国建设银行", "branch": "上海徐汇支行",
                 "account": "6217001210034567890", "opened": "2012-03-05"},
    },
    "wang_fang": {
        "name": "王芳", "sex": "女", "ethnicity": "汉", "birth_date": "1988-12-09",
        "id_number": id_with_check_digit("31011519881209044"),
        "address": ["上海市浦东新区张杨路", "1020弄3号1204室"],
        "id_issuer": "上海市公安局浦东分局", "id_valid": "2018.01.15-2038.01.15",
        "bank": {"name": "交通银行", "branch": "上海浦东分行",
                 "account": "6222600910002345678", "opened": "2016-11-02"},
    },
}

# Record label variants: hospitals' EMR systems name the same section differently.
LABELS_A = {"department": "科别", "positive_signs": "体检", "treatment": "处理"}
LABELS_B = {"department": "科室", "positive_signs": "阳性体征", "treatment": "治疗意见"}
LABELS_C = {"department": "就诊科室", "positive_signs": "阳性体征", "treatment": "处理"}


def row(code, name, spec, qty, unit, price, amount, category, days=None, drug_class=None,
        self_pay=False):
    """One billed line: shared by the receipt's right table and the detail list."""
    return {"code": code, "name": name, "spec": spec, "quantity": qty, "unit": unit,
            "unit_price": price, "amount": amount, "category": category, "days": days,
            "drug_class": drug_class, "self_pay": self_pay}


PACKETS = [
    {
        "packet": "01_outpatient_pays",
        "member": "zhang_wei",
        "hospital": "复旦大学附属华山医院", "hospital_grade": "三级甲等综合医院",
        "department": "呼吸内科", "visit_date": "2026-10-12", "visit_time": "09:15:33",
        "charge_time": "09:41:07", "first_visit": True, "doctor": "陈",
        "receipt": {
            "invoice_number": "2610453381", "serial": "1001826745", "cashier": "0417",
            "insurance_type": "城保",
            "categories": [("诊查费", "50.00"), ("西药费", "620.00"), ("化验费", "230.00"),
                           ("放射费", "200.00"), ("治疗费", "150.00")],
            "total": "1250.00", "cash_paid": "1050.00", "account_paid": "200.00",
            "fund_paid": "0.00", "additional_paid": "0.00", "category_self_pay": "30.00",
            "self_borne": "1000.00", "self_pay": "20.00",
            "account_balance_current": "0.00", "account_balance_past": "1365.20",
        },
        "rows": [
            row("S310100001", "专家门诊诊查费", "", "1", "次", "50.00", "50.00", "诊查费"),
            row("X86900712", "头孢克洛缓释片", "0.375g*6片/盒", "2", "盒", "98.00", "196.00",
                "西药费", days=5, drug_class="乙10%"),
            row("X86901435", "复方甲氧那明胶囊", "60粒/盒", "2", "盒", "62.00", "124.00",
                "西药费", days=5, drug_class="乙"),
            row("X86902218", "盐酸氨溴索口服液", "100ml/瓶", "2", "瓶", "140.00", "280.00",
                "西药费", days=5, drug_class="甲"),
            row("X86905520", "复方甘草口服溶液", "100ml/瓶", "1", "瓶", "20.00", "20.00",
                "西药费", days=3, self_pay=True),
            row("S250101015", "血常规(五分类)", "", "1", "次", "30.00", "30.00", "化验费"),
            row("S250402035", "C反应蛋白测定", "", "1", "项", "50.00", "50.00", "化验费"),
            row("S250403088", "呼吸道病原体核酸检测", "", "1", "项", "150.00", "150.00", "化验费"),
            row("S210102015", "胸部正侧位DR摄影", "", "1", "次", "200.00", "200.00", "放射费"),
            row("S310603002", "雾化吸入", "", "3", "次", "50.00", "150.00", "治疗费"),
        ],
        "record": {
            "labels": LABELS_A,
            "chief_complaint": "咳嗽咳痰伴发热3天。",
            "present_illness": "患者3天前受凉后出现咳嗽，咳黄白色黏痰，伴发热，最高体温38.5℃，"
                               "无胸痛、咯血，无气促，自服感冒药后症状无明显好转，今来我院就诊。"
                               "发病以来精神可，胃纳一般，二便正常。",
            "past_history": "否认高血压、糖尿病史，否认药物过敏史。",
            "positive_signs": "T 37.8℃，咽部充血，两肺呼吸音粗，未闻及干湿啰音。",
            "auxiliary_exam": "血常规 WBC 11.2×10^9/L，N 78%；胸片示两肺纹理增多。",
            "diagnosis": "急性支气管炎",
            "treatment": "头孢克洛缓释片 0.375g bid×5天；盐酸氨溴索口服液 10ml tid；"
                         "复方甲氧那明胶囊 2粒 tid 止咳；雾化吸入 qd×3天；多饮水，注意休息，不适随诊。",
        },
        "pages": [
            {"name": "receipt_skew2_seal", "kind": "receipt", "ink": "brown", "seal": "red",
             "seal_over": "西药费", "seal_offset": (60, 40), "scan": [("skew", 2.0), ("noise", 7), ("blur", 0.5)]},
            {"name": "record_a4_first_visit", "kind": "record",
             "scan": [("photocopy", 0.35), ("skew", -1.0), ("noise", 5)]},
            {"name": "detail_list_noise", "kind": "detail_list",
             "scan": [("tint", "white"), ("skew", 0.4), ("noise", 12), ("speckle", 0.0015)]},
            {"name": "id_copy", "kind": "id_copy", "scan": [("photocopy", 0.45), ("noise", 5)]},
            {"name": "bank_book", "kind": "bank_book", "scan": [("photocopy", 0.4), ("skew", 0.6), ("noise", 5)]},
        ],
        "expected": {"status": "partially_approved", "payable": "385.00", "missing_documents": []},
    },
    {
        "packet": "02_under_deductible",
        "member": "li_na",
        "hospital": "上海市第六人民医院", "hospital_grade": "三级甲等综合医院",
        "department": "消化内科", "visit_date": "2026-10-20", "visit_time": "14:02:51",
        "charge_time": "14:26:18", "first_visit": False, "doctor": "周",
        "receipt": {
            "invoice_number": "2610877420", "serial": "2001010004817266", "cashier": "2203",
            "insurance_type": "城保",
            "categories": [("西药费", "236.50"), ("化验费", "58.50")],
            "total": "295.00", "cash_paid": "200.00", "account_paid": "95.00",
            "fund_paid": "0.00", "additional_paid": "0.00", "category_self_pay": "0.00",
            "self_borne": "200.00", "self_pay": "0.00",
            "account_balance_current": "0.00", "account_balance_past": "0.00",
        },
        "rows": [
            row("X86900327", "奥美拉唑肠溶胶囊", "20mg*14粒/盒", "2", "盒", "38.50", "77.00",
                "西药费", days=5, drug_class="甲"),
            row("X86903346", "铝碳酸镁咀嚼片", "0.5g*20片/盒", "3", "盒", "32.50", "97.50",
                "西药费", days=5, drug_class="乙10%"),
            row("X86904471", "枸橼酸莫沙必利片", "5mg*24片/盒", "2", "盒", "31.00", "62.00",
                "西药费", days=5, drug_class="乙"),
            row("S250403011", "幽门螺杆菌抗体测定", "", "1", "项", "38.50", "38.50", "化验费"),
            row("S250103001", "粪便常规+隐血", "", "1", "次", "20.00", "20.00", "化验费"),
        ],
        "record": {
            "labels": LABELS_B,
            "chief_complaint": "反复上腹部胀痛半年，加重1周。",
            "present_illness": "患者半年来反复出现上腹部胀痛，多于餐后加重，伴嗳气、反酸，"
                               "无呕血、黑便，无明显消瘦。2026年4月外院胃镜示慢性非萎缩性胃炎，"
                               "予抑酸护胃治疗后好转。近1周因饮食不规律症状再发，上腹隐痛，"
                               "夜间偶有反酸，纳差，今来复诊。",
            "past_history": "否认高血压、糖尿病史，否认手术外伤史。",
            "positive_signs": "腹软，剑突下轻压痛，无反跳痛，肝脾肋下未及，肠鸣音正常。",
            "auxiliary_exam": "幽门螺杆菌抗体阴性，粪便隐血阴性。",
            "diagnosis": "慢性胃炎",
            "treatment": "奥美拉唑肠溶胶囊 20mg qd；铝碳酸镁咀嚼片 1.0g tid；枸橼酸莫沙必利片 5mg tid；"
                         "清淡饮食，忌辛辣，2周后复诊。",
        },
        "pages": [
            {"name": "receipt_noise_blue_seal", "kind": "receipt", "ink": "green", "seal": "blue",
             "seal_over": "西药费", "seal_offset": (95, -5), "scan": [("skew", -0.6), ("noise", 12), ("speckle", 0.001)]},
            {"name": "record_a4_follow_up_variant_labels", "kind": "record",
             "scan": [("photocopy", 0.3), ("skew", 0.5), ("noise", 5)]},
            {"name": "detail_list_skew1", "kind": "detail_list",
             "scan": [("tint", "white"), ("skew", 1.0), ("noise", 5)]},
            {"name": "id_copy", "kind": "id_copy", "scan": [("photocopy", 0.4), ("skew", -0.5), ("noise", 5)]},
            {"name": "bank_book", "kind": "bank_book", "scan": [("photocopy", 0.35), ("noise", 5)]},
        ],
        "expected": {"status": "approved", "payable": "0.00", "missing_documents": []},
    },
    {
        "packet": "03_missing_detail_list",
        "member": "wang_fang",
        "hospital": "复旦大学附属中山医院", "hospital_grade": "三级甲等综合医院",
        "department": "消化内科", "visit_date": "2026-11-03", "visit_time": "10:47:12",
        "charge_time": "11:05:40", "first_visit": True, "doctor": "许",
        "receipt": {
            "invoice_number": "2611020157", "serial": "1002315589", "cashier": "1126",
            "insurance_type": "城保",
            "categories": [("诊查费", "25.00"), ("西药费", "148.00"), ("化验费", "87.00")],
            "total": "260.00", "cash_paid": "200.00", "account_paid": "60.00",
            "fund_paid": "0.00", "additional_paid": "0.00", "category_self_pay": "0.00",
            "self_borne": "200.00", "self_pay": "0.00",
            "account_balance_current": "0.00", "account_balance_past": "0.00",
        },
        "rows": [
            row("S310100002", "普通门诊诊查费", "", "1", "次", "25.00", "25.00", "诊查费"),
            row("X86901102", "蒙脱石散", "3g*10袋/盒", "2", "盒", "24.00", "48.00",
                "西药费", days=3, drug_class="甲"),
            row("X86906635", "双歧杆菌三联活菌胶囊", "210mg*36粒/盒", "1", "盒", "58.00", "58.00",
                "西药费", days=3, drug_class="乙10%"),
            row("X86900954", "口服补液盐散", "5.125g*6袋/盒", "2", "盒", "21.00", "42.00",
                "西药费", days=3, drug_class="甲"),
            row("S250101015", "血常规(五分类)", "", "1", "次", "30.00", "30.00", "化验费"),
            row("S250103001", "粪便常规+隐血", "", "1", "次", "20.00", "20.00", "化验费"),
            row("S250402035", "C反应蛋白测定", "", "1", "项", "37.00", "37.00", "化验费"),
        ],
        "record": {
            "labels": LABELS_C,
            "chief_complaint": "腹泻伴呕吐1天。",
            "present_illness": "患者昨日进食海鲜后出现腹泻，为黄色稀水样便，每日6至7次，伴恶心呕吐2次，"
                               "为胃内容物，伴脐周阵发性腹痛，无发热，无黏液脓血便。",
            "past_history": "既往体健，否认药物过敏史。",
            "positive_signs": "腹软，脐周轻压痛，无反跳痛，肠鸣音活跃。",
            "auxiliary_exam": "血常规 WBC 9.6×10^9/L；粪便常规稀水样便，隐血阴性。",
            "diagnosis": "急性胃肠炎",
            "treatment": "蒙脱石散 3g tid；双歧杆菌三联活菌胶囊 420mg bid；口服补液盐散 补液；"
                         "清淡饮食，如有发热、便血及时就诊。",
        },
        "pages": [
            {"name": "receipt_skew3", "kind": "receipt", "ink": "brown", "seal": "red",
             "seal_over": "化验费", "seal_offset": (30, 15), "scan": [("skew", 3.0), ("noise", 6)]},
            {"name": "record_a4_rot180", "kind": "record",
             "scan": [("photocopy", 0.3), ("skew", 0.7), ("noise", 5), ("store_rotated_cw", 180)]},
            {"name": "id_copy", "kind": "id_copy", "scan": [("photocopy", 0.45), ("noise", 5)]},
            {"name": "bank_book", "kind": "bank_book", "scan": [("photocopy", 0.4), ("skew", -0.8), ("noise", 5)]},
        ],
        "expected": {"status": "pending_documents", "payable": "0.00",
                     "missing_documents": ["detail_list"]},
    },
    {
        "packet": "04_second_claim_same_member",
        "member": "zhang_wei",
        "hospital": "复旦大学附属华山医院", "hospital_grade": "三级甲等综合医院",
        "department": "呼吸内科", "visit_date": "2026-11-02", "visit_time": "08:52:09",
        "charge_time": "09:20:46", "first_visit": False, "doctor": "陈",
        "receipt": {
            "invoice_number": "2611007765", "serial": "1001901318", "cashier": "0417",
            "insurance_type": "城保",
            "categories": [("西药费", "380.00"), ("化验费", "120.00")],
            "total": "500.00", "cash_paid": "500.00", "account_paid": "0.00",
            "fund_paid": "0.00", "additional_paid": "0.00", "category_self_pay": "0.00",
            "self_borne": "500.00", "self_pay": "0.00",
            "account_balance_current": "0.00", "account_balance_past": "1365.20",
        },
        "rows": [
            row("X86900712", "头孢克洛缓释片", "0.375g*6片/盒", "2", "盒", "98.00", "196.00",
                "西药费", days=5, drug_class="乙10%"),
            row("X86902218", "盐酸氨溴索口服液", "100ml/瓶", "1", "瓶", "140.00", "140.00",
                "西药费", days=5, drug_class="甲"),
            row("X86907742", "孟鲁司特钠片", "10mg*5片/盒", "1", "盒", "44.00", "44.00",
                "西药费", days=5, drug_class="乙"),
            row("S250101015", "血常规(五分类)", "", "1", "次", "30.00", "30.00", "化验费"),
            row("S250402035", "C反应蛋白测定", "", "1", "项", "50.00", "50.00", "化验费"),
            row("S250402061", "降钙素原测定", "", "1", "项", "40.00", "40.00", "化验费"),
        ],
        "record": {
            "labels": LABELS_A,
            "chief_complaint": "咳嗽咳痰3周，复诊。",
            "present_illness": "患者3周前诊断急性支气管炎，经抗感染、止咳化痰治疗后体温正常，"
                               "咳嗽较前明显减轻，仍有少量白痰，夜间偶咳，无发热、胸闷。",
            "past_history": "否认高血压、糖尿病史，否认药物过敏史。",
            "positive_signs": "T 36.6℃，两肺呼吸音稍粗，未闻及干湿啰音。",
            "auxiliary_exam": "血常规 WBC 7.4×10^9/L；C反应蛋白 6mg/L。",
            "diagnosis": "急性支气管炎(好转)",
            "treatment": "头孢克洛缓释片 0.375g bid×5天；盐酸氨溴索口服液 10ml tid；"
                         "孟鲁司特钠片 10mg qn；避免受凉，1周后如仍咳嗽复诊。",
        },
        "pages": [
            {"name": "receipt_phone_photo_rot90", "kind": "receipt", "ink": "brown", "seal": "red",
             "seal_over": "化验费", "seal_offset": (70, -20), "holes": True,
             "scan": [("phone_photo", 0), ("store_rotated_cw", 90)]},
            {"name": "record_a4_follow_up", "kind": "record",
             "scan": [("photocopy", 0.3), ("skew", -0.4), ("noise", 5)]},
            {"name": "detail_list", "kind": "detail_list",
             "scan": [("tint", "white"), ("skew", -0.3), ("noise", 4)]},
            {"name": "id_copy", "kind": "id_copy", "scan": [("photocopy", 0.4), ("skew", 0.8), ("noise", 5)]},
            {"name": "bank_book", "kind": "bank_book", "scan": [("photocopy", 0.45), ("noise", 5)]},
        ],
        "expected": {"status": "approved", "payable": "350.00", "missing_documents": []},
    },
]

# =============================================================================
# Fonts and colours
# =============================================================================

FONT_FILES = {
    # Song/Ming face: pre-printed forms, close to what the form printers use.
    "song": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    # Sans SC: EMR printouts and office printers.
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    # Monospaced SC: dot-matrix values have a fixed character pitch.
    "mono": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 7),
    "serif_bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
}
_font_cache: dict = {}


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    key = (kind, size)
    if key not in _font_cache:
        path, index = FONT_FILES[kind]
        _font_cache[key] = ImageFont.truetype(path, size, index=index)
    return _font_cache[key]


FORM_INKS = {"brown": (150, 72, 58), "green": (78, 112, 96)}
PAPER = {"receipt": (244, 239, 224), "white": (250, 250, 247)}
PRINTER_INK = (28, 30, 52)          # worn black/blue ribbon of a dot-matrix printer
SEAL_INKS = {"red": (214, 38, 44), "blue": (40, 72, 178)}
NUMBER_RED = (205, 48, 50)
A4 = (1240, 1754)
RECEIPT = (1650, 1050)

# =============================================================================
# Small helpers
# =============================================================================


def money(value) -> str:
    return f"{Decimal(value):.2f}"


DIGITS_CAP = "零壹贰叁肆伍陆柒捌玖"


def rmb_in_words(amount: str) -> str:
    """Capital-numeral amount as printed in 合计(大写), e.g. 1250.00 -> 壹仟贰佰伍拾元整."""
    cents = int((Decimal(amount) * 100).to_integral_value())
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out, zero_pending = "", False
    units = [(10000, "万"), (1000, "仟"), (100, "佰"), (10, "拾"), (1, "")]
    if yuan >= 10000:
        out += rmb_in_words(str(yuan // 10000)).removesuffix("元整") + "万"
        yuan %= 10000
        zero_pending = 0 < yuan < 1000
    for base, unit in units[1:]:
        digit = yuan // base % 10
        if digit:
            if zero_pending:
                out += "零"
            out += DIGITS_CAP[digit] + unit
            zero_pending = False
        elif out:
            zero_pending = True
    out = (out or "零") + "元"
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += DIGITS_CAP[jiao] + "角"
    elif fen:
        out += "零"
    if fen:
        out += DIGITS_CAP[fen] + "分"
    return out


def seeded(name: str) -> tuple[random.Random, np.random.Generator]:
    """Both generators seeded from the page's name: stable across runs and machines."""
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return random.Random(seed), np.random.default_rng(seed)


def dotted(date: str) -> str:
    return date.replace("-", ".")


def age_on(birth: str, day: str) -> int:
    by, bm, bd = map(int, birth.split("-"))
    y, m, d = map(int, day.split("-"))
    return y - by - ((m, d) < (bm, bd))


def text_width(text: str, fnt) -> int:
    return int(fnt.getlength(text))


def draw_spaced(draw, xy, text, fnt, fill, spacing):
    """Draw characters with extra tracking (titles on forms are letter-spaced)."""
    x, y = xy
    for ch in text:
        draw.text((x, y), ch, font=fnt, fill=fill)
        x += fnt.getlength(ch) + spacing
    return x


def wrap_text(text: str, fnt, width: int) -> list[str]:
    """Greedy character wrap (Chinese has no word spaces; keep ASCII words whole)."""
    tokens, buf = [], ""
    for ch in text:
        if ch.isascii() and ch not in " ;,":
            buf += ch
            continue
        if buf:
            tokens.append(buf)
            buf = ""
        tokens.append(ch)
    if buf:
        tokens.append(buf)
    lines, line = [], ""
    for tok in tokens:
        if fnt.getlength(line + tok) > width and line:
            lines.append(line)
            line = tok.lstrip()
        else:
            line += tok
    if line:
        lines.append(line)
    return lines


# =============================================================================
# Marks put on paper: dot-matrix print, seals, handwriting
# =============================================================================


def dot_matrix_text(page: Image.Image, xy, text: str, size: int, rng: random.Random,
                    ink=PRINTER_INK, anchor_right=False):
    """Print text as a 9-pin printer does: a grid of round dots, some weak, ink
    blended over the form. Returns the box [x0, y0, x1, y1] of the printed text."""
    fnt = font("mono", size)
    w = text_width(text, fnt) + 6
    h = size + 12
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).text((3, 2), text, font=fnt, fill=255)
    m = np.asarray(mask, dtype=np.float32) / 255.0
    # Sample on a 2-px grid and redraw every hit as a round dot of varying strength.
    pitch = 2
    grid = np.zeros_like(m)
    grid[::pitch, ::pitch] = (m[::pitch, ::pitch] > 0.35).astype(np.float32)
    strength = np.asarray([rng.uniform(0.65, 1.0) for _ in range(grid.size)],
                          dtype=np.float32).reshape(grid.shape)
    grid *= strength
    dots = cv2.GaussianBlur(grid, (5, 5), 0.9) * 3.2
    alpha = np.clip(dots, 0, 1) * rng.uniform(0.85, 0.95)
    x, y = int(xy[0]), int(xy[1])
    if anchor_right:
        x -= w
    blend_ink(page, alpha, (x, y), ink)
    return [x + 3, y + 2, x + w - 3, y + h - 6]


def blend_ink(page: Image.Image, alpha: np.ndarray, xy, ink, multiply=False):
    """Lay an ink layer (alpha in 0..1) onto the page in place. multiply=True
    is how a translucent stamp behaves: dark print under it stays dark."""
    x, y = xy
    arr = np.asarray(page, dtype=np.float32)
    h, w = alpha.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, arr.shape[1]), min(y + h, arr.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    region = arr[y0:y1, x0:x1]
    ink_arr = np.asarray(ink, dtype=np.float32)[None, None, :]
    if multiply:
        region = region * (1 - a + a * ink_arr / 255.0)
    else:
        region = region * (1 - a) + ink_arr * a
    arr[y0:y1, x0:x1] = region
    page.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))


def _glyph(ch: str, fnt, angle_deg: float) -> Image.Image:
    size = int(fnt.size * 1.6)
    im = Image.new("L", (size, size), 0)
    ImageDraw.Draw(im).text((size / 2, size / 2), ch, font=fnt, fill=255, anchor="mm")
    return im.rotate(-angle_deg, resample=Image.BICUBIC)


def text_on_ellipse(layer: Image.Image, center, rx, ry, text, fnt, start_deg, end_deg):
    """Set characters along an arc (angles in degrees, 0 = up, clockwise), each
    turned to face outwards as on a carved stamp."""
    n = len(text)
    for i, ch in enumerate(text):
        t = start_deg + (end_deg - start_deg) * (i / (n - 1) if n > 1 else 0.5)
        rad = math.radians(t)
        px = center[0] + rx * math.sin(rad)
        py = center[1] - ry * math.cos(rad)
        g = _glyph(ch, fnt, t)
        layer.paste(255, (int(px - g.width / 2), int(py - g.height / 2)), g)


def star(draw, center, r, fill):
    pts = []
    for k in range(10):
        rad = math.radians(-90 + k * 36)
        rr = r if k % 2 == 0 else r * 0.4
        pts.append((center[0] + rr * math.cos(rad), center[1] + rr * math.sin(rad)))
    draw.polygon(pts, fill=fill)


def stamp_texture(mask: Image.Image, np_rng, coverage=0.9) -> np.ndarray:
    """Uneven ink of a rubber stamp: blotchy strength, a few starved patches."""
    a = np.asarray(mask, dtype=np.float32) / 255.0
    noise = np_rng.random((a.shape[0] // 8 + 1, a.shape[1] // 8 + 1)).astype(np.float32)
    noise = cv2.resize(noise, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_CUBIC)
    grain = np_rng.random(a.shape).astype(np.float32)
    strength = np.clip(0.55 + 0.5 * noise, 0, 1) * (grain > 0.06)
    return cv2.GaussianBlur(a * strength, (3, 3), 0.7) * coverage


def round_seal(hospital: str, radius: int, np_rng) -> np.ndarray:
    """收费专用章: ring, hospital name on the upper arc, star, 收费专用章 below."""
    size = radius * 2 + 20
    c = (size / 2, size / 2)
    layer = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(layer)
    d.ellipse([c[0] - radius, c[1] - radius, c[0] + radius, c[1] + radius], outline=255, width=7)
    fnt = font("serif_bold", int(radius * 0.27))
    span = min(125, 22 * len(hospital) / 2)
    text_on_ellipse(layer, c, radius * 0.76, radius * 0.76, hospital, fnt, -span, span)
    star(d, (c[0], c[1] - radius * 0.02), radius * 0.2, 255)
    f2 = font("serif_bold", int(radius * 0.2))
    d.text((c[0], c[1] + radius * 0.5), "收费专用章", font=f2, fill=255, anchor="mm")
    return stamp_texture(layer, np_rng)


def oval_supervision_seal(rx: int, ry: int, np_rng) -> np.ndarray:
    """上海市财政票据监制章: the oval printed with the form, near the title."""
    w, h = rx * 2 + 16, ry * 2 + 16
    c = (w / 2, h / 2)
    layer = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(layer)
    d.ellipse([c[0] - rx, c[1] - ry, c[0] + rx, c[1] + ry], outline=255, width=4)
    # Only the arc legend: the form prints 上海市 and the title across the oval.
    text_on_ellipse(layer, c, rx * 0.8, ry * 0.72, "上海市财政票据监制章", font("serif_bold", int(ry * 0.28)), -75, 75)
    return stamp_texture(layer, np_rng, coverage=0.85)


def signature_scribble(width: int, height: int, rng: random.Random) -> np.ndarray:
    """A doctor's signature: fast looping pen strokes (prolate trochoids, so the
    pen loops back as in cursive), no legible characters."""
    scale = 2                                              # drawn at 2x, then downsampled
    canvas = np.zeros((height * scale, width * scale), np.uint8)
    x = width * scale * rng.uniform(0.03, 0.08)
    mid = height * scale * 0.5
    for _ in range(rng.randint(2, 3)):                     # one stroke per "character"
        n_loops = rng.uniform(1.6, 3.2)
        t = np.linspace(0, n_loops * 2 * np.pi, 160)
        # irregular pen speed and loop size so the loops do not repeat evenly
        wobble = np.cumsum(np.asarray([rng.uniform(0.6, 1.5) for _ in t])) / t.size
        advance = rng.uniform(8, 14) * scale
        loop_r = np.asarray([rng.uniform(6, 18) for _ in range(int(n_loops) + 2)]) * scale
        loop_r = np.interp(t, np.linspace(0, t[-1], loop_r.size), loop_r)
        amp = height * scale * np.interp(t, np.linspace(0, t[-1], 4),
                                         [rng.uniform(0.15, 0.45) for _ in range(4)])
        xs = x + advance * t / np.pi * (0.6 + wobble) + loop_r * np.cos(t + rng.uniform(0, 1))
        ys = mid + amp * np.sin(t * rng.uniform(0.8, 1.3)) - rng.uniform(-8, 8) * scale
        ys += np.linspace(0, rng.uniform(-10, 10), t.size) * scale      # slanting baseline
        pts = np.stack([xs, ys], 1).astype(np.int32)
        cv2.polylines(canvas, [pts], False, 255, rng.randint(3, 4) * scale // 2 + 2, cv2.LINE_AA)
        x = xs.max() + rng.uniform(8, 18) * scale
    # closing flourish under the name
    fx = np.linspace(width * scale * 0.05, min(x, width * scale * 0.98), 40)
    fy = height * scale * 0.86 + np.sin(np.linspace(0, 2.6, 40)) * 6 * scale
    cv2.polylines(canvas, [np.stack([fx, fy], 1).astype(np.int32)], False, 255, 4, cv2.LINE_AA)
    small = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


# =============================================================================
# Document renderers: each returns (RGBA page, truth dict)
# =============================================================================


@dataclass
class Rendered:
    image: Image.Image                      # RGB page
    truth: dict
    paper_mask: np.ndarray | None = None    # 1 = paper, 0 = hole/outside (for photos)
    boxes: dict = field(default_factory=dict)


def receipt_item_name(r: dict) -> str:
    if r["self_pay"]:
        return "(自费)" + r["name"]
    return f"({r['drug_class']})" + r["name"] if r["drug_class"] else r["name"]


def render_receipt(pk: dict, member: dict, page: dict, rng, np_rng) -> Rendered:
    """Paper 上海市医疗门(急)诊收费票据: pre-printed form + dot-matrix values."""
    W, H = RECEIPT
    img = Image.new("RGB", (W, H), PAPER["receipt"])
    form = FORM_INKS[page["ink"]]
    d = ImageDraw.Draw(img)
    rc = pk["receipt"]

    # Faint security guilloche of the form paper.
    for k in range(0, H, 9):
        pts = [(x, k + 4 * math.sin(x / 37.0 + k)) for x in range(0, W, 12)]
        d.line(pts, fill=(236, 230, 212), width=1)

    fs = font("song", 22)
    # --- pre-printed form ---------------------------------------------------
    d.text((230, 140), pk["hospital"], font=font("serif_bold", 36), fill=form)
    draw_spaced(d, (800, 90), "上海市", font("serif_bold", 38), form, 40)
    draw_spaced(d, (760, 146), "医疗门(急)诊收费票据", font("serif_bold", 40), form, 6)
    d.text((180, 222), "业务流水号:", font=fs, fill=form)
    d.text((560, 222), "医疗机构类型:", font=fs, fill=form)
    d.text((1190, 208), "NO.", font=font("song", 26), fill=form)
    L, T, R, B = 175, 258, 1475, 905
    d.rectangle([L, T, R, B], outline=form, width=2)
    d.line([L, T + 42, R, T + 42], fill=form, width=1)
    d.text((L + 10, T + 10), "姓名:", font=fs, fill=form)
    d.text((L + 300, T + 10), "性别:", font=fs, fill=form)
    d.text((L + 430, T + 10), "医保类型:", font=fs, fill=form)
    d.text((L + 850, T + 10), "社会保障号码:", font=fs, fill=form)
    MID = 665
    d.line([MID, T + 42, MID, B], fill=form, width=1)
    hy = T + 42
    d.text((245, hy + 10), "项目", font=fs, fill=form)
    d.text((455, hy + 10), "金额(元)", font=fs, fill=form)
    d.line([L, hy + 42, R, hy + 42], fill=form, width=1)
    cols = {"code": 675, "name": 805, "spec": 1050, "qty": 1190, "price": 1330, "amount": 1465}
    d.text((cols["code"] + 10, hy + 10), "项目编码", font=fs, fill=form)
    d.text((cols["name"] + 70, hy + 10), "名称", font=fs, fill=form)
    d.text((cols["spec"] + 20, hy + 10), "规格", font=fs, fill=form)
    d.text((cols["qty"], hy + 10), "数量", font=fs, fill=form)
    d.text((cols["price"] - 60, hy + 10), "单价", font=fs, fill=form)
    d.text((cols["amount"] - 95, hy + 10), "金额(元)", font=fs, fill=form)
    box_top = 585
    d.line([L, box_top, MID, box_top], fill=form, width=1)
    labels = [
        (box_top + 12, [(185, "合计(大写):")]),
        (box_top + 56, [(185, "现金支付:"), (415, "个人账户支付:")]),
        (box_top + 96, [(185, "医保统筹支付:"), (445, "附加支付:")]),
        (box_top + 136, [(185, "现金支付中: 分类自负"), (505, "元"), (530, "自负"), (660, "元")]),
        (box_top + 176, [(185, "自费"), (318, "元(不属于医保报销范围)")]),
        (box_top + 226, [(185, "当年账户余额:"), (420, "历年账户余额:")]),
    ]
    for y, parts in labels:
        for x, text in parts:
            d.text((x, y), text, font=fs, fill=form)
    d.line([L, box_top + 44, MID, box_top + 44], fill=form, width=1)
    d.line([L, box_top + 214, MID, box_top + 214], fill=form, width=1)
    d.line([L, box_top + 262, MID, box_top + 262], fill=form, width=1)
    d.text((990, B - 40), "本收据盖章有效, 遗失不补不退, 请妥善保管", font=font("song", 20), fill=form)
    d.text((185, B + 22), "收款单位(章):", font=fs, fill=form)
    d.text((600, B + 22), "收款员:", font=fs, fill=form)
    # vertical margin texts of the form
    for i, ch in enumerate("第一联 收据联 盖章有效 遗失不补"):
        d.text((1500, 330 + i * 26), ch, font=font("song", 20), fill=form)
    for i, ch in enumerate("上海印刷公司 2025年12月印制"):
        d.text((135, 300 + i * 24), ch, font=font("song", 18), fill=form)

    # Form-printed red invoice number (numbering machine, not the dot-matrix head).
    draw_spaced(d, (1250, 196), rc["invoice_number"], font("song", 40), NUMBER_RED, 1)

    # Pre-printed supervision oval near the title (part of the form, red).
    oval = oval_supervision_seal(118, 74, np_rng)
    blend_ink(img, oval, (880 - oval.shape[1] // 2, 126 - oval.shape[0] // 2), SEAL_INKS["red"],
              multiply=True)

    # --- dot-matrix values, off the form's lines --------------------------
    ox, oy = rng.randint(-5, 6), rng.randint(-4, 5)      # paper fed a little off
    drift_block = "payment"                              # one block printed a row-fraction low

    def val(x, y, text, size=24, right=False, block=None):
        dy = 9 if block == drift_block else 0
        return dot_matrix_text(img, (x + ox + rng.randint(-2, 2), y + oy + dy + rng.randint(-1, 1)),
                               text, size, rng, anchor_right=right)

    boxes = {}
    val(315, 216, rc["serial"])
    val(720, 226, pk["hospital_grade"])
    val(L + 70, T + 6, member["name"])
    val(L + 360, T + 6, member["sex"])
    val(L + 540, T + 6, rc["insurance_type"])
    val(L + 1010, T + 6, member["id_number"])
    y = hy + 56
    for cat, amount in rc["categories"]:
        val(190, y, cat)
        boxes[cat] = val(612, y, amount, right=True)
        y += 38
    val(390, y + 8, "合计")
    boxes["total"] = val(612, y + 8, rc["total"], right=True)
    ry = hy + 56
    for r in pk["rows"]:
        val(cols["code"], ry, r["code"], size=19)
        name = receipt_item_name(r)
        fnt_name_w = text_width(name, font("mono", 20))
        # the printer truncates names that overrun the column, as on real receipts
        val(cols["name"], ry, name if fnt_name_w < 250 else name[:11], size=21)
        val(cols["spec"], ry, r["spec"][:12], size=19)
        val(cols["qty"] + 12, ry, r["quantity"], size=19)
        val(cols["price"], ry, r["unit_price"], size=19, right=True)
        val(cols["amount"], ry, r["amount"], size=19, right=True)
        ry += 32
    words = rmb_in_words(rc["total"])
    val(315, box_top + 6, words, size=26)
    val(290, box_top + 50, rc["cash_paid"], block="payment")
    val(570, box_top + 50, rc["account_paid"], block="payment")
    val(330, box_top + 90, rc["fund_paid"], block="payment")
    val(555, box_top + 90, rc["additional_paid"], block="payment")
    val(432, box_top + 130, rc["category_self_pay"], size=22, block="payment")
    val(578, box_top + 130, rc["self_borne"], size=22, block="payment")
    val(232, box_top + 170, rc["self_pay"], size=22)
    val(335, box_top + 220, rc["account_balance_current"], size=22)
    val(570, box_top + 220, rc["account_balance_past"], size=22)
    val(690, B + 18, rc["cashier"])
    vdate = f"{dotted(pk['visit_date'])} {pk['visit_time']}"
    cdate = f"{dotted(pk['visit_date'])} {pk['charge_time']}"
    val(1010, B + 4, "就诊日期:" + vdate, size=22)
    val(1010, B + 36, "收费日期:" + cdate, size=22)

    # --- the cashier's round seal, over one amount ------------------------
    target = boxes[page["seal_over"]]
    seal = round_seal(pk["hospital"], 122, np_rng)
    # The clerk stamps across the amount column. Where exactly is page data
    # (seal_offset, from the target amount's centre) so that it can be chosen
    # to leave the digits legible, as they are on real paper.
    dx, dy = page.get("seal_offset", (rng.randint(25, 55), rng.randint(5, 25)))
    cx = (target[0] + target[2]) // 2 + dx
    cy = (target[1] + target[3]) // 2 + dy
    blend_ink(img, seal * 0.68, (cx - seal.shape[1] // 2, cy - seal.shape[0] // 2),
              SEAL_INKS[page["seal"]], multiply=True)

    # Continuous-form tractor holes along both edges.
    paper = np.ones((H, W), np.float32)
    if page.get("holes"):
        for yy in range(60, H - 30, 100):
            for xx in (48, W - 48):
                cv2.circle(paper, (xx, yy), 13, 0, -1, cv2.LINE_AA)

    truth = {
        "doc_type": "receipt",
        "rotation": 0,
        "fields": {
            "invoice_number": rc["invoice_number"],
            "hospital": pk["hospital"],
            "payer_name": member["name"],
            "insurance_type": rc["insurance_type"],
            "insurance_number": member["id_number"],
            "visit_date": pk["visit_date"],
            "issue_date": pk["visit_date"],
            "total": rc["total"],
            "total_in_words": money(rc["total"]),
            "cash_paid": rc["cash_paid"],
            "account_paid": rc["account_paid"],
            "fund_paid": rc["fund_paid"],
            "additional_paid": rc["additional_paid"],
            "category_self_pay": rc["category_self_pay"],
            "self_borne": rc["self_borne"],
            "self_pay": rc["self_pay"],
            "account_balance_current": rc["account_balance_current"],
            "account_balance_past": rc["account_balance_past"],
        },
        "items": [{"name": c, "category": c, "amount": a} for c, a in rc["categories"]],
        "detail_items": [
            {"code": r["code"], "name": receipt_item_name(r), "spec": r["spec"],
             "quantity": r["quantity"], "unit_price": r["unit_price"], "amount": r["amount"]}
            for r in pk["rows"]],
    }
    return Rendered(img, truth, paper, boxes)


def a4_page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", A4, PAPER["white"])
    return img, ImageDraw.Draw(img)


def render_record(pk: dict, member: dict, page: dict, rng, np_rng) -> Rendered:
    """A4 门诊病历 printed from the hospital's EMR, signed by hand."""
    img, d = a4_page()
    rec, labels = pk["record"], pk["record"]["labels"]
    W = A4[0]
    black = (22, 22, 22)
    d.text((W / 2, 120), pk["hospital"], font=font("sans_bold", 46), fill=black, anchor="mm")
    d.text((W / 2, 190), "门 诊 病 历", font=font("sans_bold", 40), fill=black, anchor="mm")
    f = font("sans", 28)
    fb = font("sans_bold", 28)
    d.line([90, 240, W - 90, 240], fill=black, width=3)
    y = 262
    age = age_on(member["birth_date"], pk["visit_date"])
    for x, text in [(100, f"姓名:{member['name']}"), (400, f"性别:{member['sex']}"),
                    (620, f"年龄:{age}岁"), (850, f"门诊号:{member['id_number'][-8:-2]}")]:
        d.text((x, y), text, font=f, fill=black)
    y += 50
    for x, text in [(100, f"就诊日期:{pk['visit_date']}"),
                    (520, f"{labels['department']}:{pk['department']}"),
                    (900, "初诊" if pk["first_visit"] else "复诊")]:
        d.text((x, y), text, font=f, fill=black)
    y += 56
    d.line([90, y, W - 90, y], fill=black, width=2)
    y += 28
    sections = [("主诉", "chief_complaint"), ("现病史", "present_illness"),
                ("既往史", "past_history"), (labels["positive_signs"], "positive_signs"),
                ("辅助检查", "auxiliary_exam"), ("诊断", "diagnosis"),
                (labels["treatment"], "treatment")]
    for label, key in sections:
        head = f"{label}:"
        d.text((100, y), head, font=fb, fill=black)
        indent = 100 + text_width(head, fb) + 8
        for i, line in enumerate(wrap_text(rec[key], f, W - 110 - indent)):
            d.text((indent, y), line, font=f, fill=black)
            y += 46
        y += 22
    y = max(y + 40, 1380)
    d.text((700, y), "医师签名:", font=fb, fill=black)
    sig = signature_scribble(300, 110, rng)
    blend_ink(img, sig * 0.92, (700 + text_width("医师签名:", fb) + 10, y - 45), (25, 35, 95))
    d.line([90, 1640, W - 90, 1640], fill=black, width=1)
    d.text((100, 1655), f"打印时间:{pk['visit_date']} {pk['charge_time'][:5]}", font=font("sans", 20), fill=black)
    d.text((W - 100, 1655), "第1页/共1页", font=font("sans", 20), fill=black, anchor="ra")
    truth = {
        "doc_type": "medical_record", "rotation": 0,
        "fields": {
            "patient_name": member["name"], "hospital": pk["hospital"],
            "visit_date": pk["visit_date"], "department": pk["department"],
            "first_visit": pk["first_visit"],
            **{k: rec[k] for _, k in sections},
            "doctor_signature": True,
        },
        "items": [],
    }
    return Rendered(img, truth)


def render_detail_list(pk: dict, member: dict, page: dict, rng, np_rng) -> Rendered:
    """A4 电脑打印 门诊费用明细清单 with a 天数 column for drugs."""
    img, d = a4_page()
    W = A4[0]
    black = (25, 25, 25)
    f = font("sans", 23)
    d.text((W / 2, 110), pk["hospital"], font=font("sans_bold", 40), fill=black, anchor="mm")
    d.text((W / 2, 170), "门诊费用明细清单", font=font("sans_bold", 36), fill=black, anchor="mm")
    y = 230
    for x, text in [(80, f"姓名:{member['name']}"), (330, f"性别:{member['sex']}"),
                    (520, f"科室:{pk['department']}"), (820, f"就诊日期:{pk['visit_date']}")]:
        d.text((x, y), text, font=f, fill=black)
    y += 44
    d.text((80, y), f"发票号:{pk['receipt']['invoice_number']}", font=f, fill=black)
    d.text((520, y), f"医保类型:{pk['receipt']['insurance_type']}", font=f, fill=black)
    y += 52
    # column: (title, left x, right x, alignment)
    cols = [("类别", 70, 170, "l"), ("项目名称", 170, 445, "l"), ("规格", 445, 630, "l"),
            ("数量", 630, 700, "r"), ("单位", 700, 770, "c"), ("单价", 770, 880, "r"),
            ("金额", 880, 1000, "r"), ("天数", 1000, 1070, "c"), ("备注", 1070, 1170, "c")]
    row_h = 44
    top = y
    d.line([70, y, 1170, y], fill=black, width=2)

    def cell(text, c, yy, fnt=f):
        _, x0, x1, al = c
        if al == "l":
            d.text((x0 + 6, yy + 9), text, font=fnt, fill=black)
        elif al == "r":
            d.text((x1 - 8, yy + 9), text, font=fnt, fill=black, anchor="ra")
        else:
            d.text(((x0 + x1) / 2, yy + 9), text, font=fnt, fill=black, anchor="ma")

    for c in cols:
        cell(c[0], c, y, font("sans_bold", 23))
    y += row_h
    d.line([70, y, 1170, y], fill=black, width=1)
    for r in pk["rows"]:
        values = [r["category"], r["name"], r["spec"], r["quantity"], r["unit"], r["unit_price"],
                  r["amount"], str(r["days"]) if r["days"] else "", "自费" if r["self_pay"] else ""]
        for c, v in zip(cols, values):
            cell(v, c, y)
        y += row_h
        d.line([70, y, 1170, y], fill=(120, 120, 120), width=1)
    d.line([70, y, 1170, y], fill=black, width=2)
    for c in cols:
        d.line([c[1], top, c[1], y], fill=black, width=1)
    d.line([1170, top, 1170, y], fill=black, width=1)
    y += 20
    total = pk["receipt"]["total"]
    d.text((80, y), f"合计:{total}", font=font("sans_bold", 26), fill=black)
    d.text((420, y), f"大写:{rmb_in_words(total)}", font=f, fill=black)
    y += 50
    subtotal = "  ".join(f"{c}{a}" for c, a in pk["receipt"]["categories"])
    d.text((80, y), f"分类小计:{subtotal}", font=f, fill=black)
    d.text((80, 1640), f"打印时间:{pk['visit_date']} {pk['charge_time']}", font=font("sans", 20), fill=black)
    d.text((W - 80, 1640), "本清单仅供核对费用使用", font=font("sans", 20), fill=black, anchor="ra")
    truth = {
        "doc_type": "detail_list", "rotation": 0,
        "fields": {"patient_name": member["name"], "hospital": pk["hospital"],
                   "visit_date": pk["visit_date"], "total": total},
        "items": [{"name": r["name"], "spec": r["spec"], "quantity": r["quantity"],
                   "unit": r["unit"], "unit_price": r["unit_price"], "amount": r["amount"],
                   "days": r["days"], "self_pay": r["self_pay"], "category": r["category"]}
                  for r in pk["rows"]],
    }
    return Rendered(img, truth)


def rounded_card(img, box, radius=30, fill=(246, 246, 244), outline=(90, 90, 90)):
    ImageDraw.Draw(img).rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=3)


def render_id_copy(pk: dict, member: dict, page: dict, rng, np_rng) -> Rendered:
    """A4 copy of both sides of a 居民身份证, enlarged 1.5x as copy shops do."""
    img, d = a4_page()
    label = (60, 90, 130)
    ink = (20, 20, 20)
    fl, fv = font("sans", 24), font("sans", 30)
    # front
    x0, y0, w, h = 230, 220, 780, 492
    rounded_card(img, [x0, y0, x0 + w, y0 + h])
    by, bm, bd = member["birth_date"].split("-")
    d.text((x0 + 45, y0 + 50), "姓名", font=fl, fill=label)
    d.text((x0 + 130, y0 + 44), member["name"], font=font("sans_bold", 34), fill=ink)
    d.text((x0 + 45, y0 + 115), "性别", font=fl, fill=label)
    d.text((x0 + 130, y0 + 110), member["sex"], font=fv, fill=ink)
    d.text((x0 + 230, y0 + 115), "民族", font=fl, fill=label)
    d.text((x0 + 310, y0 + 110), member["ethnicity"], font=fv, fill=ink)
    d.text((x0 + 45, y0 + 180), "出生", font=fl, fill=label)
    d.text((x0 + 130, y0 + 175), f"{int(by)}年{int(bm)}月{int(bd)}日", font=fv, fill=ink)
    d.text((x0 + 45, y0 + 245), "住址", font=fl, fill=label)
    for i, line in enumerate(member["address"]):
        d.text((x0 + 130, y0 + 240 + i * 44), line, font=fv, fill=ink)
    d.text((x0 + 45, y0 + 410), "公民身份号码", font=fl, fill=label)
    draw_spaced(d, (x0 + 225, y0 + 402), member["id_number"], font("sans", 34), ink, 3)
    # photo: a plain silhouette (no face)
    px, py = x0 + 540, y0 + 60
    d.rectangle([px, py, px + 200, py + 250], fill=(225, 225, 225))
    d.ellipse([px + 55, py + 40, px + 145, py + 150], fill=(150, 150, 150))
    d.pieslice([px + 15, py + 150, px + 185, py + 330], 180, 360, fill=(150, 150, 150))
    # back
    x0, y0 = 230, 860
    rounded_card(img, [x0, y0, x0 + w, y0 + h])
    c = (x0 + 110, y0 + 110)
    d.ellipse([c[0] - 70, c[1] - 70, c[0] + 70, c[1] + 70], outline=(120, 60, 60), width=6)
    star(d, c, 34, (120, 60, 60))
    d.text((x0 + 230, y0 + 60), "中华人民共和国", font=font("sans_bold", 48), fill=ink)
    draw_spaced(d, (x0 + 230, y0 + 150), "居民身份证", font("sans_bold", 62), ink, 14)
    d.text((x0 + 90, y0 + 330), "签发机关", font=fl, fill=label)
    d.text((x0 + 220, y0 + 325), member["id_issuer"], font=fv, fill=ink)
    d.text((x0 + 90, y0 + 400), "有效期限", font=fl, fill=label)
    d.text((x0 + 220, y0 + 395), member["id_valid"], font=fv, fill=ink)
    truth = {
        "doc_type": "id_copy", "rotation": 0,
        "fields": {"name": member["name"], "id_number": member["id_number"],
                   "sex": member["sex"], "birth_date": member["birth_date"]},
        "items": [],
    }
    return Rendered(img, truth)


def spaced_account(acct: str) -> str:
    return " ".join(acct[i:i + 4] for i in range(0, len(acct), 4))


def render_bank_book(pk: dict, member: dict, page: dict, rng, np_rng) -> Rendered:
    """A4 copy of a 活期储蓄存折's opened first spread."""
    img, d = a4_page()
    bank = member["bank"]
    ink = (25, 25, 25)
    x0, y0, w, h = 130, 260, 980, 640
    d.rectangle([x0, y0, x0 + w, y0 + h], fill=(244, 244, 240), outline=(80, 80, 80), width=3)
    d.line([x0, y0 + h // 2, x0 + w, y0 + h // 2], fill=(150, 150, 150), width=2)  # the fold
    c = (x0 + 80, y0 + 75)
    d.ellipse([c[0] - 40, c[1] - 40, c[0] + 40, c[1] + 40], outline=ink, width=5)
    d.rectangle([c[0] - 16, c[1] - 16, c[0] + 16, c[1] + 16], outline=ink, width=5)
    d.text((x0 + 140, y0 + 45), bank["name"], font=font("serif_bold", 46), fill=ink)
    d.text((x0 + 560, y0 + 55), "活期储蓄存折", font=font("sans_bold", 36), fill=ink)
    f = font("sans", 30)
    lines = [("户名:", member["name"]), ("账号:", spaced_account(bank["account"])),
             ("开户网点:", bank["branch"]), ("开户日期:", bank["opened"]), ("币种:", "人民币")]
    y = y0 + 350
    for lab, v in lines:
        d.text((x0 + 80, y), lab, font=f, fill=ink)
        d.text((x0 + 250, y), v, font=font("sans", 32), fill=ink)
        y += 54
    # transaction page under it, partly filled
    x1, y1 = 130, 960
    d.rectangle([x1, y1, x1 + w, y1 + 520], fill=(244, 244, 240), outline=(80, 80, 80), width=3)
    heads = [("日期", 20), ("摘要", 200), ("支出", 360), ("存入", 540), ("余额", 720), ("网点", 880)]
    fs = font("sans", 24)
    for t, x in heads:
        d.text((x1 + x, y1 + 20), t, font=fs, fill=ink)
    d.line([x1, y1 + 62, x1 + w, y1 + 62], fill=ink, width=1)
    tx = [("开户", "", "500.00", "500.00"), ("工资", "", "8,200.00", "8,700.00"),
          ("消费", "1,320.50", "", "7,379.50")]
    opened = bank["opened"].replace("-", "")
    for i, (memo, out, inc, bal) in enumerate(tx):
        yy = y1 + 80 + i * 46
        date = opened if i == 0 else f"{int(opened[:4]) + 1 + i}0{i + 2}15"
        for text, x in [(date, 20), (memo, 200), (out, 360), (inc, 540), (bal, 720), ("0231", 880)]:
            d.text((x1 + x, yy), text, font=fs, fill=ink)
    truth = {
        "doc_type": "bank_book", "rotation": 0,
        "fields": {"bank_name": bank["name"], "account_number": bank["account"],
                   "account_holder": member["name"]},
        "items": [],
    }
    return Rendered(img, truth)


RENDERERS = {"receipt": render_receipt, "record": render_record,
             "detail_list": render_detail_list, "id_copy": render_id_copy,
             "bank_book": render_bank_book}

# =============================================================================
# Scanner / camera degradations: (page, paper_mask, rng, np_rng, param) -> page
# =============================================================================


def to_arr(img):
    return np.asarray(img, dtype=np.float32)


def to_img(arr):
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def paper_tint(img, ctx, param):
    """Uneven paper/lighting tone: a low-frequency multiplicative field."""
    base = np.array(PAPER.get(param, PAPER["white"]), np.float32) / 255.0
    h, w = img.height, img.width
    field_ = ctx.np_rng.random((6, 6)).astype(np.float32)
    field_ = cv2.resize(field_, (w, h), interpolation=cv2.INTER_CUBIC)
    shade = 0.96 + 0.04 * field_
    return to_img(to_arr(img) * base[None, None, :] * shade[:, :, None] / (base.max()))


def skew(img, ctx, degrees):
    """Paper placed crooked on the flatbed (positive = counter-clockwise)."""
    bg = (232, 232, 228)
    if ctx.paper_mask is not None:
        arr = to_arr(img)
        m = ctx.paper_mask[:, :, None]
        img = to_img(arr * m + np.array(bg, np.float32) * (1 - m))
        ctx.paper_mask = None
    return img.rotate(degrees, resample=Image.BICUBIC, expand=False, fillcolor=bg)


def gaussian_noise(img, ctx, sigma):
    arr = to_arr(img)
    n = ctx.np_rng.normal(0, sigma, arr.shape[:2]).astype(np.float32)[:, :, None]
    return to_img(arr + n)


def speckle(img, ctx, density):
    """Dust and toner specks of a dirty glass."""
    arr = to_arr(img)
    h, w = arr.shape[:2]
    n = int(h * w * density / 20)
    ys, xs = ctx.np_rng.integers(0, h, n), ctx.np_rng.integers(0, w, n)
    for y, x in zip(ys, xs):
        r = int(ctx.np_rng.integers(1, 3))
        cv2.circle(arr, (int(x), int(y)), r, (70, 70, 70), -1)
    return to_img(arr)


def blur(img, ctx, sigma):
    return to_img(cv2.GaussianBlur(to_arr(img), (0, 0), sigma))


def photocopy(img, ctx, strength):
    """Grey photocopy: toner curve (darks go black, light tints wash out), grey
    background haze, toner dust, a lid shadow at one edge and a drum streak."""
    g = np.asarray(img.convert("L"), np.float32)
    g = cv2.GaussianBlur(g, (0, 0), 0.6)                      # optics of the copier
    g = 255.0 / (1.0 + np.exp(-(g - 140.0) / 26.0))           # toner response curve
    h, w = g.shape
    low = cv2.resize(ctx.np_rng.random((5, 4)).astype(np.float32), (w, h),
                     interpolation=cv2.INTER_CUBIC)
    g = g * (1.0 - 0.11 * strength - 0.06 * strength * low)   # grey haze, uneven
    dust = ctx.np_rng.random((h, w)) < 0.0004 * strength
    g[cv2.dilate(dust.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] *= 0.45
    edge = np.linspace(1.0, 0.0, 70) ** 2 * 90 * strength
    g[:, :70] -= edge[None, :]                                 # lid shadow at the left edge
    x = int(ctx.rng.uniform(0.2, 0.8) * w)
    g[:, x:x + 3] -= 16 * strength                              # drum streak
    return to_img(np.stack([g, g, g * 0.985], -1))


def phone_photo(img, ctx, _):
    """Receipt photographed from above on a dark desk: perspective, uneven light,
    slight defocus, sensor noise. Output is the upright landscape photo."""
    rng, np_rng = ctx.rng, ctx.np_rng
    W, H = 1600, 1200
    desk = np.full((H, W, 3), (38, 34, 31), np.float32)
    grain = cv2.resize(np_rng.random((H // 40, W // 40)).astype(np.float32), (W, H))
    desk += (grain[:, :, None] - 0.5) * 18
    src = np.float32([[0, 0], [img.width, 0], [img.width, img.height], [0, img.height]])
    dst = np.float32([[140 + rng.uniform(-10, 10), 175], [1470, 150 + rng.uniform(-8, 8)],
                      [1500, 1030], [115, 1060]])
    M = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(to_arr(img), M, (W, H), flags=cv2.INTER_AREA)
    mask = ctx.paper_mask if ctx.paper_mask is not None else np.ones((img.height, img.width), np.float32)
    m = cv2.warpPerspective(mask, M, (W, H), flags=cv2.INTER_LINEAR)[:, :, None]
    shadow = cv2.GaussianBlur(cv2.warpPerspective(mask, M, (W, H)), (0, 0), 12)[:, :, None]
    desk *= 1 - 0.5 * shadow
    out = page * m + desk * (1 - m)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    light = 1.04 - 0.16 * (((xx - 0.35 * W) / W) ** 2 + ((yy - 0.3 * H) / H) ** 2)
    out *= light[:, :, None] * np.array([1.0, 0.98, 0.93], np.float32)   # warm indoor light
    out = cv2.GaussianBlur(out, (0, 0), 0.8)
    out += np_rng.normal(0, 4, out.shape[:2]).astype(np.float32)[:, :, None]
    ctx.paper_mask = None
    return to_img(out)


def store_rotated_cw(img, ctx, degrees):
    """Store the image turned `degrees` clockwise; reading it back needs the
    opposite turn, recorded as the truth's clockwise rotation."""
    ctx.rotation = (ctx.rotation - degrees) % 360
    return img.rotate(-degrees, expand=True)


DEGRADATIONS = {"tint": paper_tint, "skew": skew, "noise": gaussian_noise, "speckle": speckle,
                "blur": blur, "photocopy": photocopy, "phone_photo": phone_photo,
                "store_rotated_cw": store_rotated_cw}


@dataclass
class ScanContext:
    rng: random.Random
    np_rng: np.random.Generator
    paper_mask: np.ndarray | None
    rotation: int = 0


# =============================================================================
# Driver
# =============================================================================


def check_packet_consistency(pk: dict):
    """Fail loudly if the content tables contradict themselves."""
    rc = pk["receipt"]
    cats = dict(rc["categories"])
    assert sum(Decimal(a) for a in cats.values()) == Decimal(rc["total"]), pk["packet"]
    for cat, amount in cats.items():
        s = sum(Decimal(r["amount"]) for r in pk["rows"] if r["category"] == cat)
        assert s == Decimal(amount), (pk["packet"], cat, s, amount)
    for r in pk["rows"]:
        assert Decimal(r["quantity"]) * Decimal(r["unit_price"]) == Decimal(r["amount"]), r
        assert r["days"] is None or r["days"] <= 5, r
    paid = sum(Decimal(rc[k]) for k in ("fund_paid", "additional_paid", "account_paid", "cash_paid"))
    assert paid == Decimal(rc["total"]), pk["packet"]
    own = sum(Decimal(rc[k]) for k in ("category_self_pay", "self_borne", "self_pay"))
    assert own <= Decimal(rc["account_paid"]) + Decimal(rc["cash_paid"]), pk["packet"]


def make_page(pk: dict, page: dict, out_dir: Path, quality: int = 80) -> Path:
    member = MEMBERS[pk["member"]]
    rng, np_rng = seeded(f"{pk['packet']}/{page['name']}")
    rendered = RENDERERS[page["kind"]](pk, member, page, rng, np_rng)
    ctx = ScanContext(rng, np_rng, rendered.paper_mask)
    img = rendered.image
    if ctx.paper_mask is not None and not any(s[0] in ("skew", "phone_photo") for s in page["scan"]):
        img = skew(img, ctx, 0.0)   # flatten the tractor holes onto the scanner lid
    for step, param in page["scan"]:
        img = DEGRADATIONS[step](img, ctx, param)
    truth = dict(rendered.truth, rotation=ctx.rotation)
    path = out_dir / f"{page['name']}.jpg"
    img.convert("RGB").save(path, "JPEG", quality=quality, optimize=True)
    while path.stat().st_size > 590_000 and quality > 55:     # keep the repo small
        quality -= 5
        img.convert("RGB").save(path, "JPEG", quality=quality, optimize=True)
    (out_dir / f"{page['name']}.truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "sample_scans"))
    ap.add_argument("--only", help="generate only packets whose name contains this")
    args = ap.parse_args()
    out = Path(args.out)
    for pk in PACKETS:
        if args.only and args.only not in pk["packet"]:
            continue
        check_packet_consistency(pk)
        pdir = out / pk["packet"]
        pdir.mkdir(parents=True, exist_ok=True)
        for page in pk["pages"]:
            p = make_page(pk, page, pdir)
            print(f"{p.relative_to(out)}  {p.stat().st_size // 1024} KB")
        expected = {"packet": pk["packet"], **pk["expected"]}
        (out / f"{pk['packet']}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
