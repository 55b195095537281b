"""SMTP for the digest: server settings from PLN_SMTP_* variables or prefect-email's EmailServerCredentials block,
and a connection that tells a message surely not delivered from one that may have been.

prefect-email's own `email_send_message` task is not used: it builds its message itself (no Message-ID of ours, no
List-Unsubscribe), opens a connection per message, and its failures do not say whether the server may already have
the message, which exactly-once delivery needs to know. Its block is read for the settings only.
"""
from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from enum import Enum
from typing import TYPE_CHECKING

from flows.errors import UsageError

if TYPE_CHECKING:
    from prefect_email import EmailServerCredentials

SECURITIES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
# The prefect-email block a deployment may keep the server in (`EmailServerCredentials(...).save("pln-smtp")`).
BLOCK = "pln-smtp"
_BLOCK_SECURITY = {"INSECURE": "none", "STARTTLS": "starttls", "SSL": "ssl"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand messages over; `sender` is the From address."""

    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise UsageError(f"PLN_SMTP_SECURITY={self.security!r}: use one of {', '.join(SECURITIES)}")
        if not 0 < self.port < 65536:
            raise UsageError(f"PLN_SMTP_PORT={self.port}: not a port number (1-65535)")
        if self.security == "none" and not _loopback(self.host):
            raise UsageError(f"PLN_SMTP_SECURITY=none with PLN_SMTP_HOST={self.host!r}: unencrypted SMTP only to a "
                             "server on this machine; use starttls or ssl")
        if "@" not in parseaddr(self.sender)[1]:
            raise UsageError(f"PLN_SMTP_FROM={self.sender!r}: not an email address")


def from_environment(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """Settings from the PLN_SMTP_* variables; None when PLN_SMTP_HOST is not set.

    Security defaults to none for a server on this machine and starttls elsewhere; the port to the security's
    usual one; the From address to PLN_SMTP_USER when that is an address.
    """
    env = os.environ if env is None else env
    host = env.get("PLN_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("PLN_SMTP_SECURITY", "").strip().lower() or ("none" if _loopback(host) else "starttls")
    raw_port = env.get("PLN_SMTP_PORT", "").strip()
    if raw_port and not raw_port.isdigit():
        raise UsageError(f"PLN_SMTP_PORT={raw_port!r}: not a port number (1-65535)")
    user = env.get("PLN_SMTP_USER", "").strip() or None
    return SmtpSettings(host, int(raw_port) if raw_port else DEFAULT_PORTS.get(security, 0), security,
                        _sender(env, user), user, env.get("PLN_SMTP_PASSWORD") or None)


def from_block(block: EmailServerCredentials, env: Mapping[str, str] | None = None) -> SmtpSettings:
    """Settings from a prefect-email EmailServerCredentials block; From is PLN_SMTP_FROM, else its username."""
    env = os.environ if env is None else env
    server = getattr(block.smtp_server, "value", block.smtp_server)
    kind = getattr(block.smtp_type, "name", str(block.smtp_type)).upper()
    security = _BLOCK_SECURITY[kind]
    password = block.password.get_secret_value() if block.password else None
    return SmtpSettings(str(server), block.smtp_port or DEFAULT_PORTS[security], security,
                        _sender(env, block.username), block.username, password or None)


def resolve(use_blocks: bool, env: Mapping[str, str] | None = None) -> SmtpSettings:
    """The PLN_SMTP_* variables when PLN_SMTP_HOST is set; else, when `use_blocks`, the block pln-smtp."""
    settings = from_environment(env)
    if settings is not None:
        return settings
    if use_blocks:
        block = _load_block()
        if block is not None:
            return from_block(block, env)
    raise UsageError("no SMTP server: set PLN_SMTP_HOST (and PLN_SMTP_PORT, PLN_SMTP_SECURITY, PLN_SMTP_USER, "
                     f"PLN_SMTP_PASSWORD, PLN_SMTP_FROM), or save a prefect-email block named {BLOCK}")


def _load_block() -> EmailServerCredentials | None:
    from prefect_email import EmailServerCredentials

    try:
        return EmailServerCredentials.load(BLOCK)
    except ValueError:  # no block by that name
        return None


def _sender(env: Mapping[str, str], user: str | None) -> str:
    sender = env.get("PLN_SMTP_FROM", "").strip() or (user if user and "@" in user else "")
    if not sender:
        raise UsageError("PLN_SMTP_FROM: not set (the address digests come from)")
    return sender


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


class Outcome(Enum):
    SENT = "sent"
    REJECTED = "rejected"  # the server refused it for good (5xx): trying again will not help
    TRANSIENT = "transient"  # not delivered, and it may work later (4xx, no connection)
    UNCERTAIN = "uncertain"  # the connection failed once the message was being handed over: it may have arrived


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    detail: str = ""


class _Tracked:
    """Notes when the DATA command begins: a failure from then on may have left the message with the server."""

    data_started = False

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)  # type: ignore[misc]


class _Plain(_Tracked, smtplib.SMTP):
    pass


class _Ssl(_Tracked, smtplib.SMTP_SSL):
    pass


class Mailer:
    """One connection reused for many messages, opened when first needed and again after a failure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._connection: _Plain | _Ssl | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage) -> Attempt:
        """Hand one message over; never raises for what the server or the network does."""
        connection = None
        try:
            connection = self._connection or self._connect()
            connection.data_started = False
            connection.send_message(message)
            return Attempt(Outcome.SENT)
        except smtplib.SMTPRecipientsRefused as exc:  # the connection stays usable after this one
            code, text = next(iter(exc.recipients.values()))
            return _answered(code, text)
        except smtplib.SMTPResponseException as exc:  # sender, data, login or greeting refused: the server said no
            self._drop()
            return _answered(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS or SMTPUTF8 there: no retry will change that
            self._drop()
            return Attempt(Outcome.REJECTED, str(exc))
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, timed out, refused, TLS failed
            started = connection is not None and connection.data_started
            self._drop()
            return Attempt(Outcome.UNCERTAIN if started else Outcome.TRANSIENT, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass  # closing a connection that already broke
            self._drop()

    def _connect(self) -> _Plain | _Ssl:
        s = self.settings
        if s.security == "ssl":
            connection: _Plain | _Ssl = _Ssl(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            connection = _Plain(s.host, s.port, timeout=s.timeout)
        self._connection = connection
        if s.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if s.user:
            connection.login(s.user, s.password or "")
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None


def _answered(code: int, text: bytes | str) -> Attempt:
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return Attempt(Outcome.REJECTED if code >= 500 else Outcome.TRANSIENT, detail)
