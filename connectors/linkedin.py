"""The LinkedIn importer: a member's "Download your data" export (ZIP or folder) to records, from allow-listed files."""
from __future__ import annotations

import codecs
import csv
import hashlib
import html
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath

from connectors.base import Person, Post, SourceError

SOURCE = "linkedin"


@dataclass(frozen=True)
class Connection:
    """A first-degree connection; the export's email column is never read into it."""

    name: str
    url: str
    company: str
    position: str
    connected_on: date | None


@dataclass(frozen=True)
class Followed:
    """A member the learner follows without being connected (2026 exports name them only, no URL)."""

    name: str
    url: str = ""


@dataclass(frozen=True)
class Course:
    """A LinkedIn Learning course or path the learner has watched; completed_at is None until finished."""

    title: str
    description: str
    type: str
    completed_at: datetime | None


@dataclass(frozen=True)
class Position:
    """A job on the learner's profile; dates are the first of the month LinkedIn gives, finished None when current."""

    title: str
    company: str
    started: date | None
    finished: date | None


@dataclass(frozen=True)
class LinkedInExport:
    """What pln keeps of one export: the learner's own posts, network, follows, skills, learning and jobs."""

    posts: tuple[Post, ...] = ()
    connections: tuple[Connection, ...] = ()
    company_follows: tuple[str, ...] = ()
    hashtag_follows: tuple[str, ...] = ()
    member_follows: tuple[Followed, ...] = ()
    skills: tuple[str, ...] = ()
    courses: tuple[Course, ...] = ()
    positions: tuple[Position, ...] = ()
    files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def people(self) -> tuple[Person, ...]:
        """Connections and followed members as Person records, keyed by profile URL when known, else by name."""
        people: dict[str, Person] = {}
        for c in self.connections:
            description = " at ".join(part for part in (c.position, c.company) if part)
            people.setdefault(c.url or c.name, Person(SOURCE, c.url or c.name, c.name, c.url, description))
        connected = {c.name.casefold() for c in self.connections}
        for f in self.member_follows:
            # Follows carry no URL since 2026: a followed connection is matched by name instead.
            if f.url or f.name.casefold() not in connected:
                people.setdefault(f.url or f.name, Person(SOURCE, f.url or f.name, f.name, f.url))
        return tuple(people.values())


@dataclass(frozen=True)
class Limits:
    """How much an archive may hold before it is refused as hostile (a zip bomb) rather than read."""

    max_members: int = 10_000
    max_total_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0
    # Small members may compress as well as they like: only a big and very compressible one is a bomb.
    ratio_floor_bytes: int = 4 * 1024 * 1024


def community_of(owner: str) -> str:
    """The community a learner's own shares and comments are kept in: theirs alone, never recommended."""
    return f"{SOURCE}:{owner}"


# What a member shows everyone on their profile: an organisation's colleague search reads these files and no other.
PUBLIC_FILES = frozenset({"Shares.csv", "Comments.csv", "Skills.csv", "Learning.csv", "Positions.csv"})


def read_export(path: str | Path, *, owner: str, now: datetime, limits: Limits = Limits(),
                files: Collection[str] | None = None) -> LinkedInExport:
    """Read the export ZIP or its unpacked folder; `owner` (the learner's name) authors the posts.

    Only the allow-listed files are opened, narrowed to the labels in `files` when given (e.g. PUBLIC_FILES);
    a bad file or row becomes a warning. Raises SourceError naming `path` when it is missing, not a ZIP nor a
    folder, holds none of the files to read, or breaks a ZIP limit.
    """
    if not owner.strip():
        raise ValueError("owner must be the learner's name, got an empty string")
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    wanted = frozenset(kind.label for kind in _KINDS.values()) if files is None else frozenset(files)
    unknown = wanted - {kind.label for kind in _KINDS.values()}
    if unknown:
        raise ValueError(f"files: {', '.join(sorted(unknown))} not among the files pln reads ({_known_names()})")
    location = Path(path)
    if location.is_dir():
        return _read_folder(location, owner, now, limits, wanted)
    if not location.is_file():
        raise SourceError(str(path), "no such file or folder")
    try:
        archive = zipfile.ZipFile(location)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(str(path), f"not a LinkedIn data export: neither a ZIP archive nor a folder ({exc})") from exc
    with archive:
        return _read_zip(archive, str(path), owner, now, limits, wanted)


