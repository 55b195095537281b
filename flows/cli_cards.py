"""`pln community show` and `pln person show`: report cards, and the command linking a recommendation to its card."""
from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows import cards
from flows.cards import Activity, CommunityCard, PersonCard
from flows.cli_common import Format, FormatOption, connect, out, parse_as_of, print_json
from models.cards import ENGAGEMENT
from models.embedding import Embedder
from warehouse.cards import Active, Sample

community_app = typer.Typer(no_args_is_help=True, help="Report cards of communities: evaluate one before joining.")
person_app = typer.Typer(no_args_is_help=True, help="Report cards of people: evaluate one before following.")

LearnerOption = Annotated[str | None, typer.Option("--learner", help="show how much of it is on this learner's goals")]
WindowOption = Annotated[int, typer.Option("--window-days", min=1, help="judge from posts of the last N days")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD: as of that day [default: now]")]

_SPARKS = "▁▂▃▄▅▆▇█"
_COMMUNITY_KINDS = {"rss": "feed", "reddit": "subreddit", "x": "X account or list"}
_PERSON_KINDS = {"rss": "feed author", "reddit": "Reddit user", "x": "X account"}


@community_app.command("show")
def community_show(ctx: typer.Context,
                   name: Annotated[str, typer.Argument(help="as `pln recommend` prints it (r/name, @handle, a feed's "
                                                            "title), or its key or URL; SOURCE:KEY if several match")],
                   learner: LearnerOption = None, window_days: WindowOption = 28, as_of: AsOfOption = None,
                   format: FormatOption = Format.table) -> None:
    """A community's report card: size, posts per week, share on each goal, engagement, its people, sample posts."""
    with connect(ctx) as conn:
        card = cards.community_card(conn, name, learner, window_days, parse_as_of(as_of), Embedder())
    if format is Format.json:
        print_json(cards.to_json(card))
    else:
        print_card(card)


@person_app.command("show")
def person_show(ctx: typer.Context,
                name: Annotated[str, typer.Argument(help="their name, handle (@handle, u/name) or profile URL; "
                                                         "SOURCE:KEY if several match")],
                learner: LearnerOption = None, window_days: WindowOption = 28, as_of: AsOfOption = None,
                format: FormatOption = Format.table) -> None:
    """A person's report card: followers, posts per week, share on each goal, engagement, where they post, samples."""
    with connect(ctx) as conn:
        card = cards.person_card(conn, name, learner, window_days, parse_as_of(as_of), Embedder())
    if format is Format.json:
        print_json(cards.to_json(card))
    else:
        print_card(card)


def card_command(item: Mapping[str, object], learner: str) -> str:
    """The `pln ... show` command that prints the card of a recommended item (as `pln recommend --format json`
    gives it): a community by the name shown, a person by their key, which is unique where names are not."""
    if item["kind"] == "community":
        return f"pln community show {shlex.quote(str(item['name']))} --learner {shlex.quote(learner)}"
    return f"pln person show {shlex.quote(str(item['key']))} --learner {shlex.quote(learner)}"


def card_hint(item: Mapping[str, object], learner: str) -> str:
    """`card_command` as a dim line of rich markup naming the recommendation's rank, to print under its table."""
    return f"[dim]#{item['rank']} report card: {escape(card_command(item, learner))}[/dim]"


def print_card(card: CommunityCard | PersonCard) -> None:
    """The card as a person reads it, fitting 100 columns."""
    a = card.activity
    if isinstance(card, CommunityCard):
        c = card.community
        _header(c.name, _COMMUNITY_KINDS.get(c.source, c.source), c.key, c.url, c.description)
        size = f"{c.size:,} members" if c.size is not None else "members not known"
        extra = [f"category {c.category}"] if c.category else []
        if c.created_at:
            extra.append(f"since {c.created_at:%Y-%m-%d}")
        out.print(" · ".join([size, *extra]))
    else:
        p = card.person
        _header(p.name, _PERSON_KINDS.get(p.source, p.source), p.key, p.url, p.description)
        followers = f"{p.followers:,} followers" if p.followers is not None else "followers not known"
        out.print(" · ".join([followers, *(escape(link) for link in p.links[:3])]))
    _activity(a)
    _goals(a)
    source = card.community.source if isinstance(card, CommunityCard) else card.person.source
    _engagement(a, source)
    labels = dict(ENGAGEMENT.get(source, ()))
    by_author = isinstance(card, CommunityCard)
    if isinstance(card, CommunityCard):
        _active("Most active people", "Person", card.top_people)
    else:
        _active("Where they post", "Community", card.communities)
    _samples("Recent posts", a.recent, labels, by_author=by_author)
    _samples("Most engaged posts", a.most_engaged, labels, by_author=by_author)


def _header(name: str, kind: str, key: str, url: str, description: str) -> None:
    out.print(f"[bold]{escape(name)}[/bold]  [dim]{escape(kind)}[/dim]")
    shown = [u for u in dict.fromkeys((url, key)) if u and u != name]
    if shown:
        out.print(f"[dim]{escape(' · '.join(shown))}[/dim]")
    if description:
        out.print(escape(description if len(description) <= 300 else description[:299] + "…"), highlight=False)


def _activity(a: Activity) -> None:
    counts = [w.posts for w in a.weeks]
    spark = sparkline(counts)
    out.print(f"[bold]{a.posts}[/bold] posts in the {a.window_days} days to {_until(a.as_of)}, "
              f"[bold]{a.posts_per_week:.1f}[/bold] a week  [cyan]{spark}[/cyan] "
              f"[dim](weekly, oldest first: {' '.join(map(str, counts))})[/dim]")


def _goals(a: Activity) -> None:
    goals = a.goals
    if goals is None:
        out.print("[dim]Add --learner NAME to see how much of it is on that learner's goals.[/dim]")
        return
    table = Table(title=f"On {escape(goals.learner)}'s goals", title_justify="left", show_lines=True)
    table.add_column("Goal", ratio=3)
    table.add_column("Posts", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("Closest post", ratio=2)
    for share in goals.shares:
        closest = (f"{escape(share.closest.title)}\n[dim]similarity {share.closest.similarity:.2f}[/dim]"
                   if share.closest else "")
        table.add_row(escape(share.goal), str(share.posts), f"{share.share:.0%}", closest)
    out.print(table)
    unjudged = a.posts - goals.judged
    note = f"; {unjudged} posts not embedded yet (`pln embed`)" if unjudged else ""
    share = f" ({goals.on_any_goal / goals.judged:.0%})" if goals.judged else ""
    out.print(f"On any of these goals: {goals.on_any_goal} of {goals.judged} posts{share}{note}. "
              f"[dim]A post is on a goal at similarity {goals.on_topic:.2f} or more, as in `pln recommend`.[/dim]")


def _engagement(a: Activity, source: str) -> None:
    if not a.engagement:
        why = "feeds publish no engagement counts" if source == "rss" else "no engagement counts in the window"
        out.print(f"Engagement: [dim]{why}.[/dim]")
        return
    parts = [f"median {_counted(e.median, e.label)} (max {_number(e.max)})" for e in a.engagement]
    out.print(f"Engagement per post: {', '.join(parts)}; over {max(e.posts for e in a.engagement)} posts.")


def _active(title: str, noun: str, rows: Sequence[Active]) -> None:
    if not rows:
        return
    links = any(row.url for row in rows)
    table = Table(title=title, title_justify="left")
    table.add_column(noun)
    table.add_column("Posts", justify="right")
    if links:
        table.add_column("Link", style="dim", overflow="fold")
    for row in rows:
        table.add_row(escape(row.name), str(row.posts), *([escape(row.url)] if links else []))
    out.print(table)


def _samples(title: str, samples: Sequence[Sample], labels: Mapping[str, str], *, by_author: bool) -> None:
    # A list rather than a table: links stay whole on one line, so they can be opened or copied.
    if not samples:
        return
    out.print(f"[bold]{title}[/bold]")
    for s in samples:
        heading = s.title or (s.snippet[:120] + ("…" if len(s.snippet) > 120 else ""))
        who = f"by {s.author}" if by_author else f"in {s.community}"
        counts = ", ".join(_counted(v, labels.get(k, k)) for k, v in s.engagement.items())
        out.print(f"  {s.published_at:%Y-%m-%d}  {escape(heading)} [dim]{escape(who)}"
                  f"{escape(' · ' + counts) if counts else ''}[/dim]", highlight=False)
        out.print(f"              [dim]{escape(s.url)}[/dim]", highlight=False)


def sparkline(counts: Sequence[int]) -> str:
    """One block character per count, the tallest for the largest; all-zero counts are all the lowest block."""
    top = max(counts, default=0)
    return "".join(_SPARKS[round(n / top * (len(_SPARKS) - 1))] if top else _SPARKS[0] for n in counts)


def _until(as_of: datetime) -> str:
    """The window's end as a person says it: a midnight end is the day before, whole."""
    if (as_of.hour, as_of.minute, as_of.second, as_of.microsecond) == (0, 0, 0, 0):
        return f"{as_of - timedelta(days=1):%Y-%m-%d}"
    return f"{as_of:%Y-%m-%d %H:%M} UTC"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _counted(value: float, label: str) -> str:
    """'1 upvote', '2 upvotes', '1 reply': labels are plural nouns."""
    if value == 1:
        label = label[:-3] + "y" if label.endswith("ies") else label.removesuffix("s")
    return f"{_number(value)} {label}"
