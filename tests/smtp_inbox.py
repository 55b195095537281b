"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, and can refuse, defer or stall on cue."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Inbox:
    """The aiosmtpd handler: every accepted message, parsed, in arrival order."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses whose RCPT gets a 550
    defer_once: set[str] = field(default_factory=set)  # addresses whose first RCPT gets a 451
    # Set to stall: after the first message is kept, `arrived` is set and the reply waits until `release` is.
    stall_first: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        if address in self.defer_once:
            self.defer_once.discard(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        if self.stall_first and len(self.messages) == 1:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if m["To"].addresses[0].addr_spec == address]


@dataclass(frozen=True)
class Server:
    inbox: Inbox
    host: str
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(inbox: Inbox | None = None, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    """An SMTP server on 127.0.0.1 for the duration; with `tls`, it offers STARTTLS and requires it."""
    inbox = inbox or Inbox()
    extra = {"tls_context": tls, "require_starttls": True} if tls else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **extra)
    controller.start()
    try:
        yield Server(inbox, "127.0.0.1", controller.port)
    finally:
        inbox.release.set()
        controller.stop()
