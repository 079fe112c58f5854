"""The dashboard's chart, drawn on the server as inline SVG (no script, nothing fetched)."""

from __future__ import annotations

from markupsafe import Markup, escape

from pipeline.checks import review_config
from review import labels

AXIS_FROM = 0.5  # OCR confidence sits near 1; starting the axis at 0.5 makes differences visible
ROW, LABEL_WIDTH, BAR_WIDTH = 22, 230, 420


def confidence_chart(rows: list[tuple[str, str, float, float, int]]) -> Markup:
    """One bar per field: mean confidence, a dot at the lowest, a red tick at the review threshold."""
    config = review_config()
    height = ROW * len(rows) + 40
    parts = [f'<svg class="chart" role="img" aria-label="各字段识别置信度" viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 70} '
             f'{height}" width="{LABEL_WIDTH + BAR_WIDTH + 70}" height="{height}">']
    for tick in (0.5, 0.75, 0.85, 1.0):
        x = _x(tick)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 24}"/>'
                     f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick:.2f}</text>')
    for index, (doc_type, name, mean, lowest, count) in enumerate(rows):
        y = index * ROW + 4
        threshold = config["thresholds"].get(name, config["default_threshold"])
        label = escape(f"{labels.doc_type(doc_type)} · {labels.field(name)}")
        css = "bar" if mean >= threshold else "bar low"
        parts.append(
            f'<g><title>{label}: 平均 {mean:.3f}, 最低 {lowest:.3f}, {count} 个值, 阈值 {threshold:.2f}</title>'
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">{label}</text>'
            f'<rect class="{css}" x="{LABEL_WIDTH}" y="{y}" width="{max(_x(mean) - LABEL_WIDTH, 1):.1f}" height="{ROW - 8}"/>'
            f'<circle class="lowest" cx="{_x(lowest):.1f}" cy="{y + (ROW - 8) / 2:.1f}" r="3"/>'
            f'<line class="threshold" x1="{_x(threshold):.1f}" y1="{y - 1}" x2="{_x(threshold):.1f}" y2="{y + ROW - 7}"/>'
            f'<text class="value" x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}">{mean:.3f}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _x(confidence: float) -> float:
    share = (max(confidence, AXIS_FROM) - AXIS_FROM) / (1 - AXIS_FROM)
    return LABEL_WIDTH + share * BAR_WIDTH
