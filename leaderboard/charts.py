"""Geometry for the small charts drawn as inline SVG by the templates (no script, no library).

Functions return plain numbers and labels; the templates write the ``<svg>`` elements, so
every label goes through auto-escaping.  Each chart also has a table fallback in the page.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


def _nice_max(value):
    """A round axis maximum at or above ``value`` (1, 2, 5 × a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def points_over_time(series, *, width=640, height=220, pad_left=48, pad_bottom=28, pad_top=12, pad_right=12):
    """A step line of the running total.  ``series`` is [(date, points that day, running total)]."""
    if not series:
        return None
    plot_w = width - pad_left - pad_right
    plot_h = height - pad_top - pad_bottom
    low = min(0, min(total for _d, _p, total in series))
    high = _nice_max(max(total for _d, _p, total in series))
    span = high - low or 1
    count = len(series)

    def x(i):
        return pad_left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(value):
        return pad_top + plot_h * (1 - (value - low) / span)

    points = [(round(x(i), 1), round(y(total), 1)) for i, (_d, _p, total) in enumerate(series)]
    path = "M " + " L ".join(f"{px} {py}" for px, py in points)
    y_ticks = [Tick(round(y(low + span * k / 4), 1), str(round(low + span * k / 4))) for k in range(5)]
    step = max(1, count // 6)
    x_ticks = [Tick(round(x(i), 1), series[i][0].isoformat()) for i in range(0, count, step)]
    return {
        "width": width,
        "height": height,
        "path": path,
        "points": points,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "left": pad_left,
        "right": width - pad_right,
        "top": pad_top,
        "bottom": height - pad_bottom,
    }


def category_bars(progress, *, width=640, bar_height=22, gap=10, label_width=170):
    """Horizontal bars of approved counts against targets, from ``selectors.category_progress``."""
    if not progress:
        return None
    scale_max = _nice_max(max(max(row["approved"], row["target"] or 0) for row in progress))
    plot_w = width - label_width - 60
    bars = []
    for i, row in enumerate(progress):
        top = i * (bar_height + gap)
        bars.append(
            {
                "label": row["category"].name,
                "y": top,
                "text_y": top + bar_height * 0.7,
                "width": round(plot_w * row["approved"] / scale_max, 1),
                "target_x": round(label_width + plot_w * row["target"] / scale_max, 1) if row["target"] else None,
                "value_x": round(label_width + plot_w * row["approved"] / scale_max + 6, 1),
                "approved": row["approved"],
                "target": row["target"],
                "done": bool(row["target"]) and row["approved"] >= row["target"],
            }
        )
    return {
        "width": width,
        "height": len(progress) * (bar_height + gap),
        "bar_height": bar_height,
        "label_width": label_width,
        "bars": bars,
    }
