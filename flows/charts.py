"""pln's chart style (matplotlib), shared by the trends page, the digest email and the L&D pages: posts per week as
lines, and inline SVG for pages."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import matplotlib
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

FONT_SIZE = 9
# How a series of weekly counts is drawn: a point in the middle of each week, joined.
LINE = {"marker": "o", "linewidth": 1.6}
# The period in focus: this colour at this opacity over the plot.
SHADE, SHADE_ALPHA = "#f2c14e", 0.25


def middles(week_starts: Sequence[datetime]) -> list[datetime]:
    """Where each week's point goes: its count belongs to the whole week, not to the day it starts."""
    return [start + timedelta(days=3.5) for start in week_starts]


_SVG_START = re.compile(r"<svg\b")


@contextmanager
def svg_style(salt: str) -> Iterator[None]:
    """Draw and save a page's chart inside this: text stays text (searchable, small), and ids made from `salt` do
    not change from run to run."""
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.size": FONT_SIZE}):
        yield


def inline_svg(figure: Figure) -> str:
    """The figure as an <svg> element for inside HTML: no XML declaration or DOCTYPE, no dates (call in svg_style)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    return svg[_SVG_START.search(svg).start():]


def open_axes(axes: Axes) -> None:
    """No frame on the top and right: the data and the two axes it is read against."""
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def label(text: str) -> str:
    """`text` as matplotlib draws it literally: a $ would start its math mode."""
    return text.replace("$", r"\$")


def weekly_axes(axes: Axes, week_starts: Sequence[datetime], end: datetime, shaded_from: datetime,
                shade_label: str | None = None) -> None:
    """Axes for posts per week: a tick at each week's start and at `end`, (shaded_from, end] shaded, counts from 0.

    Dates are shown in the time zone `end` is in, so a week starting at a reader's midnight is labelled with its
    own day.
    """
    axes.axvspan(shaded_from, end, color=SHADE, alpha=SHADE_ALPHA, linewidth=0, label=shade_label)
    axes.set_ylabel("posts per week")
    axes.set_ylim(bottom=0)
    axes.set_xticks([*week_starts, end])
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d", tz=end.tzinfo))
    axes.grid(axis="y", alpha=0.3)
    open_axes(axes)
