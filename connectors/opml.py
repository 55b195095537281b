"""Reads OPML subscription lists as real readers export them, ill-formed XML included, keeping folders as categories."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from lxml import etree

from connectors import fetching
from connectors.base import SourceError

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
# An outline start tag runs to the first `>` followed by the next outline or the end of the body, so HTML
# pasted into a description (`<a href="...">`, `<p>`) stays inside it.
_OUTLINE_TAG = re.compile(rb"<outline\b(.*?)(/?)>(?=\s*(?:</?outline\b|</body\b|$))", re.DOTALL | re.IGNORECASE)
# The attributes OPML 1.0/2.0 give outlines; a value runs until the next of them, inner quotes included.
_OUTLINE_ATTRIBUTE = re.compile(
    rb'\s(text|title|description|type|xmlUrl|htmlUrl|url|version|language|category|created|isComment|isBreakpoint)'
    rb'\s*=\s*"', re.IGNORECASE)


@dataclass(frozen=True)
class Subscription:
    """One feed of the list: its normalised URL, what the list calls it, and its folder path."""

    url: str
    title: str = ""
    description: str = ""
    category: str = ""
    html_url: str = ""


@dataclass(frozen=True)
class Opml:
    """The feeds of one OPML file, and the outlines that could not be used, each with why."""

    subscriptions: tuple[Subscription, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def read_opml(location: str) -> Opml:
    """Read and parse the OPML file at `location` (a path or http(s) URL).

    Raises SourceError naming `location` when it cannot be read or is not OPML.
    """
    normalised = fetching.normalise_location(location, must_exist=True)
    body = fetching.read(normalised).body or b""
    return parse_opml(body, normalised, name=location)


def parse_opml(body: bytes, base: str, name: str | None = None) -> Opml:
    """Feeds of an OPML document; relative feed URLs resolve against `base` (where the document came from).

    Most exported OPML is not well-formed XML (bare `&`, `<` and `"` inside attribute values), so this reads
    it the way a browser reads tag soup: libxml2's recovering HTML parser keeps every outline it can.
    """
    name = name or base
    body = _OUTLINE_TAG.sub(_requote_outline, body)
    encoding = _DECLARED_ENCODING.match(body)
    parser = etree.HTMLParser(recover=True, no_network=True,
                              encoding=encoding.group(1).decode("ascii") if encoding else "utf-8")
    try:
        root = etree.fromstring(body, parser)
    except (etree.ParserError, LookupError) as exc:
        raise SourceError(name, f"not an OPML file: {exc}") from None
    document = root.find(".//opml") if root is not None else None
    if document is None:
        raise SourceError(name, "not an OPML file (no <opml> element in it)")
    found: dict[str, Subscription] = {}
    skipped: list[tuple[str, str]] = []
    for outline in document.iter("outline"):
        # The HTML parser lower-cases attribute names: xmlUrl arrives as xmlurl.
        attrs = {k: (v or "").strip() for k, v in outline.attrib.items()}
        url = attrs.get("xmlurl") or (attrs.get("url", "") if attrs.get("type", "").lower() in ("rss", "atom") else "")
        if not url:
            continue
        label = attrs.get("title") or attrs.get("text") or ""
        try:
            normalised = fetching.normalise_location(url, base=base)
        except SourceError as exc:
            skipped.append((label or url, exc.reason))
            continue
        found.setdefault(normalised, Subscription(normalised, label, attrs.get("description", ""),
                                                  _folder_path(outline), attrs.get("htmlurl", "")))
    return Opml(tuple(found.values()), tuple(skipped))


def _folder_path(outline: etree._Element) -> str:
    """'Tech/Programming' for an outline inside folders 'Tech' then 'Programming'."""
    folders = [(a.get("title") or a.get("text") or "").strip() for a in outline.iterancestors("outline")]
    return "/".join(reversed([f for f in folders if f]))


def _requote_outline(tag: re.Match[bytes]) -> bytes:
    """Rewrite one outline start tag with every attribute value escaped, whatever quotes and tags it held."""
    inside, closing = tag.group(1), tag.group(2)
    starts = list(_OUTLINE_ATTRIBUTE.finditer(inside))
    if not starts:
        return tag.group(0)
    attributes = []
    for start, following in zip(starts, starts[1:] + [None]):
        value = inside[start.end():following.start() if following else len(inside)].rstrip()
        value = value[:-1] if value.endswith(b'"') else value
        text = html.unescape(value.decode("utf-8", "surrogateescape"))
        attributes.append(f'{start.group(1).decode()}="{html.escape(text, quote=True)}"')
    return f"<outline {' '.join(attributes)}{' /' if closing else ''}>".encode("utf-8", "surrogateescape")
