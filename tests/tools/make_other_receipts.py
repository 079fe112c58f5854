"""Receipts the plan does not pay as Shanghai medical receipts, for tests/test_other_receipts.py.

    python tests/tools/make_other_receipts.py

Writes tests/other_receipts/<name>.jpg with <name>.truth.json: a 广东省医疗收费票据 (a visit
outside Shanghai, M4.2.19), a Shanghai hospital's 增值税普通发票 and a pharmacy's 上海市通用机打发票
(neither prints the payment split). Fonts as make_sample_scans.sh (fonts-noto-cjk,
fonts-arphic-uming); the images are checked in, so tests need no fonts. Deterministic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_scans import font, rmb_in_words  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "tests" / "other_receipts"
FORM = (60, 60, 70)
VALUE = (25, 28, 50)
SIZE = (1400, 900)


def _page(title: str, title_size: int = 44):
    page = Image.new("RGB", SIZE, (248, 247, 242))
    draw = ImageDraw.Draw(page)
    title_font = font("serif_bold", title_size)
    width = draw.textlength(title, font=title_font)
    draw.text(((SIZE[0] - width) / 2, 50), title, font=title_font, fill=FORM)
    return page, draw


def _label(draw, xy, text, size=26):
    draw.text(xy, text, font=font("song", size), fill=FORM)


def _value(draw, xy, text, size=26):
    draw.text(xy, text, font=font("mono", size), fill=VALUE)


def guangdong_medical_receipt():
    page, d = _page("广东省医疗收费票据")
    _label(d, (560, 115), "(门诊)", 28)
    _label(d, (80, 180), "票据代码:"), _value(d, (210, 180), "44060125")
    _label(d, (900, 180), "票据号码:"), _value(d, (1030, 180), "0012345678")
    _label(d, (80, 230), "收款单位:"), _value(d, (210, 230), "广州市第一人民医院")
    _label(d, (900, 230), "开票日期:"), _value(d, (1030, 230), "2026-03-12")
    _label(d, (80, 280), "医保类型:"), _value(d, (210, 280), "职工医保")
    d.rectangle((80, 330, 1320, 600), outline=FORM, width=2)
    _label(d, (200, 345), "项目"), _label(d, (560, 345), "金额(元)")
    for y, (name, amount) in zip((400, 450), (("西药费", "86.50"), ("检查费", "120.00"))):
        _label(d, (200, y), name), _value(d, (570, y), amount)
    _label(d, (80, 630), "合计(大写):"), _value(d, (240, 630), rmb_in_words("206.50"))
    _label(d, (800, 630), "(小写)"), _value(d, (890, 630), "¥206.50")
    _label(d, (80, 690), "医保统筹基金支付:"), _value(d, (320, 690), "100.00")
    _label(d, (520, 690), "个人账户支付:"), _value(d, (710, 690), "50.00")
    _label(d, (900, 690), "个人现金支付:"), _value(d, (1090, 690), "56.50")
    _label(d, (80, 800), "收款人:"), _label(d, (900, 800), "收款单位(章)")
    fields = {"receipt_kind": "medical_receipt", "issuer_region": "广东省", "hospital": "广州市第一人民医院", "invoice_code": "44060125",
              "invoice_number": "0012345678", "issue_date": "2026-03-12", "total": "206.50",
              "total_in_words": "206.50"}
    return page, fields


def vat_invoice_of_a_hospital():
    page, d = _page("上海增值税普通发票")
    _label(d, (80, 150), "发票代码:"), _value(d, (210, 150), "031001900111")
    _label(d, (900, 150), "发票号码:"), _value(d, (1030, 150), "12345678")
    _label(d, (900, 200), "开票日期:"), _value(d, (1030, 200), "2026年03月15日")
    _label(d, (80, 260), "购买方 名称:"), _value(d, (260, 260), "个人")
    d.rectangle((80, 320, 1320, 560), outline=FORM, width=2)
    _label(d, (100, 335), "货物或应税劳务、服务名称"), _label(d, (900, 335), "金额")
    _value(d, (100, 390), "*医疗服务*体检费"), _value(d, (900, 390), "300.00")
    _label(d, (80, 590), "价税合计(大写)"), _value(d, (290, 590), rmb_in_words("300.00"))
    _label(d, (800, 590), "(小写)"), _value(d, (890, 590), "¥300.00")
    _label(d, (80, 660), "销售方 名称:"), _value(d, (260, 660), "上海市第十人民医院")
    _label(d, (80, 800), "收款人:"), _label(d, (900, 800), "销售方:(章)")
    fields = {"receipt_kind": "vat_invoice", "issuer_region": "上海", "invoice_code": "031001900111",
              "invoice_number": "12345678", "issue_date": "2026-03-15", "total": "300.00",
              "hospital": "上海市第十人民医院"}
    return page, fields


def pharmacy_general_invoice():
    page, d = _page("上海市通用机打发票")
    _label(d, (80, 150), "发票代码:"), _value(d, (210, 150), "131001960071")
    _label(d, (900, 150), "发票号码:"), _value(d, (1030, 150), "00456789")
    _label(d, (80, 200), "收款单位:"), _value(d, (210, 200), "上海华氏大药房有限公司")
    _label(d, (900, 200), "开票日期:"), _value(d, (1030, 200), "2026-03-20")
    d.rectangle((80, 260, 1320, 500), outline=FORM, width=2)
    _label(d, (100, 275), "项目"), _label(d, (600, 275), "数量"), _label(d, (900, 275), "金额")
    _value(d, (100, 330), "感冒灵颗粒"), _value(d, (600, 330), "2盒"), _value(d, (900, 330), "36.00")
    _label(d, (80, 530), "合计(大写):"), _value(d, (240, 530), rmb_in_words("36.00"))
    _label(d, (800, 530), "(小写)"), _value(d, (890, 530), "¥36.00")
    _label(d, (80, 800), "开票人:"), _label(d, (900, 800), "收款单位(章)")
    fields = {"receipt_kind": "general_invoice", "issuer_region": "上海市", "invoice_code": "131001960071",
              "invoice_number": "00456789", "issue_date": "2026-03-20", "total": "36.00",
              "total_in_words": "36.00"}
    return page, fields


def _scanned(page: Image.Image, seed: int, degrees: float) -> np.ndarray:
    """Flatbed-like: a slight skew and sensor noise, saved as JPEG."""
    image = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    image = cv2.warpAffine(image, turn, (width, height), borderValue=(232, 232, 228))
    noise = np.random.default_rng(seed).normal(0, 6, image.shape)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, make, degrees) in enumerate((
            ("guangdong_medical_receipt", guangdong_medical_receipt, 1.0),
            ("vat_invoice_hospital", vat_invoice_of_a_hospital, -0.8),
            ("pharmacy_general_invoice", pharmacy_general_invoice, 0.5))):
        page, fields = make()
        cv2.imwrite(str(OUT / f"{name}.jpg"), _scanned(page, seed, degrees), [cv2.IMWRITE_JPEG_QUALITY, 88])
        truth = {"doc_type": "receipt", "rotation": 0, "fields": fields}
        (OUT / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
        print(f"{name}.jpg")


if __name__ == "__main__":
    main()
