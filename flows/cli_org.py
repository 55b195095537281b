"""The `pln org` commands: members join with their LinkedIn export, colleagues to learn from, circles, the L&D map."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows import org_members, org_network
from flows.cli_common import Format, FormatOption, connect, emit, err, out, parse_as_of, print_json
from flows.report import RichReporter
from models.embedding import Embedder
from warehouse import org
from warehouse.org import Member

org_app = typer.Typer(no_args_is_help=True, help="The organisation's own learning network: colleagues and circles.")


class PageFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


PageFormatOption = Annotated[PageFormat, typer.Option("--format", help="table for people, json for scripts, html "
                                                                      "for a page to share")]
OutOption = Annotated[Path | None, typer.Option("--out", help="write to this file instead of the terminal")]


@org_app.command("add-member")
def add_member(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the member, as colleagues know them")],
               export: Annotated[Path, typer.Option(help="their own LinkedIn data export: the ZIP or its folder")],
               email: Annotated[str, typer.Option(help="where colleagues can reach them")] = "",
               team: Annotated[str, typer.Option(help="their team (shown, never used to rank)")] = "",
               location: Annotated[str, typer.Option(help="their site or city (shown, never used to rank)")] = "",
               format: FormatOption = Format.table) -> None:
    """Add a member, with consent, from the public parts of their LinkedIn export; re-adding replaces their profile.

    Their shares, comments, skills, completed courses and positions become their expertise profile. Messages,
    connections, contacts and every other private file of the export are never opened.
    """
    with connect(ctx) as conn:
        added = org_members.add_member(conn, Member(name, email, team, location), export, Embedder())
    if format is Format.json:
        print_json({"member": added.name, "new": added.new, "items": added.items, "warnings": list(added.warnings)})
        return
    out.print(f"{'Added' if added.new else 'Updated'} member {added.name}: {org_members.kinds_summary(added.items)}.",
              markup=False, highlight=False)
    for warning in added.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)


@org_app.command("add-members")
def add_members(ctx: typer.Context,
                roster: Annotated[Path, typer.Argument(help="CSV with the columns name, export and optionally "
                                                            "email, team, location; exports relative to it")],
                format: FormatOption = Format.table) -> None:
    """Add every member a roster lists; one whose export cannot be used is reported, the others are still added."""
    with connect(ctx) as conn:
        done = org_members.add_members(conn, roster, Embedder(), RichReporter(err))
    if format is Format.json:
        print_json({"added": [{"member": a.name, "new": a.new, "items": a.items} for a in done.added],
                    "failed": [{"member": name, "error": error} for name, error in done.failed]})
    else:
        out.print(f"Added or updated {len(done.added)} members; {len(done.failed)} failed.")
    if done.failed and not done.added:
        raise typer.Exit(1)


@org_app.command("remove-member")
def remove_member(ctx: typer.Context, name: str, format: FormatOption = Format.table) -> None:
    """Delete a member and everything kept about them."""
    with connect(ctx) as conn:
        deleted = org_members.remove_member(conn, name)
    if format is Format.json:
        print_json({"member": name, "deleted": deleted})
        return
    out.print(f"Removed member {name} and {sum(deleted.values())} rows about them.", markup=False, highlight=False)


@org_app.command("members")
def members(ctx: typer.Context, format: FormatOption = Format.table) -> None:
    """Every member with their team, location and what their profile holds."""
    with connect(ctx) as conn:
        everyone, counts = org.list_members(conn), org.expertise_counts(conn)
    if format is Format.json:
        print_json([{"name": m.name, "email": m.email, "team": m.team, "location": m.location,
                     "items": counts.get(m.name, {})} for m in everyone])
        return
    table = Table("Member", "Email", "Team", "Location", "Profile")
    for m in everyone:
        table.add_row(escape(m.name), escape(m.email), escape(m.team), escape(m.location),
                      org_members.kinds_summary(counts.get(m.name, {})))
    out.print(table)


@org_app.command("colleagues")
def colleagues(ctx: typer.Context, learner: Annotated[str, typer.Argument(help="the learner")],
               top: Annotated[int, typer.Option(min=1, help="how many colleagues per goal")] = 5,
               format: FormatOption = Format.table) -> None:
    """For each of the learner's goals, the colleagues best placed to help, with what shows it."""
    with connect(ctx) as conn:
        found = org_network.to_json(org_network.colleagues(conn, learner, Embedder(), top))
    if format is Format.json:
        print_json(found)
        return
    if not found:
        out.print(f"No colleague's profile shows the goals of {learner} yet (members join with "
                  "`pln org add-member`).", markup=False, highlight=False)
        return
    table = Table(title=f"Colleagues who can help {escape(learner)}", show_lines=True, title_justify="left")
    for column in ("Goal", "#", "Colleague", "Score", "Why"):
        table.add_column(column, justify="right" if column in ("#", "Score") else "left")
    for item in found:
        who = escape(item["name"]) + (f"\n[dim]{escape(item['email'])}[/dim]" if item["email"] else "")
        table.add_row(escape(item["goal"]), str(item["rank"]), who, f"{item['score']:.2f}",
                      escape("\n".join(item["reasons"])))
    out.print(table)


