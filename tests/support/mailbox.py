"""A real SMTP server on loopback (aiosmtpd) that keeps every mail it receives.

It can speak TLS (STARTTLS, or TLS from the first byte as on port 465) with a certificate
a test chooses, refuse recipients as a relay does (echoing the address, as they do),
and answer slowly."""

import asyncio
import email
import email.policy
import ipaddress
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.stack import free_port

HOST = "127.0.0.1"
SCHEMES = {None: "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}


def self_signed_certificate(folder: Path, host: str = HOST) -> tuple[Path, Path]:
    """A certificate for `host` signed by its own key (no authority vouches for it);
    returns the paths of its PEM certificate and key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "self-signed.pem", folder / "self-signed.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Mailbox:
    def __init__(self, tls: str | None = None, certificate: ssl.SSLContext | None = None) -> None:
        """`tls`: None (plain), "starttls" or "smtps", serving `certificate` (a server
        SSLContext holding the certificate and its key)."""
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.scheme = SCHEMES[tls]
        self.refused: set[str] = set()  # recipients refused with 550
        self.slowness = 0.0  # seconds each MAIL and RCPT command takes
        if tls == "starttls":
            how = {"tls_context": certificate, "require_starttls": True}
        elif tls == "smtps":
            how = {"ssl_context": certificate}
        else:
            how = {}
        self.controller = Controller(self, hostname=HOST, port=free_port(), **how)

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:
        await asyncio.sleep(self.slowness)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        await asyncio.sleep(self.slowness)
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.mails.append(mail)  # type: ignore[arg-type]
        return "250 OK"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.controller.port}"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [mail for mail in self.mails if mail["To"] == address]

    def wait_for(self, address: str, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{len(self.to(address))} mails to {address}, expected {count}")

    def __enter__(self) -> "Mailbox":
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()
