#!/usr/bin/env python3
"""Generate the labelled evaluation set in ``tests/eval_set/``.

A larger, more varied companion to ``make_sample_scans.py`` (whose drawing
helpers it imports): 70+ synthetic documents of every doc_type of
``shared/spec/extraction.md``, each saved as ``<doc_type>/<name>.<ext>`` with
``<name>.truth.json`` beside it. Nothing is taken from a real scan; names and
ID numbers are invented (ID numbers carry valid GB 11643 check digits).

Truth format (as in ``sample_scans/*/*.truth.json``)::

    {"doc_type": ..., "rotation": <degrees clockwise to turn the stored image
     upright>, "fields": {name: normalised value}, "items": [...],
     "detail_items": [...] (receipts: the right-hand rows as printed)}

* A field is in ``fields`` only if its value is printed on the page.
* Receipts: ``items`` are the 项目/金额 rows ({name, category, amount});
  registration slips print the total only in capital numerals, their truth
  still holds ``total`` (the amount the words spell) and ``total_in_words``.
* Electronic receipts (PDF with a text layer): 医保统筹基金支付 -> fund_paid,
  附加基金支付 -> additional_paid, 个人账户支付 -> account_paid,
  个人现金支付 -> cash_paid, 个人自付 -> self_borne, 个人自费 -> self_pay.
* Multi-page files (``multi_page/*.tif``): the truth file is a JSON *list*,
  one object per page in page order, each with its own doc_type and a
  ``"page"`` key (1-based).

Deterministic: every random choice comes from generators seeded by the
document name.

    python3 tests/tools/make_eval_set.py [--out tests/eval_set] [--only NAME]
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_scans import (  # noqa: E402
    A4, FORM_INKS, NUMBER_RED, PAPER, RECEIPT, SEAL_INKS, DEGRADATIONS, ScanContext,
    blend_ink, dot_matrix_text, draw_spaced, font, id_with_check_digit, oval_supervision_seal,
    render_bank_book, render_id_copy, rmb_in_words, round_seal, seeded, signature_scribble,
    skew, stamp_texture, star, text_on_ellipse, text_width, to_arr, to_img, wrap_text,
)

ROOT = Path(__file__).resolve().parents[2]

# =============================================================================
# Content pools
# =============================================================================

HOSPITALS = [
    "复旦大学附属华山医院", "复旦大学附属中山医院", "上海交通大学医学院附属瑞金医院",
    "上海交通大学医学院附属仁济医院", "上海市第六人民医院", "上海交通大学医学院附属第九人民医院",
    "上海中医药大学附属龙华医院", "上海中医药大学附属曙光医院", "上海交通大学医学院附属新华医院",
    "上海市第一人民医院", "上海市第十人民医院", "复旦大学附属儿科医院",
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "伟民", "晓东", "静怡", "文博", "佳慧", "国平",
         "美玲", "俊杰", "雪梅", "振华", "玉兰", "立新", "婷婷", "永康", "春燕", "宏亮", "桂芳",
         "子涵", "一鸣", "思远", "凤英", "德明", "嘉怡", "晨阳", "淑珍", "浩然", "若曦"]
DISTRICTS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
             "310113", "310115", "310116", "310120"]
BANKS = [("中国工商银行", "6222021001"), ("中国建设银行", "6217001210"), ("交通银行", "6222600910"),
         ("中国银行", "6216610800"), ("上海银行", "6229081001"), ("中国农业银行", "6228480038")]
ISSUERS = {"310101": "黄浦", "310104": "徐汇", "310105": "长宁", "310106": "静安", "310107": "普陀",
           "310109": "虹口", "310110": "杨浦", "310112": "闵行", "310113": "宝山", "310115": "浦东",
           "310116": "金山", "310120": "奉贤"}
STREETS = ["南京西路", "淮海中路", "四平路", "长宁路", "曹杨路", "共和新路", "龙华西路", "莲花路",
           "牡丹江路", "张杨路", "卫零路", "南桥路"]


def make_member(rng: random.Random) -> dict:
    sex = rng.choice("男女")
    district = rng.choice(DISTRICTS)
    year, month, day = rng.randint(1948, 2004), rng.randint(1, 12), rng.randint(1, 28)
    seq = rng.randint(10, 99) * 10 + (rng.choice([1, 3, 5, 7, 9]) if sex == "男" else rng.choice([0, 2, 4, 6, 8]))
    idn = id_with_check_digit(f"{district}{year:04d}{month:02d}{day:02d}{seq:03d}")
    bank, prefix = rng.choice(BANKS)
    acct = prefix + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "sex": sex, "ethnicity": "汉",
        "birth_date": f"{year:04d}-{month:02d}-{day:02d}", "id_number": idn,
        "address": [f"上海市{ISSUERS[district]}区{rng.choice(STREETS)}", f"{rng.randint(10, 999)}弄{rng.randint(1, 40)}号{rng.randint(1, 20)}0{rng.randint(1, 4)}室"],
        "id_issuer": f"上海市公安局{ISSUERS[district]}分局",
        "id_valid": (lambda y: f"{y}.{month:02d}.{day:02d}-{y + 20}.{month:02d}.{day:02d}")(rng.randint(2012, 2022)),
        "bank": {"name": bank, "branch": f"上海{ISSUERS[district]}支行", "account": acct,
                 "opened": f"{rng.randint(2008, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"},
    }


def R(code, name, spec, qty, unit, price, category, cls=None, self_pay=False, days=None):
    amount = (Decimal(price) * Decimal(qty)).quantize(Decimal("0.01"))
    return {"code": code, "name": name, "spec": spec, "quantity": str(qty), "unit": unit,
            "unit_price": f"{Decimal(price):.2f}", "amount": f"{amount:.2f}", "category": category,
            "drug_class": cls, "self_pay": self_pay, "days": days}


# category -> candidate rows (code, name, spec, unit, price, class, self_pay, max qty, days)
ROW_POOL = {
    "西药费": [("X86900712", "头孢克洛缓释片", "0.375g*6片/盒", "盒", "32.60", "乙10%", False, 3, 5),
             ("X86902218", "盐酸氨溴索口服液", "100ml/瓶", "瓶", "28.50", "甲", False, 2, 5),
             ("X86900327", "奥美拉唑肠溶胶囊", "20mg*14粒/盒", "盒", "18.90", "甲", False, 3, 7),
             ("X86904471", "枸橼酸莫沙必利片", "5mg*24片/盒", "盒", "31.00", "乙", False, 2, 8),
             ("X86907742", "孟鲁司特钠片", "10mg*5片/盒", "盒", "44.00", "乙", False, 2, 5),
             ("X86908810", "塞来昔布胶囊", "0.2g*6粒/盒", "盒", "51.63", "乙10%", False, 2, 6),
             ("X86909931", "硝苯地平控释片", "30mg*7片/盒", "盒", "33.15", "甲", False, 4, 14),
             ("X86905520", "复方甘草口服溶液", "100ml/瓶", "瓶", "12.00", None, True, 2, 3)],
    "中成药费": [("Z86901203", "复方丹参滴丸", "27mg*180丸/瓶", "瓶", "36.80", "甲", False, 2, 10),
              ("Z86903317", "连花清瘟胶囊", "0.35g*24粒/盒", "盒", "23.70", "甲", False, 3, 5),
              ("Z86905562", "雪山金罗汉止痛涂膜", "45ml*1瓶/盒", "盒", "40.78", "乙10%", False, 2, 7),
              ("Z86902841", "银黄颗粒", "4g*10袋/盒", "盒", "19.40", "乙", False, 3, 5)],
    "中草药费": [("Y10024001", "中药饮片", "7剂", "剂", "28.60", None, False, 7, 7),
              ("Y10024015", "中药配方颗粒", "14剂", "剂", "35.20", "乙10%", False, 7, 7)],
    "检查费": [("S310300001", "常规心电图检查", "", "次", "25.00", None, False, 1, None),
            ("S310300102", "眼压检查(压平眼压)", "", "次", "15.00", None, False, 1, None),
            ("S220600004", "腹部彩色多普勒超声", "", "次", "120.00", None, False, 1, None),
            ("S310300211", "肺功能检查", "", "次", "80.00", None, False, 1, None)],
    "CT费": [("S210300001", "胸部CT平扫", "", "次", "230.00", None, False, 1, None),
            ("S210300015", "头颅CT平扫", "", "次", "190.00", None, False, 1, None)],
    "诊查费": [("S310100002", "普通门诊诊查费", "", "次", "25.00", None, False, 1, None),
            ("S310100001", "专家门诊诊查费", "", "次", "50.00", None, False, 1, None)],
    "诊查费(自费)": [("S310100009", "特需门诊诊查费", "", "次", "300.00", None, True, 1, None)],
    "化验费": [("S250101015", "血常规(五分类)", "", "次", "30.00", None, False, 1, None),
            ("S250402035", "C反应蛋白测定", "", "项", "37.00", None, False, 1, None),
            ("S250301003", "肝功能检测", "", "项", "68.00", None, False, 1, None),
            ("S250305012", "血脂四项", "", "项", "52.00", None, False, 1, None)],
    "治疗费": [("S310603002", "雾化吸入", "", "次", "18.00", None, False, 3, None),
            ("S450000011", "普通针刺", "", "次", "36.00", None, False, 3, None)],
    "放射费": [("S210102015", "胸部正侧位DR摄影", "", "次", "105.00", None, False, 1, None)],
}


def pick_rows(rng, categories):
    rows = []
    for cat in categories:
        pool = ROW_POOL[cat]
        for c in rng.sample(pool, k=min(len(pool), rng.randint(1, 2))):
            code, name, spec, unit, price, cls, sp, qmax, days = c
            rows.append(R(code, name, spec, rng.randint(1, qmax), unit, price, cat, cls, sp, days))
    return rows


def D(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def m(x) -> str:
    return f"{D(x):.2f}"


def rand_date(rng, y0=2024, y1=2026) -> str:
    return f"{rng.randint(y0, y1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def rand_time(rng) -> str:
    return f"{rng.randint(8, 16):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def fmt_date(iso: str, style: str, time: str = "") -> str:
    y, mo, d = iso.split("-")
    return {
        "dash": iso, "dot": f"{y}.{mo}.{d}", "cn": f"{y}年{int(mo)}月{int(d)}日",
        "cn0": f"{y}年{mo}月{d}日", "compact": f"{y}{mo}{d}", "slash": f"{y}/{mo}/{d}",
        "dash_time": f"{iso} {time}", "dot_time": f"{y}.{mo}.{d} {time}",
        "dotmatrix": f"{y}{mo}{d}{time}",
    }[style]


def add_days(iso: str, n: int) -> str:
    import datetime as dt
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=n)).isoformat()


# =============================================================================
# Receipts (paper): parametrised re-drawing of make_sample_scans.render_receipt
# =============================================================================


def receipt_content(name: str, variant: str, rng: random.Random) -> dict:
    """Facts of one paper receipt. variant: account | fund | additional | alipay |
    alipay_zero | selfpay | registration | inpatient."""
    member = make_member(rng)
    hospital = rng.choice(HOSPITALS)
    if variant == "registration":
        cats = ["诊查费"]
    elif variant == "inpatient":
        cats = None
    else:
        base = ["西药费", "中成药费", "中草药费", "检查费", "CT费", "化验费", "治疗费", "放射费"]
        if "中医药大学" in hospital:
            base = ["中成药费", "中草药费", "治疗费", "检查费"]
        cats = rng.sample(base, k=rng.randint(1, 3))
        cats.insert(0, "诊查费(自费)" if rng.random() < 0.2 else "诊查费")
        if rng.random() < 0.3:
            cats = cats[1:]
    if cats:
        rows = pick_rows(rng, cats)
        categories = [(c, m(sum(Decimal(r["amount"]) for r in rows if r["category"] == c))) for c in cats]
    else:
        rows = []
        categories = [(c, m(rng.randint(lo, hi) + rng.randint(0, 99) / 100)) for c, lo, hi in
                      rng.sample([("床位费", 300, 900), ("护理费", 100, 400), ("西药费", 800, 4000),
                                  ("化验费", 300, 1200), ("检查费", 200, 1500), ("治疗费", 200, 2000),
                                  ("手术费", 1500, 6000), ("材料费", 300, 3000)], k=5)]
    total = sum(Decimal(a) for _, a in categories)
    self_rows = sum((Decimal(r["amount"]) for r in rows if r["self_pay"]), Decimal(0))
    rc = {"fund_paid": D(0), "additional_paid": D(0), "account_paid": D(0), "cash_paid": D(0)}
    ins = rng.choice(["城保", "城保", "门诊医保适时", "医保", "居保"])
    balances = True
    if variant == "selfpay":
        ins, balances = "(自费)", False
        rc["cash_paid"] = total
        own = {"category_self_pay": D(0), "self_borne": D(0), "self_pay": D(0)}
    else:
        if variant in ("fund", "inpatient"):
            rc["fund_paid"] = D(total * Decimal(rng.uniform(0.55, 0.85)))
        elif variant in ("additional", "alipay", "alipay_zero"):
            rc["additional_paid"] = D(total * Decimal(rng.uniform(0.5, 0.7)))
        elif variant in ("account", "registration") and rng.random() < 0.7:
            rc["account_paid"] = D(min(total, Decimal(rng.randint(0, 400))))
        rc["cash_paid"] = total - rc["fund_paid"] - rc["additional_paid"] - rc["account_paid"]
        pocket = rc["cash_paid"] + rc["account_paid"]
        sp = min(self_rows, pocket)
        csp = D(min(pocket - sp, total * Decimal("0.1") * Decimal(rng.uniform(0, 1))))
        own = {"category_self_pay": csp, "self_pay": sp, "self_borne": pocket - sp - csp}
    rc.update(own)
    third = None
    if variant == "alipay":
        third = (rng.choice(["支付宝支付", "(现金)移动支付", "第三方支付"]), rc["cash_paid"])
    elif variant == "alipay_zero":
        third = (rng.choice(["支付宝支付", "第三方支付"]), rc["cash_paid"])
        rc["cash_paid"] = D(0)
    visit = rand_date(rng)
    return {
        "name": name, "variant": variant, "member": member, "hospital": hospital,
        "grade": "三级甲等综合医院" if "中医药" not in hospital else "三级甲等中医医院",
        "invoice_number": f"{rng.randint(18, 26)}{rng.randint(0, 99999999):08d}",
        "serial": f"{rng.randint(10 ** 9, 10 ** 10 - 1)}", "cashier": f"{rng.randint(100, 9999):04d}",
        "insurance_type": ins, "categories": categories, "rows": rows, "total": m(total),
        "pay": {k: m(v) for k, v in rc.items()}, "balances": balances,
        "balance_current": m(0), "balance_past": m(rng.choice([0, 0, rng.randint(100, 3000) + rng.randint(0, 99) / 100])),
        "third": (third[0], m(third[1])) if third else None,
        "visit_date": visit, "visit_time": rand_time(rng), "stay": rng.randint(3, 12),
        "inpatient_no": f"{rng.randint(100000, 999999)}",
    }


def render_paper_receipt(c: dict, page: dict, rng, np_rng):
    W, H = RECEIPT
    img = Image.new("RGB", (W, H), PAPER["receipt"])
    form = FORM_INKS[page.get("ink", "brown")]
    d = ImageDraw.Draw(img)
    member, p = c["member"], c["pay"]
    inpatient = c["variant"] == "inpatient"
    for k in range(0, H, 9):
        d.line([(x, k + 4 * math.sin(x / 37.0 + k)) for x in range(0, W, 12)], fill=(236, 230, 212), width=1)
    fs = font("song", 22)
    hosp = c["hospital"]
    hfont = font("serif_bold", 36 if len(hosp) <= 10 else 30)
    d.text((max(40, 640 - text_width(hosp, hfont)), 140), hosp, font=hfont, fill=form)
    draw_spaced(d, (800, 90), "上海市", font("serif_bold", 38), form, 40)
    title = "医疗住院收费票据" if inpatient else "医疗门(急)诊收费票据"
    draw_spaced(d, (760, 146), title, font("serif_bold", 40), form, 6)
    d.text((180, 222), "业务流水号:", font=fs, fill=form)
    d.text((560, 222), "医疗机构类型:", font=fs, fill=form)
    d.text((1190, 208), "NO.", font=font("song", 26), fill=form)
    L, T, Rr, B = 175, 258, 1475, 905
    d.rectangle([L, T, Rr, B], outline=form, width=2)
    d.line([L, T + 42, Rr, T + 42], fill=form, width=1)
    d.text((L + 10, T + 10), "姓名:", font=fs, fill=form)
    d.text((L + 300, T + 10), "性别:", font=fs, fill=form)
    d.text((L + 430, T + 10), "医保类型:", font=fs, fill=form)
    d.text((L + 850, T + 10), "社会保障号码:", font=fs, fill=form)
    MID = 665
    d.line([MID, T + 42, MID, B], fill=form, width=1)
    hy = T + 42
    d.text((245, hy + 10), "项目", font=fs, fill=form)
    d.text((455, hy + 10), "金额(元)", font=fs, fill=form)
    d.line([L, hy + 42, Rr, hy + 42], fill=form, width=1)
    cols = {"code": 675, "name": 805, "spec": 1050, "qty": 1190, "price": 1330, "amount": 1465}
    if not inpatient:
        d.text((cols["code"] + 10, hy + 10), "项目编码", font=fs, fill=form)
        d.text((cols["name"] + 70, hy + 10), "名称", font=fs, fill=form)
        d.text((cols["spec"] + 20, hy + 10), "规格", font=fs, fill=form)
        d.text((cols["qty"], hy + 10), "数量", font=fs, fill=form)
        d.text((cols["price"] - 60, hy + 10), "单价", font=fs, fill=form)
        d.text((cols["amount"] - 95, hy + 10), "金额(元)", font=fs, fill=form)
    else:
        d.text((cols["code"] + 10, hy + 10), "住院信息", font=fs, fill=form)
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
    for yy in (44, 214, 262):
        d.line([L, box_top + yy, MID, box_top + yy], fill=form, width=1)
    d.text((990, B - 40), "本收据盖章有效, 遗失不补不退, 请妥善保管", font=font("song", 20), fill=form)
    d.text((185, B + 22), "收款单位(章):", font=fs, fill=form)
    d.text((600, B + 22), "收款员:", font=fs, fill=form)
    for i, ch in enumerate("第一联 收据联 盖章有效 遗失不补"):
        d.text((1500, 330 + i * 26), ch, font=font("song", 20), fill=form)
    for i, ch in enumerate("上海印刷公司 2023年12月印制"):
        d.text((135, 300 + i * 24), ch, font=font("song", 18), fill=form)
    draw_spaced(d, (1250, 196), c["invoice_number"], font("song", 40), NUMBER_RED, 1)
    oval = oval_supervision_seal(118, 74, np_rng)
    blend_ink(img, oval, (880 - oval.shape[1] // 2, 126 - oval.shape[0] // 2), SEAL_INKS["red"], multiply=True)

    ox, oy = rng.randint(-5, 6), rng.randint(-4, 5)
    drift = page.get("drift", 9)

    # Tuning families (make_tuning_families.py) also drift the 项目 rows and the dates off their lines.
    drifts = {"payment": drift, "items": page.get("item_drift", 0), "date": page.get("date_drift", 0)}

    def val(x, y, text, size=24, right=False, block=None):
        dy = drifts.get(block, 0)
        return dot_matrix_text(img, (x + ox + rng.randint(-2, 2), y + oy + dy + rng.randint(-1, 1)),
                               text, size, rng, anchor_right=right)

    boxes = {}
    val(315, 216, c["serial"])
    val(720, 226, c["grade"])
    val(L + 70, T + 6, member["name"])
    val(L + 360, T + 6, member["sex"])
    val(L + 540, T + 6, c["insurance_type"])
    show_ssn = c["insurance_type"] != "(自费)"
    if show_ssn:
        val(L + 1010, T + 6, member["id_number"])
    y = hy + 56
    for cat, amount in c["categories"]:
        val(190, y, cat)
        boxes[cat] = val(612, y, amount, right=True, block="items")
        y += 38
    words_only = c["variant"] == "registration"
    if not words_only:
        val(390, y + 8, "合计")
        boxes["total"] = val(612, y + 8, c["total"], right=True)
    ry = hy + 56
    detail = []
    for r in c["rows"]:
        name = ("(自费)" + r["name"]) if r["self_pay"] else (f"({r['drug_class']})" + r["name"] if r["drug_class"] else r["name"])
        val(cols["code"] - 8, ry, r["code"], size=20)
        # the printer cuts names that overrun the column, as on real receipts;
        # the truth keeps what is printed
        while text_width(name, font("mono", 23)) > 245:
            name = name[:-1]
        val(cols["name"] - 12, ry, name, size=23)
        val(cols["spec"] + 10, ry, r["spec"][:12], size=20)
        val(cols["qty"] + 12, ry, r["quantity"], size=21)
        val(cols["price"], ry, r["unit_price"], size=21, right=True)
        val(cols["amount"], ry, r["amount"], size=21, right=True)
        detail.append({"code": r["code"], "name": name, "spec": r["spec"], "quantity": r["quantity"],
                       "unit_price": r["unit_price"], "amount": r["amount"]})
        ry += 35
    if inpatient:
        out = add_days(c["visit_date"], c["stay"])
        val(cols["code"] + 10, ry, f"住院号:{c['inpatient_no']}", size=22)
        val(cols["code"] + 10, ry + 40, f"住院日期:{fmt_date(c['visit_date'], 'dot')}-{fmt_date(out, 'dot')}", size=22)
        val(cols["code"] + 10, ry + 80, f"住院天数:{c['stay']}天", size=22)
    val(315, box_top + 6, rmb_in_words(c["total"]), size=26)
    val(290, box_top + 50, p["cash_paid"], block="payment")
    val(570, box_top + 50, p["account_paid"], block="payment")
    val(330, box_top + 90, p["fund_paid"], block="payment")
    val(555, box_top + 90, p["additional_paid"], block="payment")
    val(432, box_top + 130, p["category_self_pay"], size=22, block="payment")
    val(578, box_top + 130, p["self_borne"], size=22, block="payment")
    val(232, box_top + 170, p["self_pay"], size=22)
    if c["balances"]:
        val(335, box_top + 220, c["balance_current"], size=22)
        val(570, box_top + 220, c["balance_past"], size=22)
    if c["third"]:
        val(190, box_top + 274, f"{c['third'][0]}:{c['third'][1]}", size=24)
    val(690, B + 18, c["cashier"])
    style = page.get("date_style", "dot_time")
    charge_time = c["visit_time"][:3] + f"{(int(c['visit_time'][3:5]) + 17) % 60:02d}" + c["visit_time"][5:]
    issue = add_days(c["visit_date"], c["stay"]) if inpatient else c["visit_date"]
    show_visit = style != "dotmatrix" and not inpatient
    if style == "dotmatrix":
        if page.get("date_label_printed"):  # the form's own 日期: label, the stamp printed where it falls
            d.text((1250, B + 22), "日期:", font=fs, fill=form)
        val(1050, B + 20, fmt_date(issue, "dotmatrix", charge_time), size=24, block="date")
    else:
        if show_visit:
            val(1010, B + 4, "就诊日期:" + fmt_date(c["visit_date"], style, c["visit_time"]), size=22, block="date")
        val(1010, B + 36, "收费日期:" + fmt_date(issue, style, charge_time), size=22, block="date")

    # handwritten clerk note (strokes, no legible text) in the free area of the right table
    if page.get("note"):
        note = signature_scribble(420, 90, rng)
        blend_ink(img, note * 0.9, (720 + rng.randint(0, 80), 650 + rng.randint(0, 40)), (30, 50, 150))
        note2 = signature_scribble(160, 70, rng)
        blend_ink(img, note2 * 0.85, (1200 + rng.randint(0, 60), 760), (30, 50, 150))

    seal_over = page.get("seal_over") or c["categories"][-1][0]
    target = boxes.get(seal_over, boxes[c["categories"][-1][0]])
    seal = round_seal(c["hospital"][-8:] if len(c["hospital"]) > 12 else c["hospital"], 122, np_rng)
    dx, dy = page.get("seal_offset", (105, 35))
    cx, cy = (target[0] + target[2]) // 2 + dx, (target[1] + target[3]) // 2 + dy
    blend_ink(img, seal * 0.62, (cx - seal.shape[1] // 2, cy - seal.shape[0] // 2),
              SEAL_INKS[page.get("seal", "red")], multiply=True)

    paper = np.ones((H, W), np.float32)
    if page.get("holes"):
        for yy in range(60, H - 30, 100):
            for xx in (48, W - 48):
                cv2.circle(paper, (xx, yy), 13, 0, -1, cv2.LINE_AA)

    truth = {"doc_type": "receipt", "rotation": 0,
             "fields": receipt_truth_fields(c, issue, show_ssn, show_visit, inpatient),
             "items": receipt_truth_items(c), "detail_items": detail}
    return img, truth, paper


def receipt_truth_fields(c: dict, issue: str, insurance_number_shown: bool, visit_printed: bool,
                         inpatient: bool = False) -> dict:
    """What a person reads off a paper receipt of content `c` (the truth's fields)."""
    fields = {"invoice_number": c["invoice_number"], "hospital": c["hospital"], "payer_name": c["member"]["name"],
              "insurance_type": c["insurance_type"]}
    if insurance_number_shown:
        fields["insurance_number"] = c["member"]["id_number"]
    if inpatient:  # the 门(急)诊 form does not say which of the two a visit was
        fields["visit_kind"] = "inpatient"
    if visit_printed:
        fields["visit_date"] = c["visit_date"]
    fields["issue_date"] = issue
    fields["total"] = c["total"]
    fields["total_in_words"] = c["total"]
    fields.update(c["pay"])
    if c["third"]:
        fields["third_party_paid"] = c["third"][1]
    if c["balances"]:
        fields["account_balance_current"] = c["balance_current"]
        fields["account_balance_past"] = c["balance_past"]
    return fields


def receipt_truth_items(c: dict) -> list[dict]:
    """The receipt's 项目 rows as the truth gives them."""
    return [{"name": k, "category": k, "amount": a} for k, a in c["categories"]]


# =============================================================================
# Electronic receipts: PDF with a real text layer (fpdf2)
# =============================================================================

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"


def make_e_receipt(name: str, rng: random.Random, out: Path) -> dict:
    import logging

    from fpdf import FPDF
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    member = make_member(rng)
    hospital = rng.choice(HOSPITALS)
    inpatient = rng.random() < 0.25
    if inpatient:
        categories = [(cc, m(rng.randint(200, 3000) + rng.randint(0, 99) / 100)) for cc in
                      rng.sample(["床位费", "护理费", "西药费", "化验费", "检查费", "治疗费", "手术费"], 4)]
    else:
        cats = rng.sample(["西药费", "中成药费", "检查费", "CT费", "化验费", "治疗费"], rng.randint(1, 3))
        rows = pick_rows(rng, ["诊查费"] + cats)
        categories = [(cc, m(sum(Decimal(r["amount"]) for r in rows if r["category"] == cc))) for cc in ["诊查费"] + cats]
    total = sum(Decimal(a) for _, a in categories)
    fund = D(total * Decimal(rng.choice([0, 0, rng.uniform(0.5, 0.8)])))
    add = D(0) if fund else D(total * Decimal(rng.choice([0, rng.uniform(0.5, 0.7)])))
    acct = D(min(total - fund - add, Decimal(rng.choice([0, rng.randint(10, 300)]))))
    cash = total - fund - add - acct
    pocket = acct + cash
    selfpay = D(min(pocket, Decimal(rng.choice([0, 0, rng.randint(5, 60)]))))
    selfborne = pocket - selfpay
    issue = rand_date(rng)
    code = f"310601{rng.randint(20, 26)}"
    number = f"{rng.randint(0, 9999999999):010d}"
    check = "".join(rng.choice("0123456789abcdef") for _ in range(6))
    ins = rng.choice(["职工基本医疗保险", "城乡居民基本医疗保险", "城保"])
    date_style = rng.choice(["dash", "dash", "cn0"])

    pdf = FPDF(orientation="L", unit="mm", format=(140, 210))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("uming", fname=UMING, collection_font_number=0)
    red = (170, 40, 40)
    pdf.set_draw_color(*red)
    pdf.set_text_color(*red)
    pdf.set_font("uming", size=17)
    pdf.set_xy(0, 10)
    pdf.cell(210, 8, "上海市医疗收费电子票据", align="C")
    # supervision seal as an image (not text): keeps the text layer clean
    seal = Image.fromarray((oval_supervision_seal(90, 56, np.random.default_rng(len(name))) * 255).astype(np.uint8))
    rgba = Image.new("RGBA", seal.size, SEAL_INKS["red"] + (0,))
    rgba.putalpha(seal)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    pdf.image(buf, x=88, y=3, w=34)
    pdf.set_font("uming", size=9)
    pdf.set_text_color(40, 40, 40)

    def t(x, y, s, size=9):
        pdf.set_font("uming", size=size)
        pdf.text(x, y, s)

    t(12, 26, f"票据代码:{code}")
    t(12, 31, f"交款人统一社会信用代码:{member['id_number']}")
    t(12, 36, f"交款人:{member['name']}")
    t(140, 26, f"票据号码:{number}")
    t(140, 31, f"校验码:{check}")
    t(140, 36, f"开票日期:{fmt_date(issue, date_style)}")
    # item table
    x0, y0, w = 10, 40, 190
    pdf.set_line_width(0.3)
    pdf.rect(x0, y0, w, 82)
    heads = [("项目名称", 12), ("数量/单位", 52), ("金额(元)", 75), ("备注", 93),
             ("项目名称", 107), ("数量/单位", 147), ("金额(元)", 170), ("备注", 188)]
    for s, x in heads:
        t(x, y0 + 5, s, 8.5)
    pdf.line(x0, y0 + 7, x0 + w, y0 + 7)
    pdf.line(105, y0, 105, y0 + 46)
    for i, (cc, a) in enumerate(categories):
        col = i % 2
        yy = y0 + 12 + (i // 2) * 5
        bx = 12 if col == 0 else 107
        t(bx, yy, cc, 8.5)
        t(bx + 42, yy, "1项", 8.5)
        t(bx + 63, yy, a, 8.5)
    pdf.line(x0, y0 + 46, x0 + w, y0 + 46)
    t(12, y0 + 51, f"金额合计(大写) {rmb_in_words(m(total))}", 9)
    t(130, y0 + 51, f"(小写) {m(total)}", 9)
    pdf.line(x0, y0 + 54, x0 + w, y0 + 54)
    t(12, y0 + 59, "其他信息", 9)
    kind = "住院" if inpatient else "门诊"
    info = [
        (f"业务流水号:{rng.randint(10 ** 11, 10 ** 12 - 1)}", f"{kind}号:{rng.randint(10 ** 7, 10 ** 8 - 1)}",
         f"就诊日期:{fmt_date(issue, date_style)}"),
        (f"医疗机构类型:综合医院", f"医保类型:{ins}", f"医保编号:{member['id_number']}"),
        (f"就诊类型:{kind}", f"性别:{member['sex']}", f"附加基金支付:{m(add)}"),
        (f"医保统筹基金支付:{m(fund)}", f"其他支付:0.00", f"个人账户支付:{m(acct)}"),
        (f"个人现金支付:{m(cash)}", f"个人自付:{m(selfborne)}", f"个人自费:{m(selfpay)}"),
    ]
    for i, trio in enumerate(info):
        for j, s in enumerate(trio):
            t(26 + j * 58, y0 + 59 + i * 4.6, s, 7.8)
    t(12, 130, f"收款单位(章):{hospital}", 9)
    t(120, 130, "复核人:", 9)
    t(160, 130, f"收款人:{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", 9)
    # QR code: a random module pattern drawn as rectangles
    pdf.set_fill_color(20, 20, 20)
    for i in range(21):
        for j in range(21):
            if (i < 7 and j < 7) or (i < 7 and j > 13) or (i > 13 and j < 7):
                on = (min(i % 14, j % 14) in (0, 6)) or (max(i % 14, j % 14) in (0, 6)) or (2 <= i % 14 <= 4 and 2 <= j % 14 <= 4)
            else:
                on = rng.random() < 0.5
            if on:
                pdf.rect(12 + j * 0.8, 3 + i * 0.8, 0.8, 0.8, style="F")
    # hospital's e-seal, as an image
    hseal = Image.fromarray((round_seal(hospital[-8:] if len(hospital) > 12 else hospital, 122,
                                        np.random.default_rng(len(name) + 7)) * 255).astype(np.uint8))
    rgba = Image.new("RGBA", hseal.size, SEAL_INKS["red"] + (0,))
    rgba.putalpha(hseal)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    pdf.image(buf, x=44, y=117, w=24)
    path = out / f"{name}.pdf"
    pdf.set_creation_date(__import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.output(str(path))
    fields = {"invoice_code": code, "invoice_number": number, "check_code": check, "issue_date": issue,
              "visit_date": issue, "hospital": hospital, "payer_name": member["name"],
              "insurance_type": ins, "insurance_number": member["id_number"],
              "visit_kind": "inpatient" if inpatient else "outpatient", "total": m(total),
              "total_in_words": m(total), "fund_paid": m(fund), "additional_paid": m(add),
              "account_paid": m(acct), "cash_paid": m(cash), "self_borne": m(selfborne), "self_pay": m(selfpay)}
    return {"doc_type": "receipt", "rotation": 0, "fields": fields,
            "items": [{"name": k, "category": k, "amount": a} for k, a in categories]}


# =============================================================================
# A4 documents
# =============================================================================

BLACK = (22, 22, 22)


def a4():
    img = Image.new("RGB", A4, PAPER["white"])
    return img, ImageDraw.Draw(img)


CASES = [
    {"department": "呼吸内科", "chief_complaint": "咳嗽咳痰伴发热3天。",
     "present_illness": "患者3天前受凉后出现咳嗽，咳黄白色黏痰，伴发热，最高体温38.5℃，无胸痛、咯血，"
                        "无气促，自服感冒药后症状无明显好转，今来我院就诊。发病以来精神可，胃纳一般，二便正常。",
     "past_history": "否认高血压、糖尿病史，否认药物过敏史。",
     "positive_signs": "T 37.8℃，咽部充血，两肺呼吸音粗，未闻及干湿啰音。",
     "auxiliary_exam": "血常规 WBC 11.2×10^9/L，N 78%；胸片示两肺纹理增多。",
     "diagnosis": "急性支气管炎",
     "treatment": "头孢克洛缓释片 0.375g bid×5天；盐酸氨溴索口服液 10ml tid；多饮水，注意休息，不适随诊。"},
    {"department": "消化内科", "chief_complaint": "反复上腹部胀痛半年，加重1周。",
     "present_illness": "患者半年来反复出现上腹部胀痛，多于餐后加重，伴嗳气、反酸，无呕血、黑便，"
                        "无明显消瘦。近1周因饮食不规律症状再发，上腹隐痛，夜间偶有反酸，纳差。",
     "past_history": "否认高血压、糖尿病史，否认手术外伤史。",
     "positive_signs": "腹软，剑突下轻压痛，无反跳痛，肝脾肋下未及，肠鸣音正常。",
     "auxiliary_exam": "幽门螺杆菌抗体阴性，粪便隐血阴性。",
     "diagnosis": "慢性胃炎",
     "treatment": "奥美拉唑肠溶胶囊 20mg qd；枸橼酸莫沙必利片 5mg tid；清淡饮食，忌辛辣，2周后复诊。"},
    {"department": "心内科", "chief_complaint": "头晕伴血压升高2周。",
     "present_illness": "患者2周前无明显诱因出现头晕，以晨起为著，自测血压最高165/100mmHg，"
                        "无胸闷胸痛，无视物旋转，无恶心呕吐，未予治疗。",
     "past_history": "吸烟20年，否认糖尿病史，否认药物过敏史。",
     "positive_signs": "BP 158/96mmHg，心率76次/分，律齐，各瓣膜区未闻及病理性杂音。",
     "auxiliary_exam": "心电图示窦性心律，左室高电压。",
     "diagnosis": "原发性高血压2级",
     "treatment": "硝苯地平控释片 30mg qd；低盐饮食，监测血压，2周后复诊。"},
    {"department": "骨科", "chief_complaint": "右膝关节疼痛1月。",
     "present_illness": "患者1月前登山后出现右膝关节疼痛，上下楼梯时加重，休息后减轻，"
                        "无关节红肿，无发热，外用膏药效果不佳。",
     "past_history": "否认高血压、糖尿病史，否认外伤史。",
     "positive_signs": "右膝关节无肿胀，内侧关节间隙压痛，浮髌试验阴性，活动轻度受限。",
     "auxiliary_exam": "右膝关节正侧位片示关节间隙稍变窄，骨质增生。",
     "diagnosis": "右膝骨关节炎",
     "treatment": "塞来昔布胶囊 0.2g qd；雪山金罗汉止痛涂膜 外用；避免爬楼登山，1月后复诊。"},
    {"department": "中医内科", "chief_complaint": "失眠多梦3月。",
     "present_illness": "患者3月来入睡困难，多梦易醒，醒后难以再睡，伴心烦、口干，"
                        "白天乏力，胃纳欠佳，二便尚调。舌红苔薄黄，脉弦细。",
     "past_history": "既往体健，否认药物过敏史。",
     "positive_signs": "神清，精神稍萎，心肺听诊无殊。",
     "auxiliary_exam": "暂无。",
     "diagnosis": "不寐(心肝火旺证)",
     "treatment": "中药饮片7剂，每日1剂，水煎分2次服；针刺安神；调畅情志，规律作息。"},
    {"department": "眼科", "chief_complaint": "双眼干涩、视物模糊半年。",
     "present_illness": "患者半年来长时间使用电脑后双眼干涩、异物感，视物模糊，"
                        "休息后可缓解，无眼痛、畏光，无视力骤降。",
     "past_history": "近视20年，否认青光眼家族史。",
     "positive_signs": "双眼结膜轻度充血，角膜荧光素染色点状着色，前房清。",
     "auxiliary_exam": "眼压 右15mmHg 左16mmHg；泪膜破裂时间 4秒。",
     "diagnosis": "干眼症",
     "treatment": "玻璃酸钠滴眼液 qid 滴双眼；减少电子屏幕使用时间，1月后复查。"},
]
REC_LABELS = [
    {"department": "科别", "positive_signs": "体检", "treatment": "处理"},
    {"department": "科室", "positive_signs": "阳性体征", "treatment": "治疗意见"},
    {"department": "就诊科室", "positive_signs": "阳性体征", "treatment": "处理"},
    {"department": "科别", "positive_signs": "体检", "treatment": "治疗意见"},
]
SECTIONS = [("主诉", "chief_complaint"), ("现病史", "present_illness"), ("既往史", "past_history"),
            ("positive_signs", "positive_signs"), ("辅助检查", "auxiliary_exam"), ("诊断", "diagnosis"),
            ("treatment", "treatment")]


def render_record(spec: dict, rng, np_rng):
    case = CASES[spec["case"]]
    labels = REC_LABELS[spec["labels"]]
    member = make_member(rng)
    hospital = spec.get("hospital") or rng.choice(HOSPITALS)
    visit = rand_date(rng)
    img, d = a4()
    W = A4[0]
    d.text((W / 2, 120), hospital, font=font("sans_bold", 44 if len(hospital) < 14 else 38), fill=BLACK, anchor="mm")
    d.text((W / 2, 190), "门 诊 病 历", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
    f, fb = font("sans", 28), font("sans_bold", 28)
    d.line([90, 240, W - 90, 240], fill=BLACK, width=3)
    y = 262
    for x, text in [(100, f"姓名:{member['name']}"), (400, f"性别:{member['sex']}"),
                    (620, f"门诊号:{member['id_number'][-8:-2]}")]:
        d.text((x, y), text, font=f, fill=BLACK)
    y += 50
    first = spec["first_visit"]
    for x, text in [(100, f"就诊日期:{fmt_date(visit, spec.get('date_style', 'dash'))}"),
                    (560, f"{labels['department']}:{case['department']}"),
                    (960, "初诊" if first else "复诊")]:
        d.text((x, y), text, font=f, fill=BLACK)
    y += 56
    d.line([90, y, W - 90, y], fill=BLACK, width=2)
    y += 28
    fields = {"patient_name": member["name"], "hospital": hospital, "visit_date": visit,
              "department": case["department"], "first_visit": first}
    newline_sections = spec.get("label_above", False)
    for label, key in SECTIONS:
        if key in spec.get("missing", ()):
            continue
        label = labels.get(label, label)
        head = f"{label}:"
        d.text((100, y), head, font=fb, fill=BLACK)
        if newline_sections:
            y += 44
            indent = 140
        else:
            indent = 100 + text_width(head, fb) + 8
        for line in wrap_text(case[key], f, W - 110 - indent):
            d.text((indent, y), line, font=f, fill=BLACK)
            y += 44
        y += 18
        fields[key] = case[key]
    y = max(y + 40, 1380)
    sig = spec.get("signature", True)
    if sig or spec.get("label_without_signature"):
        d.text((700, y), "医师签名:", font=fb, fill=BLACK)
    if sig:
        s = signature_scribble(300, 110, rng)
        blend_ink(img, s * 0.92, (700 + text_width("医师签名:", fb) + 10, y - 45), (25, 35, 95))
    fields["doctor_signature"] = sig
    d.line([90, 1640, W - 90, 1640], fill=BLACK, width=1)
    d.text((W - 100, 1655), "第1页/共1页", font=font("sans", 20), fill=BLACK, anchor="ra")
    return img, {"doc_type": "medical_record", "rotation": 0, "fields": fields, "items": []}, None


def table(d, y, cols, rows, f, fb, row_h=42, x_right=1170):
    """cols: (title, x0, x1, align). Draws header + rows, returns y after the table."""
    top = y
    d.line([cols[0][1], y, x_right, y], fill=BLACK, width=2)

    def cell(text, c, yy, fnt):
        _, x0, x1, al = c
        if al == "l":
            d.text((x0 + 6, yy + 8), text, font=fnt, fill=BLACK)
        elif al == "r":
            d.text((x1 - 8, yy + 8), text, font=fnt, fill=BLACK, anchor="ra")
        else:
            d.text(((x0 + x1) / 2, yy + 8), text, font=fnt, fill=BLACK, anchor="ma")

    for c in cols:
        cell(c[0], c, y, fb)
    y += row_h
    d.line([cols[0][1], y, x_right, y], fill=BLACK, width=1)
    for r in rows:
        for c, v in zip(cols, r):
            cell(v, c, y, f)
        y += row_h
        d.line([cols[0][1], y, x_right, y], fill=(120, 120, 120), width=1)
    d.line([cols[0][1], y, x_right, y], fill=BLACK, width=2)
    for c in cols:
        d.line([c[1], top, c[1], y], fill=BLACK, width=1)
    d.line([x_right, top, x_right, y], fill=BLACK, width=1)
    return y


def render_detail_list(spec: dict, rng, np_rng, inpatient=False):
    member = make_member(rng)
    hospital = rng.choice(HOSPITALS)
    img, d = a4()
    W = A4[0]
    f, fb = font("sans", 22), font("sans_bold", 22)
    d.text((W / 2, 110), hospital, font=font("sans_bold", 38), fill=BLACK, anchor="mm")
    d.text((W / 2, 170), "住院费用明细清单" if inpatient else rng.choice(["门诊费用明细清单", "门诊收费明细清单"]),
           font=font("sans_bold", 36), fill=BLACK, anchor="mm")
    style = spec.get("date_style", "dash")
    visit = rand_date(rng)
    fields = {"patient_name": member["name"], "hospital": hospital}
    y = 230
    if inpatient:
        stay = rng.randint(3, 14)
        out = add_days(visit, stay)
        for x, text in [(80, f"姓名:{member['name']}"), (330, f"性别:{member['sex']}"),
                        (520, f"住院号:{rng.randint(100000, 999999)}"), (820, f"床号:{rng.randint(1, 60)}床")]:
            d.text((x, y), text, font=f, fill=BLACK)
        y += 42
        d.text((80, y), f"入院日期:{fmt_date(visit, style)}", font=f, fill=BLACK)
        d.text((520, y), f"出院日期:{fmt_date(out, style)}", font=f, fill=BLACK)
        d.text((900, y), f"住院天数:{stay}", font=f, fill=BLACK)
        fields.update(admission_date=visit, discharge_date=out)
        cats = ["床位费", "护理费", "西药费", "化验费", "检查费", "治疗费"]
        pool = [("床位费", "三人间床位费", "", "天", "40.00"), ("护理费", "二级护理", "", "天", "24.00"),
                ("西药费", "注射用头孢曲松钠", "1g/支", "支", "18.60"), ("西药费", "0.9%氯化钠注射液", "100ml/袋", "袋", "4.30"),
                ("西药费", "奥美拉唑肠溶胶囊", "20mg*14粒/盒", "盒", "18.90"),
                ("化验费", "血常规(五分类)", "", "次", "30.00"), ("化验费", "肝功能检测", "", "项", "68.00"),
                ("检查费", "腹部彩色多普勒超声", "", "次", "120.00"), ("治疗费", "静脉输液", "", "次", "12.00"),
                ("治疗费", "换药(中)", "", "次", "25.00")]
        chosen = [p for p in pool if p[0] in ("床位费", "护理费")] + rng.sample(pool[2:], 5)
        rows = []
        for cat, nm, sp, unit, price in chosen:
            q = stay if cat in ("床位费", "护理费") else rng.randint(1, 6)
            rows.append(R("", nm, sp, q, unit, price, cat, self_pay=False))
        del cats
    else:
        for x, text in [(80, f"姓名:{member['name']}"), (330, f"性别:{member['sex']}"),
                        (520, f"科室:{rng.choice(['内科', '呼吸内科', '消化内科', '骨科', '中医科'])}"),
                        (780, f"就诊日期:{fmt_date(visit, style)}")]:
            d.text((x, y), text, font=f, fill=BLACK)
        fields["visit_date"] = visit
        cats = rng.sample(["西药费", "中成药费", "化验费", "检查费", "治疗费"], 3)
        rows = pick_rows(rng, ["诊查费"] + cats)
        if spec.get("self_pay_row"):
            rows += pick_rows(random.Random(1), ["诊查费(自费)"])
    y += 52
    cols = [("类别", 70, 175, "l"), ("项目名称", 175, 470, "l"), ("规格", 470, 650, "l"),
            ("数量", 650, 715, "r"), ("单位", 715, 780, "c"), ("单价", 780, 890, "r"),
            ("金额", 890, 1005, "r"), ("天数", 1005, 1075, "c"), ("备注", 1075, 1170, "c")]
    table_rows = [[r["category"][:4] if not r["category"].startswith("诊查费(") else "诊查费", r["name"], r["spec"], r["quantity"], r["unit"],
                   r["unit_price"], r["amount"], str(r["days"]) if r["days"] else "", "自费" if r["self_pay"] else ""]
                  for r in rows]
    y = table(d, y, cols, table_rows, f, fb)
    total = m(sum(Decimal(r["amount"]) for r in rows))
    y += 24
    d.text((80, y), f"合计:{total}", font=font("sans_bold", 26), fill=BLACK)
    d.text((420, y), f"大写:{rmb_in_words(total)}", font=f, fill=BLACK)
    d.text((80, 1640), f"打印日期:{fmt_date(rand_date(rng, 2026, 2026), 'dash')}", font=font("sans", 20), fill=BLACK)
    d.text((W - 80, 1640), "本清单仅供核对费用使用", font=font("sans", 20), fill=BLACK, anchor="ra")
    fields["total"] = total
    items = []
    for r in rows:
        it = {"name": r["name"], "spec": r["spec"], "quantity": r["quantity"], "unit": r["unit"],
              "unit_price": r["unit_price"], "amount": r["amount"], "self_pay": r["self_pay"],
              "category": r["category"]}
        if r["days"]:
            it["days"] = r["days"]
        items.append(it)
    return img, {"doc_type": "inpatient_fee_detail" if inpatient else "detail_list", "rotation": 0,
                 "fields": fields, "items": items}, None


SUMMARIES = [
    {"department": "普外科", "diagnosis": "慢性结石性胆囊炎", "surgery": "腹腔镜下胆囊切除术",
     "course": "入院后完善相关检查，排除手术禁忌，于入院第2天在全麻下行腹腔镜下胆囊切除术，"
               "术程顺利，术后予抗感染、补液、护胃等对症支持治疗，切口愈合良好。",
     "admit_dx": "胆囊结石伴慢性胆囊炎"},
    {"department": "骨科", "diagnosis": "右桡骨远端骨折", "surgery": "右桡骨远端骨折切开复位内固定术",
     "course": "入院后完善检查，于腰丛麻醉下行切开复位钢板内固定术，术后予消肿、止痛、"
               "预防感染治疗，复查X线示骨折对位对线良好。", "admit_dx": "右桡骨远端骨折"},
    {"department": "呼吸内科", "diagnosis": "社区获得性肺炎", "surgery": None,
     "course": "入院后予头孢曲松钠抗感染、氨溴索化痰、补液等治疗，体温逐渐恢复正常，"
               "咳嗽咳痰明显好转，复查胸部CT示病灶较前吸收。", "admit_dx": "肺部感染"},
    {"department": "泌尿外科", "diagnosis": "左输尿管结石", "surgery": "经尿道输尿管镜激光碎石术",
     "course": "入院后完善术前检查，于腰麻下行输尿管镜激光碎石取石术并留置双J管，"
               "术后予抗感染、补液治疗，无发热，腰痛缓解。", "admit_dx": "左输尿管结石伴积水"},
]


def render_discharge(spec: dict, rng, np_rng):
    s = SUMMARIES[spec["case"]]
    member = make_member(rng)
    hospital = rng.choice(HOSPITALS)
    img, d = a4()
    W = A4[0]
    f, fb = font("sans", 27), font("sans_bold", 27)
    d.text((W / 2, 120), hospital, font=font("sans_bold", 42 if len(hospital) < 14 else 36), fill=BLACK, anchor="mm")
    d.text((W / 2, 190), "出 院 小 结", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
    d.line([90, 240, W - 90, 240], fill=BLACK, width=3)
    admit = rand_date(rng)
    out = add_days(admit, rng.randint(3, 12))
    style = spec.get("date_style", "dash")
    y = 262
    for x, text in [(100, f"姓名:{member['name']}"), (380, f"性别:{member['sex']}"),
                    (560, f"科室:{s['department']}"), (880, f"住院号:{rng.randint(100000, 999999)}")]:
        d.text((x, y), text, font=f, fill=BLACK)
    y += 50
    d.text((100, y), f"入院日期:{fmt_date(admit, style)}", font=f, fill=BLACK)
    d.text((620, y), f"出院日期:{fmt_date(out, style)}", font=f, fill=BLACK)
    y += 56
    d.line([90, y, W - 90, y], fill=BLACK, width=2)
    y += 28
    fields = {"patient_name": member["name"], "hospital": hospital, "department": s["department"],
              "admission_date": admit, "discharge_date": out, "diagnosis": s["diagnosis"]}
    secs = [("入院诊断", s["admit_dx"], None), ("出院诊断", s["diagnosis"], None)]
    if s["surgery"]:
        secs.append(("手术名称", s["surgery"], "surgery"))
        fields["surgery"] = s["surgery"]
    secs += [("诊疗经过", s["course"], "treatment"),
             ("出院医嘱", "注意休息，按时服药，1周后门诊随访，如有不适及时就诊。", None)]
    if "treatment" in dict((k, 1) for *_, k in secs):
        fields["treatment"] = s["course"]
    for label, text, _ in secs:
        head = f"{label}:"
        d.text((100, y), head, font=fb, fill=BLACK)
        indent = 100 + text_width(head, fb) + 8
        for line in wrap_text(text, f, W - 110 - indent):
            d.text((indent, y), line, font=f, fill=BLACK)
            y += 44
        y += 20
    y = max(y + 40, 1400)
    sig = spec.get("signature", True)
    d.text((680, y), "主治医师签名:", font=fb, fill=BLACK)
    if sig:
        sc = signature_scribble(300, 110, rng)
        blend_ink(img, sc * 0.92, (680 + text_width("主治医师签名:", fb) + 10, y - 45), (25, 35, 95))
    fields["doctor_signature"] = sig
    return img, {"doc_type": "discharge_summary", "rotation": 0, "fields": fields, "items": []}, None


def text_seal(lines: list[str], radius: int, np_rng, top_text: str) -> np.ndarray:
    size = radius * 2 + 20
    c = (size / 2, size / 2)
    layer = Image.new("L", (size, size), 0)
    dd = ImageDraw.Draw(layer)
    dd.ellipse([c[0] - radius, c[1] - radius, c[0] + radius, c[1] + radius], outline=255, width=7)
    fnt = font("serif_bold", int(radius * 0.24))
    text_on_ellipse(layer, c, radius * 0.76, radius * 0.76, top_text, fnt, -min(125, 11 * len(top_text)), min(125, 11 * len(top_text)))
    star(dd, (c[0], c[1] - radius * 0.05), radius * 0.2, 255)
    for i, ln in enumerate(lines):
        dd.text((c[0], c[1] + radius * (0.42 + 0.22 * i)), ln, font=font("serif_bold", int(radius * 0.18)), fill=255, anchor="mm")
    return stamp_texture(layer, np_rng)


def render_settlement(kind: str, spec: dict, rng, np_rng):
    member = make_member(rng)
    img, d = a4()
    W = A4[0]
    f, fb = font("sans", 26), font("sans_bold", 26)
    date = rand_date(rng, 2025, 2026)
    style = spec.get("date_style", "dash")
    fields = {}
    y = 300
    if kind == "other_insurer_settlement":
        insurer = rng.choice(["中国人民财产保险股份有限公司上海市分公司", "中国平安人寿保险股份有限公司上海分公司",
                              "太平洋人寿保险股份有限公司上海分公司", "中国人寿保险股份有限公司上海市分公司"])
        claimed = D(rng.randint(300, 5000) + rng.randint(0, 99) / 100)
        paid = D(claimed * Decimal(rng.uniform(0.5, 0.9)))
        d.text((W / 2, 120), insurer, font=font("sans_bold", 34), fill=BLACK, anchor="mm")
        d.text((W / 2, 185), "理赔结案通知书(赔付清单)", font=font("sans_bold", 38), fill=BLACK, anchor="mm")
        rows = [("赔案号", f"{rng.randint(10 ** 15, 10 ** 16 - 1)}"), ("被保险人", member["name"]),
                ("证件号码", member["id_number"]), ("出险原因", "疾病门诊"), ("申请金额", m(claimed)),
                ("赔付金额", m(paid)), ("结案日期", fmt_date(date, style)), ("领款人账户", member["bank"]["account"])]
        fields = {"insurer": insurer, "paid_amount": m(paid), "settlement_date": date}
        y = 280
        for k, v in rows:
            d.text((160, y), f"{k}:", font=fb, fill=BLACK)
            d.text((400, y), v, font=f, fill=BLACK)
            y += 62
        d.text((160, y + 40), "以上款项已划入被保险人账户，请注意查收。", font=f, fill=BLACK)
        seal = text_seal(["理赔专用章"], 130, np_rng, insurer[:12])
        blend_ink(img, seal * 0.6, (760, y + 60), SEAL_INKS["red"], multiply=True)
    elif kind == "union_settlement":
        paid = D(rng.randint(100, 2000) + rng.choice([0, 0.5]))
        d.text((W / 2, 120), "上海市职工保障互助会", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
        d.text((W / 2, 185), "住院(门急诊)互助保障给付结算单", font=font("sans_bold", 34), fill=BLACK, anchor="mm")
        d.text((160, 250), "上海市总工会", font=f, fill=BLACK)
        rows = [("会员姓名", member["name"]), ("身份证号", member["id_number"]),
                ("所在单位", rng.choice(["上海某某科技有限公司", "上海市某某中学", "某某区街道社区服务中心"])),
                ("保障项目", rng.choice(["职工住院互助保障", "在职职工门急诊专项互助保障"])),
                ("医疗费用总额", m(paid * Decimal(rng.uniform(2, 5)))), ("给付金额", m(paid)),
                ("给付日期", fmt_date(date, style))]
        fields = {"paid_amount": m(paid), "settlement_date": date}
        y = 320
        for k, v in rows:
            d.text((160, y), f"{k}:", font=fb, fill=BLACK)
            d.text((420, y), v, font=f, fill=BLACK)
            y += 62
        seal = text_seal(["业务专用章"], 130, np_rng, "上海市职工保障互助会")
        blend_ink(img, seal * 0.6, (760, y + 30), SEAL_INKS["red"], multiply=True)
    elif kind == "insurance_reimbursement_list":
        hospital = rng.choice(HOSPITALS)
        total = D(rng.randint(200, 8000) + rng.randint(0, 99) / 100)
        fund = D(total * Decimal(rng.uniform(0.4, 0.8)))
        selfb = total - fund
        d.text((W / 2, 120), "上海市医疗保险", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
        d.text((W / 2, 185), "医保报销清单", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
        rows = [("参保人姓名", member["name"]), ("医保卡号", member["id_number"]), ("就医机构", hospital),
                ("结算日期", fmt_date(date, style)), ("医疗费用总额", m(total)), ("医保基金支付", m(fund)),
                ("个人自负", m(selfb))]
        fields = {"total": m(total), "fund_paid": m(fund), "self_borne": m(selfb), "seal": True}
        y = 290
        for k, v in rows:
            d.text((160, y), f"{k}:", font=fb, fill=BLACK)
            d.text((440, y), v, font=f, fill=BLACK)
            y += 62
        seal = text_seal(["医保业务专用章"], 140, np_rng, "上海市医疗保险事务中心")
        blend_ink(img, seal * 0.62, (700, y - 40), SEAL_INKS[spec.get("seal", "red")], multiply=True)
    elif kind == "local_subsidy_list":
        paid = D(rng.randint(50, 1500) + rng.randint(0, 99) / 100)
        district = rng.choice(list(ISSUERS.values()))
        d.text((W / 2, 120), f"上海市{district}区医疗保障局", font=font("sans_bold", 38), fill=BLACK, anchor="mm")
        d.text((W / 2, 185), "地方减负清单", font=font("sans_bold", 40), fill=BLACK, anchor="mm")
        total = D(paid * Decimal(rng.uniform(2, 4)))
        rows = [("姓名", member["name"]), ("身份证号", member["id_number"]),
                ("年度自负费用累计", m(total)), ("减负金额", m(paid)), ("发放日期", fmt_date(date, style))]
        fields = {"paid_amount": m(paid)}
        y = 300
        for k, v in rows:
            d.text((160, y), f"{k}:", font=fb, fill=BLACK)
            d.text((480, y), v, font=f, fill=BLACK)
            y += 62
        seal = text_seal(["减负专用章"], 130, np_rng, f"上海市{district}区医疗保障局")
        blend_ink(img, seal * 0.55, (760, y + 20), SEAL_INKS["red"], multiply=True)
    return img, {"doc_type": kind, "rotation": 0, "fields": fields, "items": []}, None


def render_id(spec, rng, np_rng):
    member = make_member(rng)
    r = render_id_copy({}, member, {}, rng, np_rng)
    return r.image, r.truth, None


def render_bank(spec, rng, np_rng):
    member = make_member(rng)
    r = render_bank_book({}, member, {}, rng, np_rng)
    return r.image, r.truth, None


# =============================================================================
# Extra degradations (beyond make_sample_scans.DEGRADATIONS)
# =============================================================================


def jpeg_artifacts(img, ctx, quality):
    ok, enc = cv2.imencode(".jpg", np.asarray(img)[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return Image.fromarray(cv2.imdecode(enc, cv2.IMREAD_COLOR)[:, :, ::-1])


def phone_photo_any(img, ctx, tilt):
    """Any page photographed on a dark desk at an angle: random perspective
    (tilt scales how far the corners move), uneven light, defocus, noise."""
    rng, np_rng = ctx.rng, ctx.np_rng
    w, h = img.width, img.height
    scale = 1400 / max(w, h)
    W, H = int(w * scale * 1.2), int(h * scale * 1.2)
    desk = np.full((H, W, 3), rng.choice([(38, 34, 31), (55, 42, 35), (25, 27, 32)]), np.float32)
    desk += (cv2.resize(np_rng.random((max(2, H // 40), max(2, W // 40))).astype(np.float32), (W, H))[:, :, None] - 0.5) * 18
    mx, my = W * 0.09, H * 0.09
    j = lambda s: rng.uniform(-s, s) * tilt  # noqa: E731
    dst = np.float32([[mx + j(40), my + j(40)], [W - mx + j(40), my + j(40)],
                      [W - mx + j(40), H - my + j(40)], [mx + j(40), H - my + j(40)]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    M = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(to_arr(img), M, (W, H), flags=cv2.INTER_AREA)
    mask = ctx.paper_mask if ctx.paper_mask is not None else np.ones((h, w), np.float32)
    mk = cv2.warpPerspective(mask, M, (W, H), flags=cv2.INTER_LINEAR)[:, :, None]
    shadow = cv2.GaussianBlur(cv2.warpPerspective(mask, M, (W, H)), (0, 0), 12)[:, :, None]
    desk *= 1 - 0.5 * shadow
    out = page * mk + desk * (1 - mk)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    light = 1.04 - 0.18 * (((xx - rng.uniform(0.2, 0.8) * W) / W) ** 2 + ((yy - 0.3 * H) / H) ** 2)
    out *= light[:, :, None] * np.array([1.0, 0.98, 0.93], np.float32)
    out = cv2.GaussianBlur(out, (0, 0), 0.7)
    out += np_rng.normal(0, 4, out.shape[:2]).astype(np.float32)[:, :, None]
    ctx.paper_mask = None
    return to_img(out)


DEGR = dict(DEGRADATIONS, jpeg=jpeg_artifacts, photo=phone_photo_any)

# =============================================================================
# The set: one entry per document
# =============================================================================


def S(*steps):
    return list(steps)


COPY = ("photocopy", 0.35)
ROT = lambda d: ("store_rotated_cw", d)  # noqa: E731

DOCS = []


def doc(doc_type, name, kind, scan, fmt="jpg", **spec):
    DOCS.append({"doc_type": doc_type, "name": name, "kind": kind, "scan": scan, "fmt": fmt, **spec})


# --- paper receipts (22) -------------------------------------------------------
_receipts = [
    ("r01_account_skew2", "account", S(("skew", 2.0), ("noise", 7), ("blur", 0.5)), {"date_style": "dot_time"}),
    ("r02_account_blue_seal", "account", S(("skew", -1.2), ("noise", 10)), {"seal": "blue", "seal_offset": (90, 10), "date_style": "dotmatrix"}),
    ("r03_fund_jpeg", "fund", S(("skew", 0.8), ("noise", 6), ("jpeg", 35)), {"date_style": "dash_time"}),
    ("r04_additional_note", "additional", S(("skew", -2.5), ("noise", 6)), {"note": True, "date_style": "dotmatrix", "ink": "green"}),
    ("r05_alipay_photo", "alipay", S(("photo", 1.0),), {"note": True, "date_style": "dotmatrix"}),
    ("r06_alipay_zero_rot90", "alipay_zero", S(("photo", 0.6), ROT(90)), {"date_style": "dot_time", "holes": True}),
    ("r07_selfpay_flatscan", "selfpay", S(("tint", "receipt"), ("skew", 0.5), ("noise", 5)), {"date_style": "dot_time"}),
    ("r08_selfpay_photocopy", "selfpay", S(COPY, ("skew", -1.5), ("noise", 5)), {"date_style": "cn"}),
    ("r09_registration_words_only", "registration", S(("skew", 1.0), ("noise", 8)), {"date_style": "dotmatrix"}),
    ("r10_registration_rot270", "registration", S(("skew", -0.7), ("noise", 6), ROT(270)), {"date_style": "dot_time", "ink": "green"}),
    ("r11_account_upside_down", "account", S(("skew", 3.5), ("noise", 6), ROT(180)), {"date_style": "dot_time"}),
    ("r12_fund_blur", "fund", S(("skew", -3.8), ("blur", 1.0), ("noise", 6)), {"date_style": "dash_time", "seal": "blue", "seal_offset": (80, -20)}),
    ("r13_additional_photo_rot270", "additional", S(("photo", 1.0), ROT(270)), {"date_style": "dotmatrix", "holes": True}),
    ("r14_account_photocopy_note", "account", S(COPY, ("skew", 0.9), ("noise", 6)), {"note": True, "date_style": "dot_time"}),
    ("r15_alipay_skew4", "alipay", S(("skew", 4.0), ("noise", 5), ("jpeg", 45)), {"date_style": "dot_time", "ink": "green"}),
    ("r16_fund_png", "fund", S(("tint", "receipt"), ("skew", -0.4)), {"date_style": "cn", "fmt": "png"}),
    ("r17_additional_tiff", "additional", S(("skew", 1.6), ("noise", 4)), {"date_style": "dot_time", "fmt": "tif", "seal": "blue", "seal_offset": (70, 20)}),
    ("r18_account_photo", "account", S(("photo", 1.3),), {"date_style": "dot_time", "note": True}),
    ("r19_inpatient_scan", "inpatient", S(("skew", -1.0), ("noise", 6)), {"date_style": "dot_time"}),
    ("r20_inpatient_photocopy", "inpatient", S(COPY, ("skew", 2.2), ("noise", 5)), {"date_style": "dotmatrix"}),
    ("r21_inpatient_photo", "inpatient", S(("photo", 0.8),), {"date_style": "dot_time", "ink": "green"}),
    ("r22_inpatient_rot90_blue_seal", "inpatient", S(("skew", 0.6), ("noise", 8), ROT(90)), {"date_style": "dash_time", "seal": "blue"}),
]
for name, variant, scan, extra in _receipts:
    fmt = extra.pop("fmt", "jpg")
    doc("receipt", name, "receipt", scan, fmt, variant=variant, **extra)
# --- electronic receipts (8) ---------------------------------------------------
for i in range(1, 9):
    doc("receipt", f"e{i:02d}_electronic", "e_receipt", None, "pdf")

# --- medical records (12) ------------------------------------------------------
_records = [
    ("m01_first_visit_copy", dict(case=0, labels=0, first_visit=True), S(COPY, ("skew", -1.0), ("noise", 5))),
    ("m02_follow_up_variant_labels", dict(case=1, labels=1, first_visit=False, date_style="cn"), S(COPY, ("skew", 0.5), ("noise", 5))),
    ("m03_no_signature", dict(case=2, labels=2, first_visit=True, signature=False, label_without_signature=True, date_style="dot"), S(("skew", 1.8), ("noise", 6))),
    ("m04_missing_aux_exam", dict(case=3, labels=3, first_visit=False, missing=("auxiliary_exam",)), S(COPY, ("skew", -2.6), ("noise", 5))),
    ("m05_tcm_rot180", dict(case=4, labels=0, first_visit=True, date_style="cn"), S(COPY, ("skew", 0.7), ("noise", 5), ROT(180))),
    ("m06_eye_photo", dict(case=5, labels=1, first_visit=True), S(("photo", 1.0),)),
    ("m07_labels_above_png", dict(case=0, labels=2, first_visit=False, label_above=True, date_style="dot"), S(("tint", "white"), ("skew", -0.5))),
    ("m08_no_signature_no_label", dict(case=1, labels=3, first_visit=True, signature=False), S(COPY, ("noise", 6), ("blur", 0.6))),
    ("m09_missing_past_history_rot90", dict(case=2, labels=1, first_visit=False, missing=("past_history",)), S(COPY, ("skew", 1.2), ("noise", 5), ROT(90))),
    ("m10_skew4_jpeg", dict(case=3, labels=0, first_visit=True, date_style="compact"), S(("skew", -4.0), ("noise", 7), ("jpeg", 40))),
    ("m11_tiff", dict(case=4, labels=2, first_visit=False, missing=("auxiliary_exam",), date_style="cn"), S(COPY, ("skew", 0.3))),
    ("m12_photo_rot270", dict(case=5, labels=3, first_visit=False, date_style="dot"), S(("photo", 0.8), ROT(270))),
]
for name, spec, scan in _records:
    fmt = "png" if "png" in name else ("tif" if "tiff" in name else "jpg")
    doc("medical_record", name, "record", scan, fmt, **spec)

# --- detail lists (6) + inpatient fee details (4) ------------------------------
doc("detail_list", "d01_noise", "detail", S(("tint", "white"), ("skew", 0.4), ("noise", 12), ("speckle", 0.0015)))
doc("detail_list", "d02_self_pay_row", "detail", S(COPY, ("skew", -1.3), ("noise", 5)), self_pay_row=True, date_style="dot")
doc("detail_list", "d03_photo", "detail", S(("photo", 1.0),), date_style="cn")
doc("detail_list", "d04_rot180_blur", "detail", S(("skew", 2.0), ("blur", 0.7), ("noise", 5), ROT(180)), date_style="compact")
doc("detail_list", "d05_png", "detail", S(("tint", "white"), ("skew", -0.6)), "png", self_pay_row=True)
doc("detail_list", "d06_jpeg_skew3", "detail", S(("skew", 3.0), ("noise", 6), ("jpeg", 40)), date_style="dot")
doc("inpatient_fee_detail", "f01_scan", "fee_detail", S(("tint", "white"), ("skew", 0.8), ("noise", 6)))
doc("inpatient_fee_detail", "f02_photocopy_rot90", "fee_detail", S(COPY, ("skew", -0.9), ("noise", 5), ROT(90)), date_style="cn")
doc("inpatient_fee_detail", "f03_photo", "fee_detail", S(("photo", 0.9),), date_style="dot")
doc("inpatient_fee_detail", "f04_skew_neg3", "fee_detail", S(("skew", -3.2), ("noise", 8), ("speckle", 0.001)), date_style="compact")
# --- discharge summaries (4) ---------------------------------------------------
doc("discharge_summary", "s01_copy", "discharge", S(COPY, ("skew", 0.6), ("noise", 5)), case=0)
doc("discharge_summary", "s02_no_signature_rot180", "discharge", S(COPY, ("skew", -1.1), ("noise", 5), ROT(180)), case=1, signature=False, date_style="cn")
doc("discharge_summary", "s03_no_surgery_photo", "discharge", S(("photo", 0.8),), case=2, date_style="dot")
doc("discharge_summary", "s04_png", "discharge", S(("tint", "white"), ("skew", 1.4)), "png", case=3)
# --- ID copies, bank books (4 each, + 1 each in the multi-page TIFF) ----------
doc("id_copy", "i01_copy", "id", S(COPY, ("noise", 5)))
doc("id_copy", "i02_skew3", "id", S(COPY, ("skew", 3.0), ("noise", 6)))
doc("id_copy", "i03_photo", "id", S(("photo", 1.0),))
doc("id_copy", "i04_rot270", "id", S(COPY, ("skew", -0.8), ("noise", 5), ROT(270)))
doc("bank_book", "b01_copy", "bank", S(COPY, ("skew", 0.6), ("noise", 5)))
doc("bank_book", "b02_photo", "bank", S(("photo", 1.1),))
doc("bank_book", "b03_rot180", "bank", S(COPY, ("noise", 6), ROT(180)))
doc("bank_book", "b04_jpeg", "bank", S(COPY, ("skew", -2.0), ("jpeg", 35)))
# --- settlements and lists ---------------------------------------------------
doc("other_insurer_settlement", "o01_scan", "other_insurer_settlement", S(("skew", 0.7), ("noise", 5)), date_style="cn")
doc("other_insurer_settlement", "o02_photo", "other_insurer_settlement", S(("photo", 0.9),), date_style="dot")
doc("union_settlement", "u01_copy", "union_settlement", S(COPY, ("skew", -0.8), ("noise", 5)))
doc("union_settlement", "u02_rot90", "union_settlement", S(COPY, ("noise", 5), ROT(90)), date_style="cn")
doc("insurance_reimbursement_list", "l01_red_seal", "insurance_reimbursement_list", S(("skew", 1.1), ("noise", 6)))
doc("insurance_reimbursement_list", "l02_blue_seal_photo", "insurance_reimbursement_list", S(("photo", 0.8),), seal="blue", date_style="dot")
doc("local_subsidy_list", "g01_copy", "local_subsidy_list", S(COPY, ("skew", -1.4), ("noise", 5)))
doc("local_subsidy_list", "g02_png", "local_subsidy_list", S(("tint", "white"), ("skew", 0.5)), "png", date_style="cn")

MULTI = {"name": "id_and_bank_book_2pages", "pages": [
    {"doc_type": "id_copy", "name": "mp_id", "kind": "id", "scan": S(COPY, ("skew", 0.9), ("noise", 5))},
    {"doc_type": "bank_book", "name": "mp_bank", "kind": "bank", "scan": S(COPY, ("skew", -0.6), ("noise", 5), ROT(180))},
]}

RENDER = {
    "receipt": None, "record": render_record, "detail": render_detail_list,
    "fee_detail": lambda s, r, n: render_detail_list(s, r, n, inpatient=True),
    "discharge": render_discharge, "id": render_id, "bank": render_bank,
    **{k: (lambda k: lambda s, r, n: render_settlement(k, s, r, n))(k) for k in
       ("other_insurer_settlement", "union_settlement", "insurance_reimbursement_list", "local_subsidy_list")},
}


def render_scanned(spec: dict) -> tuple[Image.Image, dict]:
    rng, np_rng = seeded("eval/" + spec["name"])
    if spec["kind"] == "receipt":
        content = receipt_content(spec["name"], spec["variant"], rng)
        img, truth, mask = render_paper_receipt(content, spec, rng, np_rng)
    else:
        img, truth, mask = RENDER[spec["kind"]](spec, rng, np_rng)
    ctx = ScanContext(rng, np_rng, mask)
    if mask is not None and not any(s[0] in ("skew", "photo") for s in spec["scan"]):
        img = skew(img, ctx, 0.0)
    for step, param in spec["scan"]:
        img = DEGR[step](img, ctx, param)
    truth["rotation"] = ctx.rotation
    return img, truth


def save_image(img: Image.Image, path: Path, fmt: str, grey: bool):
    if grey:
        img = img.convert("L")
    else:
        img = img.convert("RGB")
    if fmt == "jpg":
        img.save(path, "JPEG", quality=80, optimize=True)
    elif fmt == "png":
        img.save(path, "PNG", optimize=True)
    elif fmt == "tif":
        img.save(path, "TIFF", compression="jpeg", quality=80)


def write_truth(path: Path, truth):
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "eval_set"))
    ap.add_argument("--only", help="generate only documents whose name contains this")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.only and out.exists():
        shutil.rmtree(out)
    for spec in DOCS:
        if args.only and args.only not in spec["name"]:
            continue
        folder = out / spec["doc_type"]
        folder.mkdir(parents=True, exist_ok=True)
        if spec["kind"] == "e_receipt":
            rng, _ = seeded("eval/" + spec["name"])
            truth = make_e_receipt(spec["name"], rng, folder)
            path = folder / f"{spec['name']}.pdf"
        else:
            img, truth = render_scanned(spec)
            path = folder / f"{spec['name']}.{spec['fmt']}"
            grey = any(s[0] == "photocopy" for s in spec["scan"])
            save_image(img, path, spec["fmt"], grey)
        write_truth(folder / f"{spec['name']}.truth.json", truth)
        print(f"{path.relative_to(out)}  {path.stat().st_size // 1024} KB")
    if not args.only or args.only in MULTI["name"]:
        folder = out / "multi_page"
        folder.mkdir(parents=True, exist_ok=True)
        imgs, truths = [], []
        for i, spec in enumerate(MULTI["pages"], 1):
            img, truth = render_scanned(spec)
            imgs.append(img.convert("L"))
            truths.append({"page": i, **truth})
        path = folder / f"{MULTI['name']}.tif"
        imgs[0].save(path, "TIFF", save_all=True, append_images=imgs[1:], compression="jpeg", quality=80)
        write_truth(folder / f"{MULTI['name']}.truth.json", truths)
        print(f"{path.relative_to(out)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