def parse_file(name: str, data: bytes, *, owner: str, now: datetime) -> LinkedInExport:
    """Parse one export file, chosen by its name (folders and `_<memberId>` suffixes allowed); pure bytes to records.

    Raises ValueError when `name` is not one of the files the importer reads.
    """
    kind = _kind_of(name)
    if kind is None:
        raise ValueError(f"{name}: not one of the LinkedIn export files pln reads ({_known_names()})")
    context = _Context(name, owner, now)
    table = _read_table(data, kind, context)
    part = kind.build(table, context) if table is not None else LinkedInExport()
    return _deduplicated(replace(part, files=(name,), warnings=tuple(context.warnings)))


def parse_datetime(value: str) -> datetime | None:
    """A UTC datetime from any date format LinkedIn exports have used; None when empty or "N/A".

    Raises ValueError naming the value when no known format fits.
    """
    text = _UTC_WORD.sub("", value.strip())
    if not text or text.upper() == "N/A":
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a date in a known format: {value[:60]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# Tried after ISO 8601 (posts, comments, learning, 2026 follows), the most frequent first.
_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",       # 2018 Shares: 2017/06/08 08:15:44 UTC
    "%d %b %Y",                # Connections 2021+: 05 Feb 2014
    "%m/%d/%y, %I:%M %p",      # Connections 2018: 1/8/18, 6:14 PM
    "%a %b %d %H:%M:%S %Y",    # Company Follows: Wed Jun 16 06:56:05 UTC 2021
    "%m/%d/%Y %H:%M",          # Hashtag_Follows: 1/14/2020 12:13
    "%b %Y",                   # Positions: Mar 2023
    "%Y",
)
_UTC_WORD = re.compile(r"\s+UTC\b")

# ---------------------------------------------------------------------------------------------- reading


