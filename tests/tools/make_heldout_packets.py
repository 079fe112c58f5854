#!/usr/bin/env python3
"""Generate whole claim packets built only from held-out layout families, in ``tests/heldout_packets/``.

Each packet is one invented member's outpatient claim: receipt, medical record,
detail list, ID copy and bank book, every page drawn by a held-out family of
``make_heldout_families.py`` (none of them ever tuned on), with the same name,
visit date, hospital and amounts on every page. Beside each page its
``NAME.truth.json``; beside each packet ``<packet>.expected.json`` with the
decision worked out from the policy (``../shared/policy``), not from the program:

* base = 个人账户支付 + 现金支付 − 分类自负 − 自费 (interpretation.md, Money; M1.2,
  M4.2.1, M4.2.2);
* excluded = the detail list's 诊查费 rows (M4.2.1: 挂号费/诊疗费, merged into 诊查费);
  drugs are prescribed for at most 5 days (M4.1.1's general outpatient limit) and
  no exam is a special one (D6), so nothing else is excluded;
* eligible = max(0, base − excluded); each packet is a new member, so the ledger is
  empty: payable = min(1400, max(0, eligible − 600) × 70 %), rounded half-up (M1.1, M1.2);
* status: partially_approved when something is excluded, else approved.

    python3 tests/tools/make_heldout_packets.py [--out tests/heldout_packets] [--only NAME]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_eval_set import make_member  # noqa: E402
from make_heldout_families import (  # noqa: E402
    BANKS, COPY, DEGRADE, HOSPITALS, LABELS_ABOVE, LABELS_BOOKLET, LABELS_BOXED, RENDER, ROT, ScanContext,
    save, seeded,
)

ROOT = Path(__file__).resolve().parents[2]
DEDUCTIBLE, RATIO, OUTPATIENT_CAP = Decimal("600.00"), Decimal("0.70"), Decimal("1400.00")  # M1.1, M1.2
EXCLUDED_FEES = ("诊查费",)  # M4.2.1 as the fee-item terms hold it

# Drugs that fit each record case (CASES index): (name, spec, unit, price, category, usage).
CASE_DRUGS = {
    0: [("盐酸乙哌立松片", "50mg*20片/盒", "盒", "38.60", "西药费", "口服 50mg tid"),
        ("甲钴胺片", "0.5mg*20片/盒", "盒", "21.40", "西药费", "口服 0.5mg tid")],
    1: [("二甲双胍缓释片", "0.5g*30片/盒", "盒", "27.90", "西药费", "口服 0.5g bid"),
        ("百令胶囊", "0.5g*42粒/盒", "盒", "58.80", "中成药费", "口服 2g tid")],
    2: [("氯雷他定片", "10mg*6片/盒", "盒", "18.20", "西药费", "口服 10mg qd"),
        ("炉甘石洗剂", "100ml/瓶", "瓶", "6.50", "西药费", "外用 tid")],
    3: [("盐酸坦索罗辛缓释胶囊", "0.2mg*10粒/盒", "盒", "46.50", "西药费", "口服 0.2mg qn"),
        ("非那雄胺片", "5mg*10片/盒", "盒", "52.30", "西药费", "口服 5mg qd")],
    4: [("糠酸莫米松鼻喷雾剂", "50μg*60喷/支", "支", "68.00", "西药费", "喷鼻 每鼻孔2喷 qd"),
        ("氯雷他定片", "10mg*6片/盒", "盒", "18.20", "西药费", "口服 10mg qd")],
    5: [("缬沙坦胶囊", "80mg*7粒/盒", "盒", "24.80", "西药费", "口服 80mg qd"),
        ("百令胶囊", "0.5g*42粒/盒", "盒", "58.80", "中成药费", "口服 2g tid")],
}
FEES = {"主任": ("主任医师门诊诊查费", "38.00"), "副主任": ("副主任医师门诊诊查费", "33.00"), "普通": ("普通门诊诊查费", "25.00")}
TESTS = {"尿常规": "12.00", "空腹血糖测定": "8.00", "肾功能检测": "45.00", "糖化血红蛋白测定": "60.00"}

# One line a packet: name, record case, visit date, hospital index, fee (or None), lab test (or None),
# drug quantities, receipt split, families (record, detail list, id copy, bank book, receipt), bank.
PACKETS = [
    ("h01_label_above_account", 0, "2026-03-12", 0, "主任", "肾功能检测", (12, 14), dict(variant="account", account_paid=180, category_self_pay="21.30"),
     ("record-label-above", "detail-prescription", "id-a4-side-by-side", "bank-account-page", "receipt-laser-a5"), "中国银行"),
    ("h02_boxed_cash", 1, "2026-04-07", 1, "副主任", "糖化血红蛋白测定", (10, 12), dict(variant="cash", category_self_pay="35.60"),
     ("record-boxed-table", "detail-grouped-subtotal", "id-a4-stacked", "bank-cover", "receipt-thermal-slip"), "交通银行"),
    ("h03_booklet_account", 2, "2026-05-19", 2, "普通", None, (30, 40), dict(variant="account", account_paid=96, category_self_pay="0.00"),
     ("record-booklet-handwritten", "detail-dotmatrix-nogrid", "id-front-only", "bank-account-page", "receipt-laser-a5"), "上海农商银行"),
    ("h04_label_above_fund", 3, "2026-06-02", 3, "主任", "尿常规", (14, 16), dict(variant="fund"),
     ("record-label-above", "detail-grouped-subtotal", "id-turned-on-sheet", "bank-account-page", "receipt-thermal-slip"), "招商银行"),
    ("h05_boxed_account", 4, "2026-06-23", 5, "副主任", None, (12, 15), dict(variant="account", account_paid=250, category_self_pay="12.40"),
     ("record-boxed-table", "detail-prescription", "id-a4-side-by-side", "bank-cover", "receipt-laser-a5"), "中国银行"),
    ("h06_booklet_cash", 5, "2026-07-15", 6, "普通", "肾功能检测", (20, 12), dict(variant="cash", category_self_pay="48.00"),
     ("record-booklet-handwritten", "detail-dotmatrix-nogrid", "id-a4-stacked", "bank-account-page", "receipt-thermal-slip"), "中国邮政储蓄银行"),
    ("h07_label_above_no_fee", 1, "2026-08-04", 7, None, "空腹血糖测定", (16, 10), dict(variant="account", account_paid=300, category_self_pay="0.00"),
     ("record-label-above", "detail-prescription", "id-front-only", "bank-cover", "receipt-laser-a5"), "浦发银行"),
    ("h08_boxed_under_deductible", 2, "2026-08-27", 8, "主任", None, (6, 8), dict(variant="account", account_paid=60, category_self_pay="3.20"),
     ("record-boxed-table", "detail-grouped-subtotal", "id-turned-on-sheet", "bank-account-page", "receipt-thermal-slip"), "交通银行"),
    ("h09_booklet_additional", 4, "2026-09-16", 9, "副主任", "尿常规", (14, 12), dict(variant="additional"),
     ("record-booklet-handwritten", "detail-prescription", "id-a4-side-by-side", "bank-account-page", "receipt-laser-a5"), "招商银行"),
    ("h10_label_above_cap", 3, "2026-10-21", 10, "普通", "尿常规", (30, 28), dict(variant="cash", category_self_pay="66.10"),
     ("record-label-above", "detail-dotmatrix-nogrid", "id-a4-stacked", "bank-cover", "receipt-thermal-slip"), "上海农商银行"),
]

SCANS = {  # per page kind, degradations in turn by packet number
    "receipt": [[("skew", 0.7), ("noise", 4)], [("skew", -1.1), ("noise", 4), ROT(90)], [COPY, ("skew", 0.4), ("noise", 4)]],
    "record": [[COPY, ("skew", -0.6), ("noise", 4)], [("skew", 1.0), ("noise", 5)], [COPY, ("noise", 4), ROT(180)]],
    "detail_list": [[("skew", 0.5), ("noise", 5)], [COPY, ("skew", -0.9), ("noise", 4)], [("skew", 1.3), ("jpeg", 45)]],
    "id_copy": [[COPY, ("noise", 4)], [COPY, ("skew", 0.8), ("noise", 4)], [COPY, ("noise", 5), ROT(270)]],
    "bank_book": [[COPY, ("skew", -0.5), ("noise", 4)], [COPY, ("noise", 4)], [("skew", 0.9), ("noise", 4), ROT(90)]],
}
RECORD_LABELS = {"record-label-above": LABELS_ABOVE, "record-boxed-table": LABELS_BOXED,
                 "record-booklet-handwritten": LABELS_BOOKLET}


def rows_of(case: int, fee: str | None, test: str | None, quantities) -> list[dict]:
    rows = []
    if fee:
        name, price = FEES[fee]
        rows.append(dict(name=name, spec="", quantity="1", unit="次", unit_price=price, amount=price,
                         category="诊查费", self_pay=False))
    if test:
        rows.append(dict(name=test, spec="", quantity="1", unit="项", unit_price=TESTS[test], amount=TESTS[test],
                         category="化验费", self_pay=False))
    for (name, spec, unit, price, category, usage), qty in zip(CASE_DRUGS[case], quantities):
        rows.append(dict(name=name, spec=spec, quantity=str(qty), unit=unit, unit_price=price,
                         amount=f"{Decimal(price) * qty:.2f}", category=category, self_pay=False, usage=usage,
                         days=5 if qty > 10 else 3))
    return rows


def expected_decision(receipt: dict, detail_items: list[dict]) -> dict:
    """The policy's answer for one outpatient receipt of a member with an empty ledger."""
    f = {k: Decimal(v) for k, v in receipt["fields"].items() if k in (
        "account_paid", "cash_paid", "category_self_pay", "self_pay")}
    base = max(Decimal(0), f["account_paid"] + f["cash_paid"] - f["category_self_pay"] - f["self_pay"])
    excluded = sum((Decimal(i["amount"]) for i in detail_items
                    if not i["self_pay"] and any(term in i["name"] for term in EXCLUDED_FEES)), Decimal(0))
    eligible = max(Decimal(0), base - excluded)
    payable = min(OUTPATIENT_CAP, (max(Decimal(0), eligible - DEDUCTIBLE) * RATIO).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return {"status": "partially_approved" if excluded else "approved", "payable": f"{payable:.2f}",
            "missing_documents": [], "worked": {"base": f"{base:.2f}", "excluded": f"{excluded:.2f}",
                                                "eligible": f"{eligible:.2f}"}}


def make_packet(number: int, packet: tuple, out: Path) -> dict:
    name, case, visit, hospital, fee, test, quantities, split, families, bank = packet
    rng, _ = seeded("heldout-packet/" + name)
    member = make_member(rng)
    account = BANKS[bank] + "".join(str(rng.randint(0, 9)) for _ in range(12))
    common = dict(member=member, visit=visit, hospital=HOSPITALS[hospital], dpi=200)
    rows = rows_of(case, fee, test, quantities)
    record_family, detail_family, id_family, bank_family, receipt_family = families
    pages = {
        "receipt": (receipt_family, dict(common, rows=rows, date_style="dash", **split)),
        "record": (record_family, dict(common, case=case, labels=RECORD_LABELS[record_family][number % len(RECORD_LABELS[record_family])],
                                       first_visit=number % 2 == 0, date_style="dash")),
        "detail_list": (detail_family, dict(common, rows=rows, date_style="dash")),
        "id_copy": (id_family, dict(common)),
        "bank_book": (bank_family, dict(common, bank=bank, account=account, seal=True)),
    }
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    truths = {}
    for kind, (family, spec) in pages.items():
        rng, np_rng = seeded(f"heldout-packet/{name}/{kind}")
        img, truth = RENDER[family](spec, rng, np_rng)
        ctx = ScanContext(rng, np_rng, None)
        for step, param in SCANS[kind][number % len(SCANS[kind])]:
            img = DEGRADE[step](img, ctx, param)
        truth = dict(truth, rotation=ctx.rotation, family=family)
        save(img, folder / f"{kind}.jpg", "jpg", grey=True, quality=55)
        (folder / f"{kind}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        truths[kind] = truth
    expected = {"packet": name, **expected_decision(truths["receipt"], truths["detail_list"]["items"])}
    (out / f"{name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return expected


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "tests" / "heldout_packets"))
    ap.add_argument("--only", help="generate only packets whose name contains this")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.only and out.exists():
        shutil.rmtree(out)
    for number, packet in enumerate(PACKETS):
        if args.only and args.only not in packet[0]:
            continue
        expected = make_packet(number, packet, out)
        print(f"{packet[0]}: {expected['status']} {expected['payable']} ({expected['worked']})")


if __name__ == "__main__":
    main()
