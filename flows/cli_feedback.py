"""`pln feedback`: a learner's thumbs up or down on a community or person, which the next ranking takes in."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

import duckdb
import typer

from flows import cards
from flows.cli_common import connect, out
from flows.errors import UsageError
from connectors.base import Person
from flows.learners import require_learner
from models import identity
from warehouse import feedback as votes
from warehouse import queries
from warehouse.feedback import Item


class ItemKind(str, Enum):
    community = "community"
    person = "person"


def resolve_item(conn: duckdb.DuckDBPyConnection, text: str, kind: str | None = None) -> Item:
    """The one community or person `text` names, found as `pln community show` / `pln person show` find them.

    Accounts known to be one person count once, as the account that stands for them in recommendations.
    """
    found: list[Item] = []
    missing: list[cards.NotFound] = []
    for wanted in (kind,) if kind else ("community", "person"):
        try:
            hit = cards.find_community(conn, text) if wanted == "community" else cards.find_person(conn, text)
        except cards.NotFound as exc:  # several matches of one kind stay an error
            missing.append(exc)
            continue
        found.append(Item(wanted, hit.source, hit.key, hit.name))
    if any(i.kind == "person" for i in found):
        people = queries.people(conn)
        lead = identity.aliases(people)
        found = list(dict.fromkeys(_as_lead(i, lead, people) for i in found))
    if not found:
        if len(missing) == 1:
            raise missing[0]
        raise UsageError(f"{text!r}: no community or person has that name, key or URL "
                         "(use a name as `pln recommend` prints it)")
    if len(found) > 1:
        listed = "; ".join(f"{i.kind} {i.name!r} ({i.source} {i.key})" for i in found)
        raise UsageError(f"{text!r} is ambiguous, it names {listed}: give the key or URL, or --kind")
    return found[0]


def _as_lead(item: Item, lead: Mapping[tuple[str, str], tuple[str, str]],
             people: Mapping[tuple[str, str], Person]) -> Item:
    if item.kind != "person" or (item.source, item.key) not in lead:
        return item
    source, key = lead[(item.source, item.key)]
    return Item("person", source, key, people[(source, key)].name)


def feedback(ctx: typer.Context,
             learner: Annotated[str, typer.Argument(help="the learner")],
             item: Annotated[str, typer.Argument(help="a community or person, by the name `pln recommend` prints, "
                                                      "or its key or URL")],
             up: Annotated[bool, typer.Option("--up", help="more like this")] = False,
             down: Annotated[bool, typer.Option("--down", help="not this, and less like it")] = False,
             clear: Annotated[bool, typer.Option("--clear", help="forget the learner's vote on it")] = False,
             kind: Annotated[ItemKind | None, typer.Option(help="when a community and a person share the name")] = None,
             ) -> None:
    """Thumbs up or down on a recommended community or person, taken in by the next ranking.

    Thumbs-down: it is not recommended again and ones much like it drop. Thumbs-up: ones much like it rise a little.
    """
    if up + down + clear != 1:
        raise UsageError(f"{item!r}: give exactly one of --up, --down or --clear")
    with connect(ctx) as conn:
        name = require_learner(conn, learner).name
        chosen = resolve_item(conn, item, kind.value if kind else None)
        what = f"{chosen.name} ({chosen.kind}, {chosen.source} {chosen.key})"
        if clear:
            had = votes.clear_vote(conn, name, chosen)
            out.print(f"Cleared {name}'s vote on {what}." if had else f"{name} had no vote on {what}.",
                      markup=False, highlight=False)
            return
        votes.record_vote(conn, name, chosen, votes.UP if up else votes.DOWN, datetime.now(UTC))
    similar, pronoun = ("communities", "it") if chosen.kind == "community" else ("people", "them")
    effect = (f"{similar.capitalize()} much like {pronoun} rise a little" if up
              else f"{pronoun.capitalize()} will not be recommended again, and {similar} much like {pronoun} drop")
    out.print(f"Noted for {name}: thumbs-{'up' if up else 'down'} on {what}. {effect} in the next recommendations.",
              markup=False, highlight=False)
