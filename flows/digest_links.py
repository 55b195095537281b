"""The actions a digest offers (unsubscribe, thumbs up or down on an item) as links and as the `pln` commands behind
them.

With PLN_DIGEST_LINK_BASE (an https address that the operator serves) the links are one-click https links signed
with PLN_DIGEST_LINK_SECRET, so nobody can vote or unsubscribe for someone else by editing one; without it they are
mailto links to the digest's sender whose subject is the command to run. RFC 8058 one-click unsubscription
(List-Unsubscribe-Post) needs the https form.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote, urlencode

from flows.errors import UsageError

BASE_VARIABLE, SECRET_VARIABLE = "PLN_DIGEST_LINK_BASE", "PLN_DIGEST_LINK_SECRET"
VOTES = ("up", "down")


@dataclass(frozen=True)
class Action:
    """Something a reader can do from the email: a link to follow and the command that does the same."""

    url: str
    command: str

    @property
    def one_click(self) -> bool:
        return self.url.startswith("https://")


@dataclass(frozen=True)
class Links:
    """Makes a digest's links for one sender address and, optionally, a signed https endpoint."""

    sender: str
    base: str | None = None
    secret: str | None = None

    def __post_init__(self) -> None:
        if self.base is not None and not self.base.startswith("https://"):
            raise UsageError(f"{BASE_VARIABLE}={self.base!r}: must be an https:// address")
        if self.base is not None and not self.secret:
            raise UsageError(f"{SECRET_VARIABLE}: must be set with {BASE_VARIABLE}, or anyone could forge a link "
                             "that unsubscribes someone else")
        if "@" not in parseaddr(self.sender)[1]:
            raise UsageError(f"sender {self.sender!r}: not an email address")

    @classmethod
    def from_environment(cls, sender: str, env: Mapping[str, str] | None = None) -> Links:
        env = os.environ if env is None else env
        return cls(sender, (env.get(BASE_VARIABLE) or "").strip().rstrip("/") or None,
                   (env.get(SECRET_VARIABLE) or "").strip() or None)

    def unsubscribe(self, learner: str) -> Action:
        command = shlex.join(["pln", "learner", "unsubscribe", learner])
        return Action(self._url("unsubscribe", {"learner": learner}, command), command)

    def unsubscribe_mailto(self, learner: str) -> str:
        """The mailto form of unsubscribing, which List-Unsubscribe offers beside an https link."""
        return self._mailto(self.unsubscribe(learner).command)

    def feedback(self, learner: str, kind: str, source: str, key: str, vote: str) -> Action:
        """A thumbs up or down (`vote`) on the community or person `source:key`, as `pln feedback` takes it."""
        if vote not in VOTES:
            raise ValueError(f"vote {vote!r}: must be one of {', '.join(VOTES)}")
        command = shlex.join(["pln", "feedback", learner, f"{source}:{key}", f"--{vote}", "--kind", kind])
        fields = {"learner": learner, "kind": kind, "item": f"{source}:{key}", "vote": vote}
        return Action(self._url("feedback", fields, command), command)

    def _url(self, action: str, fields: dict[str, str], command: str) -> str:
        if self.base is None:
            return self._mailto(command)
        signed = {**fields, "sig": signature(self.secret or "", action, fields)}
        return f"{self.base}/{action}?{urlencode(signed)}"

    def _mailto(self, command: str) -> str:
        return f"mailto:{parseaddr(self.sender)[1]}?subject={quote(command)}"


def signature(secret: str, action: str, fields: Mapping[str, str]) -> str:
    """The HMAC-SHA256 an https link carries: whatever serves the link recomputes it from the other fields."""
    text = "\n".join([action, *(f"{name}={fields[name]}" for name in sorted(fields))])
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
