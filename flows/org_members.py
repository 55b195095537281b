"""Members join the organisation's learning network with their own LinkedIn export (public parts only), or leave it."""
from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors import linkedin
from connectors.base import SourceError
from flows.errors import UsageError
from flows.learners import EMAIL_ADDRESS
from flows.report import Reporter
from models.embedding import Embedder, post_text
from warehouse import org
from warehouse.org import Expertise, Member

ROSTER_COLUMNS = ("name", "export", "email", "team", "location")


@dataclass(frozen=True)
class MemberImport:
    """What one member's export gave their profile, by kind of item, and what in it could not be used."""

    name: str
    new: bool
    items: dict[str, int]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class RosterImport:
    """Members added from a roster, and the rows that failed, each with why."""

    added: tuple[MemberImport, ...]
    failed: tuple[tuple[str, str], ...]


def add_member(conn: duckdb.DuckDBPyConnection, member: Member, export: str | Path, embedder: Embedder,
               now: datetime | None = None) -> MemberImport:
    """Build the member's expertise profile from the public files of their export; re-adding replaces it.

    Messages, connections, contacts and every other private file of the export are never opened.
    """
    member = _checked(member)
    now = now or datetime.now(UTC)
    read = linkedin.read_export(export, owner=member.name, now=now, files=linkedin.PUBLIC_FILES)
    items = expertise_of(read)
    if not items:
        raise UsageError(f"{export}: no shares, comments, skills, completed courses or positions to learn "
                         f"{member.name}'s expertise from")
    vectors = embedder.encode([embedding_text(item) for item in items])
    new = org.replace_member(conn, member, items, embedder.name, vectors, now)
    return MemberImport(member.name, new, dict(Counter(item.kind for item in items)), read.warnings)


def add_members(conn: duckdb.DuckDBPyConnection, roster: Path, embedder: Embedder,
                reporter: Reporter) -> RosterImport:
    """Add every member a roster CSV lists (columns ROSTER_COLUMNS; export paths relative to the roster).

    A member whose row or export cannot be used is reported and skipped: the others are still added.
    """
    rows = read_roster(roster)
    added, failed = [], []
    with reporter.step("Adding members", len(rows)) as advance:
        for line, row in rows:
            member = Member(row["name"], row.get("email", ""), row.get("team", ""), row.get("location", ""))
            try:
                if not row["export"]:
                    raise UsageError(f"{roster}: line {line}: no export path for {member.name!r}")
                added.append(add_member(conn, member, roster.parent / row["export"], embedder))
            except (UsageError, SourceError) as exc:
                failed.append((member.name or f"line {line}", str(exc)))
                reporter.note(f"skipped {member.name or f'line {line}'}: {exc}")
            advance(1)
    return RosterImport(tuple(added), tuple(failed))


def read_roster(roster: Path) -> list[tuple[int, dict[str, str]]]:
    """The roster's rows by line number; raises UsageError naming the file when it cannot be read as one."""
    try:
        with roster.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            if not {"name", "export"} <= set(header):
                raise UsageError(f"{roster}: a roster needs the columns name and export "
                                 f"(and may have {', '.join(ROSTER_COLUMNS[2:])}); found {', '.join(header) or 'none'}")
            reader.fieldnames = header
            return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k in ROSTER_COLUMNS})
                    for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{roster}: cannot read the roster ({exc})") from exc


def remove_member(conn: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    """Delete the member and everything kept about them; rows deleted by table."""
    if org.get_member(conn, name) is None:
        raise UsageError(f"{name}: no such member (add one with `pln org add-member`)")
    return org.remove_member(conn, name)


def expertise_of(export: linkedin.LinkedInExport) -> list[Expertise]:
    """The profile items of an export: skills, completed courses (only watched ones show nothing), positions, posts."""
    items = [Expertise("skill", skill) for skill in export.skills]
    items += [Expertise("course", c.title, c.description, dated=c.completed_at.date())
              for c in export.courses if c.completed_at is not None]
    items += [Expertise("position", f"{p.title} at {p.company}" if p.title and p.company else p.title or p.company,
                        dated=p.started) for p in export.positions]
    items += [Expertise("post", p.title or p.text[:100], p.text, p.url,
                        p.published_at.date() if p.published_at else None) for p in export.posts]
    return items


def embedding_text(item: Expertise) -> str:
    """What of an item is embedded: a post as any post is, the rest by title and description."""
    return post_text(item.title, item.text)


def _checked(member: Member) -> Member:
    cleaned = Member(member.name.strip(), member.email.strip(), member.team.strip(), member.location.strip())
    if not cleaned.name:
        raise UsageError("member name: must not be empty")
    if cleaned.email and not EMAIL_ADDRESS.match(cleaned.email):
        raise UsageError(f"--email {member.email!r}: not an email address")
    return cleaned


def kinds_summary(items: dict[str, int], kinds: Sequence[str] = ("post", "skill", "course", "position")) -> str:
    """'12 posts, 3 skills, 1 course' for a person to read."""
    return ", ".join(f"{items[k]} {k}{'s' if items[k] != 1 else ''}" for k in kinds if items.get(k))