def _read_zip(archive: zipfile.ZipFile, path: str, owner: str, now: datetime, limits: Limits,
              wanted: frozenset[str]) -> LinkedInExport:
    """Check every member's name and sizes before anything is decompressed, then read the chosen ones in memory."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise SourceError(path, f"refused: {len(members)} members, more than the {limits.max_members} allowed")
    total = 0
    for member in members:
        if _escapes_root(member.filename):
            raise SourceError(path, f"refused: member {member.filename!r} has an absolute path or '..' "
                                    "(path traversal)")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise SourceError(path, f"refused: member {member.filename!r} expands {ratio:.0f}:1 to "
                                    f"{member.file_size} bytes (zip bomb?)")
        total += member.file_size
    if total > limits.max_total_bytes:
        raise SourceError(path, f"refused: members expand to {total} bytes, "
                                f"more than the {limits.max_total_bytes} allowed")
    warnings: list[str] = []
    parts: list[LinkedInExport] = []
    for name in _choose([m.filename for m in members if not m.is_dir()], path, warnings, wanted):
        try:
            # zipfile stops at the size the directory declares (checked above) and verifies the CRC.
            data = archive.read(name)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
            warnings.append(f"{name}: could not be read from the archive ({exc})")
            continue
        parts.append(parse_file(name, data, owner=owner, now=now))
    return _combined(parts, warnings)


def _read_folder(root: Path, owner: str, now: datetime, limits: Limits, wanted: frozenset[str]) -> LinkedInExport:
    """Read the chosen files of an unpacked export; files linking outside it or over the size budget are skipped."""
    names: list[str] = []
    for folder, _dirs, files in os.walk(root):
        names.extend((Path(folder) / f).relative_to(root).as_posix() for f in files)
    warnings: list[str] = []
    parts: list[LinkedInExport] = []
    budget = limits.max_total_bytes
    real_root = root.resolve()
    for name in _choose(sorted(names), str(root), warnings, wanted):
        file = root / name
        if not file.resolve().is_relative_to(real_root):
            warnings.append(f"{name}: skipped, it links outside the export folder")
            continue
        size = file.stat().st_size
        if size > budget:
            warnings.append(f"{name}: skipped, {size} bytes is more than the {limits.max_total_bytes} bytes "
                            "read per export")
            continue
        budget -= size
        try:
            data = file.read_bytes()
        except OSError as exc:
            warnings.append(f"{name}: could not be read ({exc})")
            continue
        parts.append(parse_file(name, data, owner=owner, now=now))
    return _combined(parts, warnings)


def _escapes_root(name: str) -> bool:
    """True for a member name that would land outside the folder it was unpacked in."""
    normalised = name.replace("\\", "/")
    return normalised.startswith("/") or bool(re.match(r"[A-Za-z]:", normalised)) or ".." in normalised.split("/")


def _choose(names: list[str], path: str, warnings: list[str], wanted: frozenset[str]) -> list[str]:
    """The allow-listed files among `names` whose label is `wanted`, one per kind (the shallowest); the rest are
    never opened."""
    found: dict[str, list[str]] = {}
    for name in names:
        kind = _kind_of(name)
        if kind is not None and kind.label in wanted:
            found.setdefault(kind.label, []).append(name)
    if not found:
        known = ", ".join(kind.label for kind in _KINDS.values() if kind.label in wanted)
        raise SourceError(path, f"not a LinkedIn data export: none of the known files ({known}) is in it")
    chosen: list[str] = []
    for label, candidates in found.items():
        candidates.sort(key=lambda n: (n.count("/"), n))
        chosen.append(candidates[0])
        if len(candidates) > 1:
            warnings.append(f"{label}: found {len(candidates)} copies, read {candidates[0]} only")
    return sorted(chosen)


def _kind_of(name: str) -> _Kind | None:
    """The kind of export file a path names: folders, case, spacing and a `_<memberId>` suffix do not matter."""
    file_name = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, extension = file_name.rpartition(".")
    if not dot or extension.lower() != "csv":
        return None
    return _KINDS.get(_normalised(_MEMBER_ID.sub("", stem)))


_MEMBER_ID = re.compile(r"_\d+$")


def _known_names() -> str:
    return ", ".join(kind.label for kind in _KINDS.values())


def _combined(parts: list[LinkedInExport], warnings: list[str]) -> LinkedInExport:
    """One export from the per-file parts, with the archive-level warnings first."""
    merged = LinkedInExport(**{
        f.name: tuple(item for part in parts for item in getattr(part, f.name)) for f in fields(LinkedInExport)
    })
    return _deduplicated(replace(merged, warnings=(*warnings, *merged.warnings)))


def _deduplicated(export: LinkedInExport) -> LinkedInExport:
    """LinkedIn repeats a share once per attached image, and lists tags and skills in varying case: keep the first."""
    posts: dict[str, Post] = {}
    for post in export.posts:
        posts.setdefault(post.source_id, post)
    return replace(export, posts=tuple(posts.values()), skills=_unique(export.skills),
                   company_follows=_unique(export.company_follows), hashtag_follows=_unique(export.hashtag_follows))


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())

# ---------------------------------------------------------------------------------------------- CSV layer


@dataclass
class _Context:
    """The file being parsed, who owns the export, and the warnings collected so far."""

    file: str
    owner: str
    now: datetime
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: int | None, problem: str) -> None:
        self.warnings.append(f"{self.file}: line {line}: {problem}" if line else f"{self.file}: {problem}")


@dataclass(frozen=True)
class _Table:
    """A file's rows after its header, with where each of the kind's fields sits."""

    columns: Mapping[str, int]
    labels: Mapping[str, str]
    header: tuple[str, ...]
    rows: list[tuple[int, list[str]]]


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# 2021+ Connections.csv puts three lines of notes before its header; leave room for more.
_HEADER_SEARCH_LINES = 10


def _decode(data: bytes, context: _Context) -> str:
    """Text from a BOM when there is one (the 2018 UTF-16 files), else UTF-8, else Windows-1252 with a warning."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        context.warn(None, "not UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _read_table(data: bytes, kind: _Kind, context: _Context) -> _Table | None:
    """The rows below the kind's header, found within the first lines; None (and a warning) when there is none."""
    text = _decode(data, context)
    # The header search and the CSV reader share one stream, split into lines as csv expects.
    source = io.StringIO(text, newline="")
    for number in range(1, _HEADER_SEARCH_LINES + 1):
        delimiter, header = _header_cells(source.readline().rstrip("\r\n"))
        columns = _columns(header, kind)
        if all(f in columns for f in kind.required):
            break
    else:
        wanted = ", ".join(kind.columns[f][0] for f in kind.required)
        context.warn(None, f"skipped: no header with the columns {wanted} in its first {_HEADER_SEARCH_LINES} lines")
        return None
    reader = csv.reader(source, delimiter=delimiter,
                        escapechar="\\" if kind.backslash_escapes and '\\"' in text else None)
    rows: list[tuple[int, list[str]]] = []
    while True:
        consumed = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            context.warn(number + consumed + 1, f"skipped, unreadable CSV ({exc})")
            if reader.line_num == consumed:
                break  # the reader made no progress: nothing more can be read
            continue
        rows.append((number + consumed + 1, cells))
    labels = {f: header[i].strip() for f, i in columns.items()}
    return _Table(columns, labels, tuple(_normalised(h) for h in header), rows)


