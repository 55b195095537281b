"""20 Newsgroups as an organisation: one LinkedIn-export folder per frequent author, their posts as shares.

Each author with at least MIN_POSTS posts in the split becomes a member. Their folder holds what a real export
holds (the 2024-2026 layout in ../shared/data/linkedin-data-export-schema/HEADERS.md): `Shares.csv` with their
posts (subject, blank line, body), and the private files every export carries (`messages.csv`, `Connections.csv`)
with a marker no import may copy. A `roster.csv` lists them for `pln org add-members`. Posts are parsed by
../shared/tools/corpus_to_feeds.py, the helper the feed benchmarks use.

    python bench/org_exports.py OUT_DIR [--split test] [--max-per 400]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from corpus import SHARED
from eval_people import MIN_POSTS

sys.path.insert(0, str(SHARED / "tools"))
import corpus_to_feeds  # noqa: E402  (a script in ../shared/tools, imported for its corpus readers)

SHARES_HEADER = ("Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")
MESSAGES_HEADER = ("CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "DATE", "SUBJECT",
                   "CONTENT", "FOLDER")
CONNECTIONS_NOTES = 'Notes:\n"When exporting your connection data, you may notice that some of the email addresses ' \
                    'are missing."\n\n'
CONNECTIONS_HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")
PRIVATE_MARKER = "PRIVATE-20NG-MARKER"
START = datetime(2026, 10, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Organisation:
    """The members' posts per newsgroup (the ground truth is drawn from these) and the roster written."""

    groups: dict[str, Counter[str]]
    roster: Path


def build(out: Path, *, split: str = "test", max_per: int = 400) -> Organisation:
    """Write one export folder per frequent author under `out/exports`, and `out/roster.csv`."""
    posts: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for group, _home, items in corpus_to_feeds.twenty_ng(split, max_per):
        for item in items:
            if item["author"]:
                posts[item["author"]].append((group, item))
    members = {author: mine for author, mine in posts.items() if len(mine) >= MIN_POSTS}
    (out / "exports").mkdir(parents=True, exist_ok=True)
    roster = out / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("name", "export", "team"))
        for n, (author, mine) in enumerate(sorted(members.items())):
            folder = Path("exports") / f"member-{n:04d}"
            _write_export(out / folder, author, [item for _group, item in mine])
            # Teams cut across newsgroups: nothing about a member's team says what they know.
            writer.writerow((author, folder.as_posix(), f"team-{n % 7}"))
    return Organisation({author: Counter(group for group, _ in mine) for author, mine in members.items()}, roster)


def _write_export(folder: Path, author: str, items: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Shares.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SHARES_HEADER)
        for i, item in enumerate(items):
            when = START + timedelta(hours=i)
            digest = hashlib.sha1(item["id"].encode()).hexdigest()[:12]
            writer.writerow((when.strftime("%Y-%m-%d %H:%M:%S"),
                             f"https://www.linkedin.com/feed/update/urn:li:share:{digest}",
                             f"{item['title']}\n\n{item['text']}", "", "", "MEMBER_NETWORK"))
    with (folder / "messages.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(MESSAGES_HEADER)
        writer.writerow(("1", "", author, "", "A colleague", "2026-10-01 10:00:00 UTC", "",
                         f"{PRIVATE_MARKER} a private message", "INBOX"))
    with (folder / "Connections.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write(CONNECTIONS_NOTES)
        writer = csv.writer(fh)
        writer.writerow(CONNECTIONS_HEADER)
        writer.writerow((PRIVATE_MARKER, "Contact", "", "", "Somewhere", "Engineer", "01 Oct 2026"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--split", default="test", choices=["train", "test", "all"])
    ap.add_argument("--max-per", type=int, default=400, help="posts per newsgroup (default: the whole test split)")
    a = ap.parse_args()
    built = build(a.out, split=a.split, max_per=a.max_per)
    print(f"{len(built.groups)} members, {sum(sum(c.values()) for c in built.groups.values())} shares -> "
          f"{built.roster}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
