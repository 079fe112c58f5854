"""The day's report as a page a supervisor reads at a glance: counts, money, backlog,
and a chart of OCR confidence (inline SVG, no plotting library needed)."""

from __future__ import annotations

import html
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from pipeline.signals import rule_label

BUCKETS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.85), (0.85, 0.9), (0.9, 0.95), (0.95, 0.99), (0.99, 1.01)]
# A decided packet counts by its outcome, as the review app's dashboard shows it.
STATUS_NAMES = {"approved": "批准", "partially_approved": "部分批准", "rejected": "拒赔", "pending_documents": "待补材料",
                "decided": "已决定", "needs_review": "待复核", "received": "处理中", "expired": "已过期",
                "quarantined": "已隔离", "error": "出错"}
STATUS_ORDER = list(STATUS_NAMES)


def confidence_histogram(confidences: list[float]) -> list[tuple[str, int]]:
    counts = Counter()
    for value in confidences:
        for low, high in BUCKETS:
            if low <= value < high:
                counts[(low, high)] += 1
                break
    return [(f"{low:.2f}–{min(high, 1.0):.2f}", counts[(low, high)]) for low, high in BUCKETS]


def _bars_svg(histogram: list[tuple[str, int]], width: int = 640, height: int = 220) -> str:
    peak = max((count for _, count in histogram), default=0) or 1
    bar_width = width / len(histogram)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
             f'aria-label="OCR 置信度分布">']
    for index, (label, count) in enumerate(histogram):
        bar = (height - 20) * count / peak
        x = index * bar_width + 6
        colour = "#c0392b" if index < 4 else "#2e86c1"  # under the usual review threshold in red
        parts.append(f'<rect x="{x:.0f}" y="{height - bar:.0f}" width="{bar_width - 12:.0f}" height="{bar:.0f}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{x + (bar_width - 12) / 2:.0f}" y="{height - bar - 4:.0f}" font-size="12" '
                     f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + (bar_width - 12) / 2:.0f}" y="{height + 16}" font-size="11" '
                     f'text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _signals_table(signal_counts: dict[str, dict[str, int]]) -> str:
    rows = "".join(f"<tr><td>{html.escape(rule_label(rule))}</td><td>{c['open']}</td><td>{c['raised']}</td>"
                   f"<td>{c['dismissed']}</td><td>{c['escalated']}</td></tr>" for rule, c in signal_counts.items())
    return ("<table><tr><th>规则</th><th>待处理</th><th>今日新增</th><th>今日排除</th><th>今日上报</th></tr>"
            f"{rows or '<tr><td colspan=5>无</td></tr>'}</table>")


def _desk_tables(desk: dict) -> str:
    """Originals to send back (M2.9) and material asked for (M2.7), as of now."""
    def cell(value) -> str:
        return f"<td>{html.escape(str(value or ''))}</td>"

    returned = "".join(f"<tr>{cell(r['claim_id'])}{cell(r['member_id'])}{cell('、'.join(r['receipts']))}"
                       f"{cell(STATUS_NAMES.get(r['status'], r['status']))}</tr>" for r in desk["originals_to_return"])
    refused = "".join(f"<tr>{cell(r['claim_id'])}{cell(r['member_id'])}{cell('、'.join(r['receipts']))}</tr>"
                      for r in desk["originals_not_returned"])
    asked = "".join(f"<tr>{cell(r['claim_id'])}{cell(r['member_id'])}{cell(r['document'])}{cell(r['reason'])}"
                    f"{cell(r['asked_on'])}{cell(r['last_day'])}</tr>" for r in desk["documents_requested"])
    none = "<tr><td colspan=6>无</td></tr>"
    return (f"<h2>待退回原件（M2.9）</h2><table><tr><th>案件号</th><th>被保险人编号</th><th>收据号</th><th>审核结果</th></tr>"
            f"{returned or none}</table>"
            f"<p>未提供收据复印件或贴足邮票的信封、依 M2.9 不予退回：</p><table><tr><th>案件号</th><th>被保险人编号</th>"
            f"<th>收据号</th></tr>{refused or none}</table>"
            f"<h2>待补材料（M2.7）</h2><table><tr><th>案件号</th><th>被保险人编号</th><th>材料</th><th>原因</th>"
            f"<th>要求日期</th><th>补交截止（M3.5）</th></tr>{asked or none}</table>")


