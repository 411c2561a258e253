"""Charts of a report (R-STA-3), drawn by matplotlib: SVG with its text kept as text
(``svg.fonttype = none``), so Chinese labels render in the reader's own fonts, and PNG
where a picture is asked for (its Chinese needs a CJK font on the server: Debian's
``fonts-noto-cjk``). A long series is a line, a short one or a table bars per member.

Drawn on a ``Figure`` of its own (never pyplot's global state), so web threads may draw
at once."""
from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

from services.stats.domain.reports import SERIES
from services.stats.handlers.reports import ReportAnswer

# Fonts tried in order for PNG; SVG names them for the reader's browser to pick.
matplotlib.rcParams.update({
    "svg.fonttype": "none", "svg.hashsalt": "inservice", "font.family": "sans-serif",
    "font.sans-serif": ["Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei",
                        "PingFang TC", "DejaVu Sans"],
    "axes.unicode_minus": False})
MEDIA = {"svg": "image/svg+xml", "png": "image/png"}
_AS_LINE = 12  # a series longer than this is drawn as a line


def draw(answer: ReportAnswer, form: str) -> bytes:
    figure = Figure(figsize=(10, 4.5), dpi=100)
    axes = figure.subplots()
    labels = [row.label for row in answer.rows]
    headers = answer.headers()[1:]
    as_line = answer.report.shape == SERIES and len(labels) > _AS_LINE
    width = 0.8 / len(headers)
    for index, header in enumerate(headers):
        values = [float(row.values[index]) for row in answer.rows]
        if as_line:
            axes.plot(range(len(labels)), values, label=header, linewidth=1.5)
        else:
            axes.bar([x + index * width for x in range(len(labels))], values, width=width,
                     label=header)
    step = max(1, len(labels) // 24)  # at most ~24 labels on the axis
    shift = 0 if as_line else 0.4 - width / 2
    axes.set_xticks([x + shift for x in range(0, len(labels), step)], labels[::step],
                    rotation=60, fontsize=8)
    axes.set_title(f"{answer.title}（{answer.period_text()}，{answer.scope_text()}）"
                   if answer.lang == "zh-TW" else
                   f"{answer.title} ({answer.period_text()}, {answer.scope_text()})")
    axes.legend(loc="upper left", fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    axes.set_ylim(bottom=0)  # counts: an empty period is a line at 0, not one mid-chart
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format=form, metadata={"Date": None} if form == "svg" else None)
    return out.getvalue()