@org_app.command("circles")
def circles(ctx: typer.Context,
            min_size: Annotated[int, typer.Option(min=2, help="fewest learners in a circle")] = 3,
            max_size: Annotated[int, typer.Option(min=2, help="most learners in a circle")] = 8,
            top: Annotated[int, typer.Option(min=1, help="colleagues and communities per circle")] = 3,
            window_days: Annotated[int, typer.Option(min=1, help="judge communities from posts of the last N "
                                                                 "days")] = 30,
            as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: as of that day \\[default: now]")] = None,
            format: PageFormatOption = PageFormat.table, out_file: OutOption = None) -> None:
    """Group learners with close goals into peer learning circles, with colleagues and communities to help each."""
    # scikit-learn and the community ranking take seconds to import: only the commands that group goals pay.
    from flows.org_circles import circles as form, to_json

    with connect(ctx) as conn:
        found = form(conn, Embedder(), min_size=min_size, max_size=max_size, top=top, window_days=window_days,
                     as_of=parse_as_of(as_of))
    if format is PageFormat.json:
        emit(json.dumps(to_json(found), ensure_ascii=False, indent=2, default=str) + "\n", out_file)
    elif format is PageFormat.html:
        from flows.org_report import render_circles_html  # matplotlib and Jinja load only when a page is made

        emit(render_circles_html(found), out_file)
    else:
        for n, circle in enumerate(to_json(found), start=1):
            table = Table("Learner", "Team", "Their goal", title=f"Circle {n}: {escape(circle['name'])} "
                          f"({circle['size']} learners, {circle['teams']} teams)", title_justify="left")
            for m in circle["members"]:
                table.add_row(escape(m["learner"]), escape(m["team"]), escape(m["goal"]))
            out.print(table)
            helpers = [c["name"] for c in circle["colleagues"]] + [c["name"] for c in circle["communities"]]
            if helpers:
                out.print(f"  Could help: {', '.join(helpers)}", markup=False, highlight=False)
        out.print(f"{len(found.circles)} circles; {len(found.left_out)} of {found.learners} learners with goals "
                  f"in none.", markup=False, highlight=False)
    if out_file is not None:
        err.print(f"Wrote {len(found.circles)} circles to {out_file}", markup=False, highlight=False)


@org_app.command("map")
def expertise_map(ctx: typer.Context, format: PageFormatOption = PageFormat.table, out_file: OutOption = None) -> None:
    """For L&D: which expertise the organisation has, and lacks, against its learners' goals."""
    from flows.org_map import expertise_map as build, to_json

    with connect(ctx) as conn:
        found = build(conn, Embedder())
    if format is PageFormat.json:
        emit(json.dumps(to_json(found), ensure_ascii=False, indent=2, default=str) + "\n", out_file)
    elif format is PageFormat.html:
        from flows.org_report import render_map_html

        emit(render_map_html(found), out_file)
    else:
        table = Table("Theme", "Status", "Learners", "Colleagues able", "Best placed",
                      title=f"{found.learners} learners' goals against {found.members} members' profiles",
                      title_justify="left")
        for theme in found.themes:
            table.add_row(escape(theme.name), theme.status, str(len(theme.learners)), str(theme.able),
                          escape(", ".join(h.name for h in theme.helpers)))
        out.print(table)
    if out_file is not None:
        err.print(f"Wrote {len(found.themes)} themes to {out_file}", markup=False, highlight=False)