def _run_facts(summary) -> dict:
    """What one nightly run did: a second run on the same day adds to the day, never replaces it."""
    return {"redecided": summary.redecided, "expired": summary.expired, "payment_file": summary.payment_file,
            "paid_claims": summary.paid_claims, "paid_total": f"{summary.paid_total:.2f}"}


def _earlier_runs(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    except (OSError, ValueError):  # no report yet today (or one this version did not write)
        return []


def write_report(folder: Path, summary, statuses: Counter, packets_today: int, review_queue: int,
                 confidences: list[float], signal_counts: dict[str, dict[str, int]], desk: dict) -> Path:
    """The day's report over every nightly run of the day: what each run did adds up (payments,
    re-decisions, expiries); what is a state (statuses, backlog, reminders, signals) is as of now.
    `signal_counts`: per abuse-signal rule, open now and raised, dismissed, escalated since the day began.
    `desk`: the originals to send back and the material asked for (flows.desk.report_lists)."""
    folder.mkdir(parents=True, exist_ok=True)
    facts_path = folder / f"{summary.day.isoformat()}.json"
    runs = [*_earlier_runs(facts_path), _run_facts(summary)]
    redecided = {claim: status for run in runs for claim, status in run["redecided"].items()}
    expired = list(dict.fromkeys(claim for run in runs for claim in run["expired"]))
    payment_files = [run["payment_file"] for run in runs if run["payment_file"]]
    paid_claims = sum(run["paid_claims"] for run in runs)
    paid_total = sum((Decimal(run["paid_total"]) for run in runs), Decimal("0.00"))
    histogram = confidence_histogram(confidences)
    facts = {
        "day": summary.day.isoformat(), "packets_today": packets_today, "statuses": dict(statuses),
        "review_queue_fields": review_queue, "redecided": redecided, "expired": expired,
        "pending_reminders_due": summary.overdue_pending, "payment_files": payment_files,
        "paid_claims": paid_claims, "paid_total": f"{paid_total:.2f}",
        "unpaid_no_bank_account": summary.unpaid_no_account, "decided_lower_than_paid": summary.lower_than_paid,
        "ocr_confidence_histogram": dict(histogram), "signals": signal_counts, **desk, "runs": runs,
    }
    facts_path.write_text(json.dumps(facts, ensure_ascii=False, indent=1), encoding="utf-8")
    ordered = sorted(statuses.items(), key=lambda pair: (STATUS_ORDER.index(pair[0]) if pair[0] in STATUS_NAMES
                                                         else len(STATUS_ORDER), pair[0]))
    rows = "".join(f"<tr><td>{html.escape(STATUS_NAMES.get(s, s))}</td><td>{n}</td></tr>" for s, n in ordered)

    def listed(items: list[str]) -> str:
        return ", ".join(html.escape(i) for i in items) or "无"

    page = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>理赔日报 {summary.day.isoformat()}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}} .big{{font-size:2em;font-weight:bold}}
td,th{{padding:.2em 1em;border-bottom:1px solid #ddd}} .cards{{display:flex;gap:2em}}</style>
<h1>理赔日报 {summary.day.isoformat()}</h1>
<p>本日夜间处理 {len(runs)} 次,以下为全日合计。</p>
<div class="cards">
 <div><div class="big">{packets_today}</div>今日收件</div>
 <div><div class="big">{paid_claims}</div>今日付款笔数</div>
 <div><div class="big">{paid_total:.2f}</div>今日付款金额(元)</div>
 <div><div class="big">{statuses.get('needs_review', 0)}</div>待复核案件</div>
 <div><div class="big">{review_queue}</div>待复核字段</div>
 <div><div class="big">{sum(c["open"] for c in signal_counts.values())}</div>待处理风险信号</div>
</div>
<h2>案件状态</h2><table><tr><th>状态</th><th>件数</th></tr>{rows}</table>
<h2>风险信号</h2>{_signals_table(signal_counts)}
{_desk_tables(desk)}
<h2>OCR 置信度分布</h2>{_bars_svg(histogram)}
<h2>夜间处理</h2>
<p>重新裁定: {len(redecided)} 件; 超过 M3.5 时效而过期: {listed(expired)}</p>
<p>待补材料超过 30 天需提醒: {listed(summary.overdue_pending)}</p>
<p>付款文件: {listed([Path(name).name for name in payment_files])};
 缺少银行账户未付款: {listed(summary.unpaid_no_account)}; 裁定金额低于已付金额(需人工处理): {listed(summary.lower_than_paid)}</p>
</html>"""
    path = folder / f"{summary.day.isoformat()}.html"
    path.write_text(page, encoding="utf-8")
    return path
