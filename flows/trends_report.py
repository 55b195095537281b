"""The trends report as one self-contained HTML page: a chart of weekly topic volume (inline SVG) and a table."""
from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from matplotlib.figure import Figure

from flows import charts
from flows.trends import TrendsReport, last_day, to_json

# Lines the chart can tell apart; the table lists every topic.
CHART_TOPICS = 8
_SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)


def chart_svg(report: TrendsReport, top: int = CHART_TOPICS) -> str:
    """Posts per week of the first `top` topics of the report, the window shaded, as an inline <svg> element."""
    with charts.svg_style("pln-trends"):
        figure = Figure(figsize=(9, 3.6), layout="constrained")
        axes = figure.add_subplot()
        middles = charts.middles(report.week_starts)
        for topic in report.topics[:top]:
            axes.plot(middles, topic.weekly, **charts.LINE, label=charts.label(f"#{topic.id} {topic.label}"))
        charts.weekly_axes(axes, report.week_starts, report.as_of, report.window_start,
                           f"last {report.window_days} days")
        if report.topics:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return charts.inline_svg(figure)


def render_html(report: TrendsReport) -> str:
    """The whole page: every style inline, the chart as SVG, no script and nothing fetched from a network."""
    environment = Environment(loader=PackageLoader("flows", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["link"] = lambda url: url if _SAFE_LINK.match(url or "") else ""
    since = {t.id: last_day(report.first_seen[t.id]) if t.id in report.first_seen else None for t in report.topics}
    return environment.get_template("trends.html.j2").render(
        report=report, topics=to_json(report), since=since, chart=Markup(chart_svg(report)),
    )
