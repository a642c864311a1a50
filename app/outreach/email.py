"""Handing an email to an SMTP server (standard library `smtplib`)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from app.outreach.settings import SmtpSettings

_log = logging.getLogger(__name__)


class Mailer(Protocol):
    """What hands one email over: `send_email` (SMTP), or a recorder in the month simulation."""

    def __call__(
        self, settings: SmtpSettings, *, to: str, subject: str, body: str
    ) -> tuple[str, str | None]: ...


def send_email(settings: SmtpSettings, *, to: str, subject: str, body: str) -> tuple[str, str | None]:
    """Send one plain-text email: ("sent", Message-ID) or ("failed", why)."""
    assert settings.SMTP_HOST
    message = EmailMessage()
    message["From"] = settings.SMTP_FROM
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message_id = make_msgid(domain=settings.SMTP_FROM.rpartition("@")[2] or "localhost")
    message["Message-ID"] = message_id
    message.set_content(body)
    try:
        with smtplib.SMTP(
            settings.SMTP_HOST, settings.SMTP_PORT, timeout=settings.SMTP_TIMEOUT_SECONDS
        ) as smtp:
            if settings.SMTP_STARTTLS:
                smtp.starttls()
            if settings.SMTP_USER and settings.SMTP_PASSWORD is not None:
                smtp.login(settings.SMTP_USER, settings.SMTP_PASSWORD.get_secret_value())
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        _log.warning("could not email a draft: %s", exc)
        return "failed", f"{type(exc).__name__}: {exc}"[:300]
    return "sent", message_id
