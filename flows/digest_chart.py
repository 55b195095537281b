"""The digest's chart, drawn for email: posts per week about each goal as a small PNG, and the same in words."""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import cycle

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image

from flows import charts
from flows.digest_content import GoalVolume

# The email's content column, in CSS pixels; the PNG has SCALE times as many, sharp on phones' dense screens.
WIDTH, HEIGHT = 544, 170
SCALE = 2
# How strongly a line or a letter covers the ground at its antialiased edges, as the palette (_palette) has them.
_STRENGTHS = (1.0, 0.85, 0.7, 0.55, 0.4, 0.25, 0.1)
# Axis tops a chart can have: few tops mean few backgrounds to draw (_background), and round ticks.
_STEPS = (1, 2, 3, 4, 5, 6, 8)
# The backgrounds are shared by every chart of a week, and drawing into a canvas is not thread-safe.
_drawing = threading.Lock()


@dataclass(frozen=True)
class GoalLine:
    """One goal's line: its colour in the chart and its weekly counts in words."""

    goal: str
    color: str
    figures: str


@dataclass(frozen=True)
class Chart:
    """The chart as a PNG, its size in CSS pixels, and what it shows in words (for the text part and alt text)."""

    png: bytes
    width: int
    height: int
    weeks: str  # 'the 4 weeks from 19 Oct to 15 Nov'
    lines: tuple[GoalLine, ...]

    @property
    def alt(self) -> str:
        each = "; ".join(f"“{line.goal}”: {line.figures}" for line in self.lines)
        return f"Chart of the posts per week about each of your goals in {self.weeks}. {each}."


def draw(volume: GoalVolume) -> Chart:
    """The chart of `volume`: one line per goal, in the colours the trends page gives its lines."""
    colors = [to_hex(c) for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    middles = charts.middles(volume.week_starts)
    top = axis_top(max((n for row in volume.counts for n in row), default=0))
    with _drawing:
        canvas, axes, background = _background(volume.week_starts, volume.ends, top)
        canvas.restore_region(background)
        # Only the lines change from learner to learner: drawing them over the week's background is what keeps
        # a chart within a few milliseconds (a whole figure takes tens, mostly laying out tick labels).
        for row, color in zip(volume.counts, cycle(colors)):
            line = Line2D(middles, row, color=color, clip_on=False, **charts.LINE)
            axes.add_line(line)
            axes.draw_artist(line)
            line.remove()
        pixels = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = pixels.convert("RGB")
    buffer = io.BytesIO()
    image.quantize(palette=_palette(tuple(colors)), dither=Image.Dither.NONE).save(buffer, format="png")
    lines = tuple(GoalLine(goal, color, figures(row)) for goal, row, color in zip(volume.goals, volume.counts,
                                                                                 cycle(colors)))
    return Chart(buffer.getvalue(), WIDTH, HEIGHT, weeks_in_words(volume.week_starts, volume.ends), lines)


def figures(counts: tuple[int, ...]) -> str:
    """A goal's weekly counts in words: '3, 5, 4, then 9 this week'."""
    *before, now = counts
    return f"{', '.join(str(n) for n in before)}, then {now} this week" if before else f"{now} this week"


def weeks_in_words(week_starts: tuple[datetime, ...], ends: datetime) -> str:
    """'the 4 weeks from 19 Oct to 15 Nov': the first day and the last."""
    weeks = f"the {len(week_starts)} weeks" if len(week_starts) > 1 else "the week"
    return f"{weeks} from {week_starts[0]:%d %b} to {ends - timedelta(days=1):%d %b}"


def axis_top(largest: int) -> int:
    """The top of the count axis for a largest count of `largest`: the first of 1, 2, 3, 4, 5, 6, 8, 10, 20... that
    reaches it."""
    scale = 1
    while True:
        for step in _STEPS:
            if step * scale >= largest:
                return step * scale
        scale *= 10


@lru_cache(maxsize=16)
def _background(week_starts: tuple[datetime, ...], ends: datetime, top: int) -> tuple[FigureCanvasAgg, Axes, object]:
    """The chart without its lines, drawn once per week and axis top, and the pixels to start each chart from."""
    with matplotlib.rc_context({"font.size": charts.FONT_SIZE}):
        figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100 * SCALE)
        canvas = FigureCanvasAgg(figure)
        # Fixed margins, room for the tick labels: a layout engine would lay them out again for every chart.
        figure.subplots_adjust(left=0.09, right=0.955, top=0.95, bottom=0.15)
        axes = figure.add_subplot()
        charts.weekly_axes(axes, week_starts, ends, week_starts[-1])
        axes.set_xlim(week_starts[0], ends)
        axes.set_ylim(0, top)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        canvas.draw()
    return canvas, axes, canvas.copy_from_bbox(figure.bbox)


@lru_cache(maxsize=4)
def _palette(colors: tuple[str, ...]) -> Image.Image:
    """Every colour a chart has, near enough: white and the shading, and over each the lines' colours and black
    (text, axes, grid) at a few strengths.

    A palette PNG is a third of the size of an RGB one and faster to encode; mapping onto a palette known in advance
    is three times as fast as finding one for each chart, and keeps white white and each line its legend's colour.
    """
    white = np.ones(3)
    grounds = (white, (1 - charts.SHADE_ALPHA) * white + charts.SHADE_ALPHA * np.array(to_rgb(charts.SHADE)))
    inks = [np.array(to_rgb(c)) for c in (*colors, "#000000")]
    entries = [*grounds, *(a * ink + (1 - a) * ground for ink in inks for ground in grounds for a in _STRENGTHS)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([round(255 * v) for entry in entries for v in entry])
    return palette
