"""Sending outbox messages by e-mail (SMTP_URL): what submitters who gave an address are
told (status changes, reminders to answer a question).

SMTP_URL forms: smtp://host:port (plain, for a relay on the same network),
smtp+starttls://user:password@host:587, smtps://user:password@host:465."""

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from bot.notifier.results import Sent
from storage import outbox
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Contact, StatusChange, Submission, SubmitterMessage
from storage.settings import Settings
from storage.workflow import status_label

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class EmailSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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

    def senders(self) -> dict[str, Callable]:
        return {"submitter_email": self.submitter_message}

    def _connect(self) -> smtplib.SMTP:
        timeout = self.settings.send_timeout_seconds
        if self.scheme == "smtps":
            server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=timeout)
            if self.scheme == "smtp+starttls":
                server.starttls()
        if self.user:
            server.login(self.user, self.password or "")
        return server

    def submitter_message(self, claim: outbox.Claim) -> Sent:
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
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = contact.email
        mail["Subject"] = text(
            "notify.email_subject",
            reference=submission.reference,
            status=status_label(change.to_status if change else submission.status),
        )
        # The same id on every attempt: a mail re-sent after a crash is the same mail.
        domain = parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<entryway-outbox-{claim.id}@{domain}>"
        footer = text(
            "notify.email_footer",
            reference=submission.reference,
            status_url=f"{self.settings.base_url}/api/proposals/{submission.reference}",
        )
        mail.set_content(f"{message.text}\n\n{footer}\n")
        with self._connect() as server:
            server.send_message(mail)
        return Sent()
