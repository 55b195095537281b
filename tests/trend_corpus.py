"""Real newsgroup posts dated so that one group surges in the last week: the known structure trends must find."""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.conftest import shared_path

GROUPS = ("sci.space", "rec.autos", "comp.graphics", "sci.med", "rec.sport.hockey")
SURGING = "sci.space"
# The end of the last window: `--as-of 2026-11-22` means the end of that day.
END = datetime(2026, 11, 23, tzinfo=UTC)
# Quoted replies, attributions and signatures: newsgroup furniture no feed post carries.
_FURNITURE = re.compile(r"^\s*(>|\||In article|.*\bwrites:|.*\bwrote:|Archive-name:|Last-modified:)")
_SIGNATURE = re.compile(r"^--\s*$", re.MULTILINE)
# Characters a post's cleaned body must exceed: a shorter one says nothing of its group.
MIN_BODY = 80


@dataclass(frozen=True)
class Doc:
    group: str
    doc_id: str
    subject: str
    body: str
    author: str
    published_at: datetime


def newsgroup_body(text: str) -> str:
    """A newsgroup message's own words, at most 1,500 characters: no headers, quotes, attributions or signature."""
    after_headers = text.split("\n\n", 1)[-1]
    unsigned = _SIGNATURE.split(after_headers, maxsplit=1)[0]
    lines = [line for line in unsigned.splitlines() if not _FURNITURE.match(line)]
    return "\n".join(lines).strip()[:1500]


def surge_docs(per_group: int = 60, window_share: dict[str, int] | None = None, window_days: int = 7,
               baseline_days: int = 28, end: datetime = END) -> list[Doc]:
    """`per_group` posts of each group; `window_share[group]` of them (default: 36 for the surging group, 12 for the
    others, which is the even rate) spread evenly over the window, the rest evenly over the baseline before it."""
    shares = window_share or {g: 36 if g == SURGING else per_group * window_days // (window_days + baseline_days)
                              for g in GROUPS}
    taken: dict[str, list[dict]] = {g: [] for g in shares}
    with gzip.open(shared_path("20newsgroups-bydate", "20news-bydate.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            group = taken.get(doc["group"])
            if group is not None and len(group) < per_group and len(newsgroup_body(doc["text"])) > MIN_BODY:
                group.append(doc)
            if all(len(v) == per_group for v in taken.values()):
                break
    window = timedelta(days=window_days)
    baseline = timedelta(days=baseline_days)
    docs = []
    for group, items in taken.items():
        now, before = items[:shares[group]], items[shares[group]:]
        dated = [(d, end - (i + 0.5) * window / len(now)) for i, d in enumerate(now)]
        dated += [(d, end - window - (i + 0.5) * baseline / len(before)) for i, d in enumerate(before)]
        docs += [Doc(group, d["doc_id"], d["subject"] or "", newsgroup_body(d["text"]), sender_name(d["from"]), when)
                 for d, when in dated]
    return docs


def sender_name(sender: str | None) -> str:
    """The name in a From: line: "Jane Doe <jane@example.edu>" and "jane@example.edu (Jane Doe)" -> "Jane Doe"; a bare
    address stays."""
    sender = (sender or "").strip()
    named = re.match(r"^\s*\"?([^<\"]+?)\"?\s*<", sender) or re.search(r"\(([^)]+)\)\s*$", sender)
    return named.group(1).strip() if named else sender