def _header_cells(line: str) -> tuple[str, list[str]]:
    """A candidate header line's delimiter (the 2018 UTF-16 files use tabs) and cells; none if it is not CSV."""
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    try:
        return delimiter, next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return delimiter, []


def _columns(header: list[str], kind: _Kind) -> dict[str, int]:
    """Where each field of the kind sits, matching normalised names against its aliases; unknown columns are dropped."""
    names = [_normalised(h) for h in header]
    found: dict[str, int] = {}
    for name, aliases in kind.columns.items():
        index = next((names.index(_normalised(a)) for a in aliases if _normalised(a) in names), None)
        if index is not None:
            found[name] = index
    return found


def _normalised(name: str) -> str:
    """Header and file names compared without case, spaces or punctuation: `SharedURL` is `Shared URL`."""
    return re.sub(r"[\W_]+", "", name.lstrip("\ufeff").casefold())


def _records(table: _Table, context: _Context) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as {field: value}, e-mail addresses redacted; rows whose fields do not line up: warned of, skipped."""
    width = len(table.header)
    # Learning.csv's header ends in a comma: an unnamed last column that rows may or may not fill.
    named = width
    while named and not table.header[named - 1]:
        named -= 1
    for line, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and the rows of bare commas some Connections.csv files carry
        if len(cells) < named or (len(cells) > width and any(c.strip() for c in cells[width:])):
            context.warn(line, f"skipped, {len(cells)} fields where the header has {named}")
            continue
        yield line, {f: _redacted(cells[i].strip()) if i < len(cells) else "" for f, i in table.columns.items()}


_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def _redacted(value: str) -> str:
    """E-mail addresses never leave the importer, wherever LinkedIn put them (positions, company names, posts)."""
    return _EMAIL.sub("[email]", value) if "@" in value else value


def _when(row: dict[str, str], name: str, table: _Table, line: int, context: _Context) -> datetime | None:
    """The row's date field; a value no format fits is warned about and left out, keeping the rest of the row."""
    try:
        return parse_datetime(row.get(name, ""))
    except ValueError as exc:
        context.warn(line, f"{table.labels.get(name, name)}: {exc}")
        return None


