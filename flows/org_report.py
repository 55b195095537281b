"""The L&D pages as self-contained HTML: the expertise map with its chart (inline SVG), and the learning circles."""
from __future__ import annotations

import textwrap

from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from matplotlib.figure import Figure

from flows import charts, org_circles, org_map
from flows.org_circles import Circles
from flows.org_map import ExpertiseMap

# Bars the chart can show legibly; the table lists every theme.
CHART_THEMES = 15
STATUS_COLOURS = {"covered": "#2da44e", "thin": "#d4a72c", "gap": "#cf222e"}


def chart_svg(found: ExpertiseMap, top: int = CHART_THEMES) -> str:
    """Per theme (most wanted first), learners who want it beside members able to help, as an inline <svg>."""
    shown = found.themes[:top]
    with charts.svg_style("pln-org-map"):
        figure = Figure(figsize=(9, 0.45 * max(len(shown), 2) + 1.2), layout="constrained")
        axes = figure.add_subplot()
        places = range(len(shown))
        labels = [charts.label(textwrap.shorten(t.name, 48, placeholder="…")) for t in shown]
        axes.barh([p - 0.2 for p in places], [len(t.learners) for t in shown], height=0.38, color="#8c959f",
                  label="learners who want it")
        axes.barh([p + 0.2 for p in places], [t.able for t in shown], height=0.38,
                  color=[STATUS_COLOURS[t.status] for t in shown], label="colleagues able to help")
        for p, theme in zip(places, shown):
            if theme.status == "gap":
                axes.text(0.1, p + 0.2, "no one yet", va="center", color=STATUS_COLOURS["gap"], fontsize=8)
        axes.set_yticks(list(places), labels)
        axes.invert_yaxis()
        axes.set_xlabel("people")
        axes.grid(axis="x", alpha=0.3)
        charts.open_axes(axes)
        axes.legend(loc="lower right", frameon=False)
        return charts.inline_svg(figure)


def render_map_html(found: ExpertiseMap) -> str:
    """The expertise map: every style inline, the chart as SVG, no script and nothing fetched."""
    return _environment().get_template("org_map.html.j2").render(
        map=found, themes=org_map.to_json(found), chart=Markup(chart_svg(found)), colours=STATUS_COLOURS)


def render_circles_html(found: Circles) -> str:
    """The learning circles as one page to share: members, shared goal, colleagues and communities."""
    return _environment().get_template("org_circles.html.j2").render(found=found, circles=org_circles.to_json(found))


def _environment() -> Environment:
    return Environment(loader=PackageLoader("flows", "templates"), autoescape=True, trim_blocks=True,
                       lstrip_blocks=True)
