"""SMTP settings from the environment and from prefect-email's block, and sending over STARTTLS and SSL to a real
aiosmtpd server on 127.0.0.1 with a certificate made for the test."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prefect_email import EmailServerCredentials

from flows.errors import UsageError
from flows.smtp import Mailer, Outcome, SmtpSettings, from_block, from_environment
from tests.smtp_inbox import free_port, smtp_server

SENDER = "digest@pln.example"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """The server's TLS context; the client trusts the certificate the way OpenSSL is told to (SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    yield context


def message(to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = SENDER, to, "hello"
    mail.set_content("hi")
    return mail


def test_starttls_hands_the_message_over_encrypted(trusted: ssl.SSLContext) -> None:
    with smtp_server(tls=trusted) as running:
        settings = from_environment({"PLN_SMTP_HOST": "localhost", "PLN_SMTP_PORT": str(running.port),
                                     "PLN_SMTP_SECURITY": "starttls", "PLN_SMTP_FROM": SENDER})
        with Mailer(settings) as mailer:
            assert mailer.send(message("a@example.org")).outcome is Outcome.SENT
            assert mailer.send(message("b@example.org")).outcome is Outcome.SENT, "one connection, reused"
        assert [m["To"] for m in running.inbox.messages] == ["a@example.org", "b@example.org"]


def test_plain_smtp_to_a_server_requiring_starttls_is_refused_not_retried(trusted: ssl.SSLContext) -> None:
    with smtp_server(tls=trusted) as running:
        with Mailer(SmtpSettings("127.0.0.1", running.port, "none", SENDER)) as mailer:
            attempt = mailer.send(message("a@example.org"))
    assert attempt.outcome is Outcome.REJECTED and attempt.detail.startswith("530")
    assert running.inbox.messages == []


def test_a_server_that_is_not_there_is_worth_retrying() -> None:
    with Mailer(SmtpSettings("127.0.0.1", free_port(), "none", SENDER, timeout=5)) as mailer:
        attempt = mailer.send(message("a@example.org"))
    assert attempt.outcome is Outcome.TRANSIENT and "ConnectionRefusedError" in attempt.detail


def test_prefect_email_block_gives_the_same_settings_and_sends() -> None:
    with smtp_server() as running:
        block = EmailServerCredentials(smtp_server="127.0.0.1", smtp_port=running.port, smtp_type="INSECURE")
        settings = from_block(block, {"PLN_SMTP_FROM": SENDER})
        assert (settings.host, settings.port, settings.security, settings.user) == ("127.0.0.1", running.port,
                                                                                     "none", None)
        with Mailer(settings) as mailer:
            assert mailer.send(message("a@example.org")).outcome is Outcome.SENT
        assert len(running.inbox.messages) == 1
    remote = EmailServerCredentials(smtp_server="gmail", username="me@example.org", password="pw", smtp_type="SSL")
    assert from_block(remote, {}) == SmtpSettings("smtp.gmail.com", 465, "ssl", "me@example.org", "me@example.org",
                                                  "pw")


def test_environment_defaults_follow_the_host() -> None:
    local = from_environment({"PLN_SMTP_HOST": "localhost", "PLN_SMTP_FROM": SENDER})
    remote = from_environment({"PLN_SMTP_HOST": "smtp.example.org", "PLN_SMTP_USER": "me@example.org",
                               "PLN_SMTP_PASSWORD": "secret"})
    assert (local.security, local.port) == ("none", 25)
    assert (remote.security, remote.port, remote.sender) == ("starttls", 587, "me@example.org")
    assert "secret" not in repr(remote), "the password never shows in logs"
    assert from_environment({}) is None
    with pytest.raises(UsageError, match="PLN_SMTP_FROM: not set"):
        from_environment({"PLN_SMTP_HOST": "smtp.example.org", "PLN_SMTP_USER": "me"})
