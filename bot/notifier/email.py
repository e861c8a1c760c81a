"""Sending outbox messages by e-mail (SMTP_URL): what submitters who gave an address are
told (status changes, reminders to answer a question), in their own language: subject,
body and footer in the contact's language, which the Content-Language header names.

SMTP_URL forms: smtp://host:port (plain, for a relay on the same network),
smtp+starttls://user:password@host:587, smtps://user:password@host:465. Over TLS the
server's certificate is verified (against ENTRYWAY_SMTP_CA_FILE, or the system's trusted
certificates) and its name checked: a mail is never handed to a server that cannot prove
it is the one named in SMTP_URL.

An e-mail whose send was cut off may reach the submitter twice; it keeps one Message-ID
on every attempt, so mail programs show it once."""

import ssl
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from bot.notifier.lease import Lease
from bot.notifier.results import Sent
from storage import outbox
from storage.catalogue import text
from storage.db import session_scope
from storage.languages import language_or_default
from storage.models import Contact, StatusChange, Submission, SubmitterMessage
from storage.rendering import status_label
from storage.settings import Settings
from storage.workflow.submitter_news import own_subject, worded

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class EmailSender:
    def __init__(self, settings: Settings, lease: Lease) -> None:
        self.settings = settings
        self.lease = lease
        parts = urlsplit(settings.smtp_url or "")
        if parts.scheme not in PORTS or not parts.hostname:
            raise ValueError(
                "SMTP_URL must look like smtp://host:port, smtp+starttls://user:pass@host:587 "
                "or smtps://user:pass@host:465"
            )
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or PORTS[parts.scheme]
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        try:
            self.tls = ssl.create_default_context(cafile=settings.smtp_ca_file)
        except (OSError, ssl.SSLError) as problem:
            raise ValueError(f"ENTRYWAY_SMTP_CA_FILE cannot be read: {problem}") from None

    def senders(self) -> dict[str, Callable[[outbox.Claim], Awaitable[Sent]]]:
        return {"submitter_email": self.submitter_message}

    async def _send(self, mail: EmailMessage) -> None:
        await aiosmtplib.send(
            mail,
            hostname=self.host,
            port=self.port,
            username=self.user,
            password=self.password,
            use_tls=self.scheme == "smtps",
            start_tls=self.scheme == "smtp+starttls",  # plain smtp:// stays plain
            tls_context=self.tls,
            timeout=self.settings.send_timeout_seconds,
        )

    async def submitter_message(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            message = session.get(SubmitterMessage, claim.payload.get("message_id"))
            submission = session.get(Submission, message.submission_id) if message else None
            change = (
                session.get(StatusChange, message.status_change_id)
                if message and message.status_change_id
                else None
            )
            contact = (
                session.get(Contact, submission.contact_id)
                if submission and submission.contact_id
                else None
            )
        if message is None or submission is None or not (contact and contact.email):
            return Sent()
        # Written in the submitter's language, as the message itself was worded.
        language = language_or_default(contact.language)
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = contact.email
        mail["Subject"] = own_subject(message.news, message.facts, language) or text(
            "notify.email_subject",
            language,
            reference=submission.reference,
            status=status_label(change.to_status if change else submission.status, language),
        )
        # The same id on every attempt: a mail re-sent after a crash is the same mail.
        domain = parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<entryway-outbox-{claim.id}@{domain}>"
        footer = text(
            "notify.email_footer",
            language,
            reference=submission.reference,
            status_url=f"{self.settings.base_url}/api/proposals/{submission.reference}",
        )
        body = worded(message, language).text
        mail.set_content(f"{body}\n\n{footer}\n")
        # After set_content, which replaces every Content-* header.
        mail["Content-Language"] = language
        self.lease.begin(claim, doubt=False)
        await self._send(mail)
        return Sent()
