"""Small inline SVG charts and HTML tables for the output views (no plotting library needed)."""

from __future__ import annotations

import html
import math
from typing import Sequence

BLUE = "#0078d4"
GREY = "#8a8886"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def fmt(value, digits: int = 4) -> str:
    """A table cell: numbers to ``digits`` significant digits, missing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"
    try:  # numpy scalars
        import numbers
        if isinstance(value, numbers.Integral):
            return str(int(value))
        if isinstance(value, numbers.Real):
            return fmt(float(value), digits)
    except Exception:  # pragma: no cover
        pass
    return str(value)


def table(rows: Sequence[Sequence], header: Sequence | None = None, *, cls: str = "jd-table",
          first_col_header: bool = False) -> str:
    """An HTML table of already-formatted (or formattable) cells, escaped."""
    out = [f'<table class="{esc(cls)}">']
    if header:
        out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            tag = "th" if first_col_header and i == 0 else "td"
            cells.append(f"<{tag}>{esc(fmt(c) if not isinstance(c, str) else c)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _svg(width: int, height: int, body: str, title: str = "") -> str:
    t = f"<title>{esc(title)}</title>" if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="jd-chart" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'style="font-family: sans-serif; font-size: 10px">{t}{body}</svg>')


def histogram_svg(hist: dict, *, width: int = 220, height: int = 90, title: str = "") -> str:
    """Bars of a histogram from ``engine.profiling.histogram`` (numeric or categorical)."""
    counts = list(hist.get("counts") or [])
    if not counts:
        return _svg(width, height, f'<text x="4" y="{height / 2}" fill="{GREY}">no values</text>', title)
    labels: list[str]
    if hist.get("kind") == "categorical":
        labels = [str(c) for c in hist.get("categories", [])]
        if hist.get("other"):
            counts = counts + [hist["other"]]
            labels = labels + ["(other)"]
    else:
        edges = hist.get("edges") or []
        labels = [f"{fmt(edges[i], 3)} \u2013 {fmt(edges[i + 1], 3)}" if i + 1 < len(edges) else ""
                  for i in range(len(counts))]
    top = max(counts) or 1
    pad_b = 14
    n = len(counts)
    bw = (width - 4) / n
    bars = []
    for i, c in enumerate(counts):
        h = (height - pad_b - 4) * c / top
        x = 2 + i * bw
        y = height - pad_b - h
        bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bw - 1, 0.5):.1f}" height="{h:.1f}" '
                    f'fill="{BLUE}"><title>{esc(labels[i])}: {c}</title></rect>')
    if hist.get("kind") == "categorical":
        axis = (f'<text x="2" y="{height - 2}" fill="{GREY}">{esc(labels[0][:14])}</text>'
                f'<text x="{width - 2}" y="{height - 2}" fill="{GREY}" text-anchor="end">'
                f'{len(labels)} values</text>')
    else:
        edges = hist.get("edges") or [0, 0]
        axis = (f'<text x="2" y="{height - 2}" fill="{GREY}">{esc(fmt(edges[0], 3))}</text>'
                f'<text x="{width - 2}" y="{height - 2}" fill="{GREY}" text-anchor="end">'
                f'{esc(fmt(edges[-1], 3))}</text>')
    return _svg(width, height, "".join(bars) + axis, title)


def curve_svg(xs: Sequence[float], ys: Sequence[float], *, xlabel: str, ylabel: str,
              title: str = "", diagonal: bool = False, marker: tuple | None = None,
              width: int = 260, height: int = 230) -> str:
    """A line chart on the unit square (ROC, precision-recall), with an optional marker."""
    ml, mb, mt, mr = 34, 30, 18, 8
    pw, ph = width - ml - mr, height - mt - mb

    def px(x):
        return ml + pw * min(max(float(x), 0.0), 1.0)

    def py(y):
        return mt + ph * (1 - min(max(float(y), 0.0), 1.0))

    parts = [f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#c8c6c4"/>']
    for t in (0.25, 0.5, 0.75):
        parts.append(f'<line x1="{px(t):.1f}" y1="{mt}" x2="{px(t):.1f}" y2="{mt + ph}" stroke="#edebe9"/>')
        parts.append(f'<line x1="{ml}" y1="{py(t):.1f}" x2="{ml + pw}" y2="{py(t):.1f}" stroke="#edebe9"/>')
    for t in (0, 0.5, 1):
        parts.append(f'<text x="{px(t):.1f}" y="{mt + ph + 12}" text-anchor="middle" fill="{GREY}">{t:g}</text>')
        parts.append(f'<text x="{ml - 4}" y="{py(t) + 3:.1f}" text-anchor="end" fill="{GREY}">{t:g}</text>')
    if diagonal:
        parts.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" stroke="{GREY}" '
                     'stroke-dasharray="4 3"/>')
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys)
                   if x is not None and y is not None and not (math.isnan(x) or math.isnan(y)))
    if pts:
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    if marker is not None:
        parts.append(f'<circle class="jd-marker" cx="{px(marker[0]):.1f}" cy="{py(marker[1]):.1f}" '
                     f'r="4.5" fill="#d13438" stroke="#fff"/>')
    parts.append(f'<text x="{ml + pw / 2}" y="{height - 3}" text-anchor="middle">{esc(xlabel)}</text>')
    parts.append(f'<text x="10" y="{mt + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {mt + ph / 2})">{esc(ylabel)}</text>')
    if title:
        parts.append(f'<text x="{ml}" y="12" font-weight="bold">{esc(title)}</text>')
    return _svg(width, height, "".join(parts), title)


def heatmap_table(labels: Sequence, matrix: Sequence[Sequence[float]], *, cls: str = "jd-table") -> str:
    """A confusion matrix: rows actual, columns predicted, cells shaded by row share."""
    head = "<tr><th>Actual \\ Predicted</th>" + "".join(f"<th>{esc(l)}</th>" for l in labels) + "</tr>"
    rows = []
    for lab, row in zip(labels, matrix):
        total = sum(row) or 1
        cells = []
        for v in row:
            share = v / total
            cells.append(f'<td style="background: rgba(0,120,212,{0.08 + 0.7 * share:.2f})">'
                         f"{esc(fmt(v))}</td>")
        rows.append(f"<tr><th>{esc(lab)}</th>{''.join(cells)}</tr>")
    return f'<table class="{esc(cls)}"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


LEARNER_COLOURS = ("#0078d4", "#d13438", "#107c10", "#8764b8", "#ca5010", "#038387")


def leaderboard_svg(trials: Sequence[int], values: Sequence[float], learners: Sequence[str], *,
                    metric: str, lower_is_better: bool = False, width: int = 520,
                    height: int = 240) -> str:
    """AutoML trials: the metric of each trial in trial order (a dot per trial, coloured by
    learner) and the best so far (a step line), with a legend of the learners."""
    pts = [(int(t), float(v), str(l)) for t, v, l in zip(trials, values, learners)
           if v is not None and not math.isnan(float(v))]
    if not pts:
        return _svg(width, 40, f'<text x="4" y="20" fill="{GREY}">no trial has a metric</text>')
    pts.sort()
    names = list(dict.fromkeys(l for _, _, l in pts))
    legend_h = 14 * len(names) + 4
    ml, mb, mt, mr = 52, 30, 20, 10
    pw, ph = width - ml - mr, height - mt - mb - legend_h
    lo, hi = min(v for _, v, _ in pts), max(v for _, v, _ in pts)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * (abs(lo) or 1) * 0.01, hi + 0.5 * (abs(hi) or 1) * 0.01
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    n = max(p[0] for p in pts)

    def px(t):
        return ml + (pw * (t - 1) / (n - 1) if n > 1 else pw / 2)

    def py(v):
        return mt + ph * (1 - (v - lo) / (hi - lo))

    parts = [f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#c8c6c4"/>']
    for f in (0.0, 0.5, 1.0):
        v = lo + (hi - lo) * f
        parts.append(f'<line x1="{ml}" y1="{py(v):.1f}" x2="{ml + pw}" y2="{py(v):.1f}" stroke="#edebe9"/>')
        parts.append(f'<text x="{ml - 4}" y="{py(v) + 3:.1f}" text-anchor="end" fill="{GREY}">'
                     f'{esc(fmt(v, 3))}</text>')
    for t in sorted({1, n, (n + 1) // 2}):
        parts.append(f'<text x="{px(t):.1f}" y="{mt + ph + 12}" text-anchor="middle" fill="{GREY}">{t}</text>')
    best, steps = None, []
    for t, v, _ in pts:
        if best is None or (v < best if lower_is_better else v > best):
            best = v
        steps.append((t, best))
    line = []
    for i, (t, b) in enumerate(steps):
        if i:
            line.append(f"{px(t):.1f},{py(steps[i - 1][1]):.1f}")
        line.append(f"{px(t):.1f},{py(b):.1f}")
    parts.append(f'<polyline class="jd-best-so-far" points="{" ".join(line)}" fill="none" '
                 f'stroke="{GREY}" stroke-width="1.5" stroke-dasharray="4 2"/>')
    for t, v, l in pts:
        c = LEARNER_COLOURS[names.index(l) % len(LEARNER_COLOURS)]
        parts.append(f'<circle class="jd-trial" cx="{px(t):.1f}" cy="{py(v):.1f}" r="3.5" fill="{c}">'
                     f'<title>Trial {t}: {esc(l)}, {esc(metric)} {esc(fmt(v))}</title></circle>')
    parts.append(f'<text x="{ml + pw / 2}" y="{mt + ph + 26}" text-anchor="middle">Trial</text>')
    parts.append(f'<text x="10" y="{mt + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {mt + ph / 2})">{esc(metric)}</text>')
    parts.append(f'<text x="{ml}" y="13" font-weight="bold">{esc(metric)} by trial '
                 f'({"lower" if lower_is_better else "higher"} is better; dashed: best so far)</text>')
    y0 = height - legend_h + 10
    for i, l in enumerate(names):
        c = LEARNER_COLOURS[i % len(LEARNER_COLOURS)]
        parts.append(f'<circle cx="{ml + 4}" cy="{y0 + 14 * i - 3}" r="4" fill="{c}"/>'
                     f'<text x="{ml + 12}" y="{y0 + 14 * i}">{esc(l)}</text>')
    return _svg(width, height, "".join(parts), f"{metric} by trial")