def _day(row: dict[str, str], name: str, table: _Table, line: int, context: _Context) -> date | None:
    moment = _when(row, name, table, line, context)
    return moment.date() if moment else None

# ---------------------------------------------------------------------------------------------- text


_BREAK_TAG = re.compile(r"<br\s*/?>|</p>|</li>|</div>|</h[1-6]>", re.IGNORECASE)
# Only tags LinkedIn is known to leave in; "a < b > c" in a member's own words stays.
_TAG = re.compile(r"</?(?:p|br|div|span|i|em|b|strong|u|a|ul|ol|li|h[1-6])\b[^<>]*>", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_URL = re.compile(r"\S+://\S+")
_TITLE_LENGTH = 100


def _clean(value: str) -> str:
    """Plain text from an export field: line quoting undone, LinkedIn's leftover tags and entities resolved."""
    text = _unquoted_lines(value.replace("\r\n", "\n").replace("\r", "\n"))
    text = html.unescape(_TAG.sub("", _BREAK_TAG.sub("\n", text))).replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _unquoted_lines(text: str) -> str:
    """Undo how Shares.csv writes a multi-line post: every line wrapped in quotes, so `a"` `""` `"b` means a, blank, b.

    Only when every line break has that shape, so quotes a member typed at a line's end are left alone.
    """
    lines = text.split("\n")
    if len(lines) < 2 or not all(line.endswith('"') for line in lines[:-1]) \
            or not all(line.startswith('"') for line in lines[1:]):
        return text
    inner = [line[1:-1] for line in lines[1:-1]]
    return "\n".join([lines[0][:-1], *inner, lines[-1][1:]])


def _one_line(value: str) -> str:
    return " ".join(_clean(value).split())


def _title(text: str) -> str:
    """The post's first sentence, cut at a word near 100 characters; none for a post that is only a link."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if _URL.fullmatch(first):
        return ""
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0]
    if len(sentence) <= _TITLE_LENGTH:
        return sentence
    return sentence[:_TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]

# ---------------------------------------------------------------------------------------------- file kinds


def _shares(table: _Table, context: _Context) -> LinkedInExport:
    """The learner's posts; one with no words keeps what it shared (link preview, URL, or the post's own link)."""
    posts: list[Post] = []
    for line, row in _records(table, context):
        link = row.get("link", "")
        commentary = _clean(row.get("text", ""))
        preview_title = _one_line(row.get("share_title", ""))
        preview = "\n".join(p for p in (preview_title, _clean(row.get("share_description", ""))) if p)
        text = commentary or preview or row.get("shared_url", "") or row.get("media_url", "") or link
        if not text:
            context.warn(line, "skipped, a share with neither text nor a link")
            continue
        # Without a ShareLink (never seen so far) the raw date and text still identify the share.
        key = link or _digest(row.get("date", ""), row.get("text", ""))
        posts.append(Post(source=SOURCE, source_id=f"share:{key}", community=community_of(context.owner),
                          author=context.owner, title=preview_title or _title(text), text=text,
                          url=link or row.get("shared_url", ""), published_at=_when(row, "date", table, line, context),
                          fetched_at=context.now))
    return LinkedInExport(posts=tuple(posts))


_STARTS_WITH_DATE = re.compile(r"\s*\d{1,4}[-/]\d{1,2}[-/]\d{1,4}")


def _comments(table: _Table, context: _Context) -> LinkedInExport:
    """The learner's comments on others' posts; the URL is the post commented on."""
    posts: list[Post] = []
    for line, row in _records(_rejoined_messages(table), context):
        text = _clean(row.get("text", ""))
        if not text:
            context.warn(line, "skipped, a comment with no text")
            continue
        # Link names the post, not the comment: several comments on one post differ by time and words.
        key = _digest(row.get("date", ""), row.get("link", ""), row.get("text", ""))
        posts.append(Post(source=SOURCE, source_id=f"comment:{key}", community=community_of(context.owner),
                          author=context.owner, title=_title(text), text=text, url=row.get("link", ""),
                          published_at=_when(row, "date", table, line, context), fetched_at=context.now))
    return LinkedInExport(posts=tuple(posts))


def _rejoined_messages(table: _Table) -> _Table:
    """2021 Comments.csv leaves line breaks and commas in a message unquoted, so a message spills into the rows
    after it, which do not start with a date: glue them back onto the message, the last column."""
    last = len(table.header) - 1
    if table.columns.get("text") != last:
        return table
    rows: list[tuple[int, list[str]]] = []
    for line, cells in table.rows:
        date_cell = cells[table.columns["date"]] if len(cells) > table.columns["date"] else ""
        if _STARTS_WITH_DATE.match(date_cell):
            rows.append((line, [*cells[:last], ",".join(cells[last:])] if len(cells) > last else cells))
        elif rows and len(rows[-1][1]) > last:
            start, previous = rows[-1]
            rows[-1] = (start, [*previous[:last], previous[last] + "\n" + ",".join(cells)])
        else:
            rows.append((line, cells))
    return replace(table, rows=rows)


def _connections(table: _Table, context: _Context) -> LinkedInExport:
    """First-degree connections; the e-mail column is not among the fields read, so it is dropped row by row."""
    connections: list[Connection] = []
    for line, row in _records(table, context):
        name = _one_line(f"{row.get('first_name', '')} {row.get('last_name', '')}")
        if not name:
            # Rows holding only a date are members who hide their profile from exports: nothing to keep.
            if row.get("company") or row.get("position") or row.get("url"):
                context.warn(line, "skipped, a connection with no name")
            continue
        connections.append(Connection(name, row.get("url", ""), _one_line(row.get("company", "")),
                                      _one_line(row.get("position", "")),
                                      _day(row, "connected_on", table, line, context)))
    return LinkedInExport(connections=tuple(connections))


_STOPPED = {"unfollow", "unfollowed", "inactive"}


def _followed_now(rows: list[tuple[int, dict[str, str]]], state: str, table: _Table,
                  context: _Context) -> list[dict[str, str]]:
    """Rows still followed: of the rows for one name the latest decides, so an Unfollow cancels an earlier follow."""
    earliest = datetime.min.replace(tzinfo=UTC)
    moments = [_when(row, "date", table, line, context) or earliest for line, row in rows]
    latest: dict[str, int] = {}
    for i in sorted(range(len(rows)), key=lambda i: (moments[i], i)):
        latest[_one_line(rows[i][1]["name"]).casefold()] = i
    return [rows[i][1] for i in sorted(latest.values()) if rows[i][1].get(state, "").casefold() not in _STOPPED]


def _company_follows(table: _Table, context: _Context) -> LinkedInExport:
    return LinkedInExport(company_follows=tuple(
        _one_line(row["name"]) for _line, row in _records(table, context) if row["name"]))


def _hashtag_follows(table: _Table, context: _Context) -> LinkedInExport:
    rows = [(line, row) for line, row in _records(table, context) if row["name"]]
    return LinkedInExport(hashtag_follows=tuple(
        _one_line(row["name"]).lstrip("#") for row in _followed_now(rows, "state", table, context)))


def _member_follows(table: _Table, context: _Context) -> LinkedInExport:
    rows = [(line, row) for line, row in _records(table, context) if row["name"]]
    return LinkedInExport(member_follows=tuple(
        Followed(_one_line(row["name"]), row.get("url", "")) for row in _followed_now(rows, "status", table, context)))


def _skills(table: _Table, context: _Context) -> LinkedInExport:
    return LinkedInExport(skills=tuple(
        _one_line(row["name"]) for _line, row in _records(table, context) if row["name"]))


def _learning(table: _Table, context: _Context) -> LinkedInExport:
    """Courses the learner watched or completed; rows only saved for later say nothing of what they learned."""
    courses: list[Course] = []
    for line, row in _records(table, context):
        taken = any(row.get(f, "").upper() not in {"", "N/A"} for f in ("watched", "completed"))
        if row["title"] and taken:
            courses.append(Course(_one_line(row["title"]), _clean(row.get("description", "")),
                                  _one_line(row.get("type", "")), _when(row, "completed", table, line, context)))
    return LinkedInExport(courses=tuple(courses))


def _positions(table: _Table, context: _Context) -> LinkedInExport:
    return LinkedInExport(positions=tuple(
        Position(_one_line(row["title"]), _one_line(row["company"]), _day(row, "started", table, line, context),
                 _day(row, "finished", table, line, context))
        for line, row in _records(table, context) if row["title"] or row["company"]))


@dataclass(frozen=True)
class _Kind:
    """One allow-listed export file: its name, the fields read (with every header name each has had), its builder."""

    label: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    build: Callable[[_Table, _Context], LinkedInExport]
    # 2026 Comments escape quotes with a backslash inside quoted fields; other files only double them, so there a
    # backslash before a closing quote is text (a post signed "C:\").
    backslash_escapes: bool = False


# Keyed by the normalised file name. Everything else in an export (messages, invitations, contacts, e-mail
# addresses, phone numbers, logins, searches, ad targeting...) is never opened.
_KINDS: dict[str, _Kind] = {
    "shares": _Kind("Shares.csv", {
        "date": ("Date",), "link": ("ShareLink",), "text": ("ShareCommentary",),
        "shared_url": ("SharedUrl",), "media_url": ("MediaUrl",),
        "share_title": ("Share Title",), "share_description": ("Share Description",),
    }, ("date", "text"), _shares),
    "comments": _Kind("Comments.csv", {"date": ("Date",), "link": ("Link",), "text": ("Message", "Comment")},
                      ("date", "text"), _comments, backslash_escapes=True),
    "connections": _Kind("Connections.csv", {
        "first_name": ("First Name",), "last_name": ("Last Name",), "url": ("URL", "Profile URL"),
        "company": ("Company",), "position": ("Position",), "connected_on": ("Connected On",),
    }, ("first_name", "last_name"), _connections),
    "companyfollows": _Kind("Company Follows.csv", {"name": ("Organization", "Organization Name", "Company")},
                            ("name",), _company_follows),
    "hashtagfollows": _Kind("Hashtag_Follows.csv", {"name": ("HashTag",), "state": ("State",),
                                                    "date": ("LastModifiedTime", "CreatedTime")},
                            ("name",), _hashtag_follows),
    "memberfollows": _Kind("Member_Follows.csv", {"name": ("FullName", "Name"), "status": ("Status",),
                                                  "date": ("Date",), "url": ("URL", "Profile URL")},
                           ("name",), _member_follows),
    "skills": _Kind("Skills.csv", {"name": ("Name", "Skill", "Skill Name")}, ("name",), _skills),
    "learning": _Kind("Learning.csv", {
        "title": ("Content Title",), "description": ("Content Description",), "type": ("Content Type",),
        "watched": ("Content Last Watched Date (if viewed)", "Content Last Watched Date"),
        "completed": ("Content Completed At (if completed)", "Content Completed At"),
    }, ("title",), _learning),
    "positions": _Kind("Positions.csv", {
        "company": ("Company Name", "Company"), "title": ("Title",),
        "started": ("Started On", "Start Date"), "finished": ("Finished On", "End Date"),
    }, ("title", "company"), _positions),
}
