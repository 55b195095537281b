"""Turns a learner's digest into an email: plain text and HTML from Jinja2 templates, the chart as an inline PNG, the
headers mail clients read (Message-ID, List-Unsubscribe) and a thumbs-up/down action on every recommendation."""
from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from flows.digest_chart import draw
from flows.digest_content import Digest
from flows.digest_links import VOTES, Action, Links

_SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)


@cache
def _templates() -> Environment:
    # Autoescape for the HTML part only: the text part shows titles as they are written.
    environment = Environment(loader=PackageLoader("flows", "templates"), trim_blocks=True, lstrip_blocks=True,
                              autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False))
    # A post's link becomes a link only when it is http(s): never javascript: or data: from a feed.
    environment.filters["link"] = lambda url: url if _SAFE_LINK.match(url or "") else ""
    return environment


def new_message_id(sender: str) -> str:
    """A Message-ID in the sender's domain, unique to one digest (kept with the send record)."""
    return make_msgid(idstring="pln-digest", domain=_domain(sender))


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def subject(digest: Digest) -> str:
    parts = [f"{len(digest.communities)} {'community' if len(digest.communities) == 1 else 'communities'}",
             f"{len(digest.people)} {'person' if len(digest.people) == 1 else 'people'}"]
    posts = sum(len(g.posts) for g in digest.best)
    parts.append(f"{posts} {'post' if posts == 1 else 'posts'}")
    return f"Your pln week {digest.week}: {', '.join(parts)} for your goals"


def render(digest: Digest, links: Links, message_id: str, now: datetime | None = None) -> EmailMessage:
    """The digest as a multipart/alternative message addressed to the learner: text first, then the HTML with the
    chart it shows (multipart/related)."""
    learner = digest.learner.name
    actions: dict[tuple[str, str, str, str], Action] = {
        (n.item.kind, n.item.source, n.item.key, vote): links.feedback(learner, n.item.kind, n.item.source,
                                                                       n.item.key, vote)
        for n in (*digest.communities, *digest.people) for vote in VOTES}
    unsubscribe = links.unsubscribe(learner)
    chart = draw(digest.volume)
    chart_id = make_msgid(idstring="pln-chart", domain=_domain(links.sender))
    context = {"digest": digest, "subject": subject(digest), "actions": actions, "unsubscribe": unsubscribe,
               "first_day": f"{digest.starts:%a %d %b}", "last_day": f"{digest.ends - timedelta(days=1):%a %d %b}",
               "chart": chart, "chart_src": f"cid:{chart_id[1:-1]}"}
    message = EmailMessage()
    message["Subject"] = context["subject"]
    message["From"] = links.sender
    message["To"] = Address(display_name=learner, addr_spec=digest.learner.email)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id
    message["List-Id"] = f"pln weekly digest <digest.{message_id.rpartition('@')[2].rstrip('>')}>"
    mailto = links.unsubscribe_mailto(learner)
    message["List-Unsubscribe"] = ", ".join(f"<{url}>" for url in dict.fromkeys((unsubscribe.url, mailto)))
    if unsubscribe.one_click:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_templates().get_template("digest.txt.j2").render(context))
    message.add_alternative(_templates().get_template("digest.html.j2").render(context), subtype="html")
    # Attached, not linked or inlined: mail clients block remote images and drop SVG and most data: URIs, and show an
    # image of the message's own that the HTML names by Content-ID.
    message.get_body(("html",)).add_related(chart.png, "image", "png", cid=chart_id, disposition="inline",
                                             filename="goals-per-week.png")
    return message


def preview_html(message: EmailMessage) -> str:
    """The HTML part as a page a browser opens from a file: the images it names by Content-ID put in as data: URIs."""
    html = message.get_body(("html",)).get_content()
    for part in message.walk():
        if part["Content-ID"] and part.get_content_maintype() == "image":
            uri = f"data:{part.get_content_type()};base64,{base64.b64encode(part.get_content()).decode('ascii')}"
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", uri)
    return html
