"""E-mail over SMTP, for every service that mails people (notices, links, news)."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicekit.settings import Settings


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    high_importance: bool = False


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout

    def send(self, mails: list[Mail]) -> list[str | None]:
        """One connection for the lot; per mail None when sent, else why not. Raises
        OSError / SMTPException when the server cannot be reached at all."""
        outcomes: list[str | None] = []
        with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._username and self._password:
                smtp.login(self._username, self._password)
            for mail in mails:
                try:
                    smtp.send_message(self._message(mail))
                    outcomes.append(None)
                except smtplib.SMTPException as error:
                    outcomes.append(f"{type(error).__name__}: {error}"[:500])
        return outcomes

    def _message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(mail.to)
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        if mail.high_importance:  # as the seed's notice was sent
            message["Importance"] = "high"
            message["X-Priority"] = "1"
        message.set_content(mail.body)
        return message


def smtp_mailer(settings: Settings) -> SmtpMailer:
    """The mail server a service's settings name: ``<SERVICE>_SMTP_*`` or the shared
    ``SMTP_*`` (host, port, from, username, password, STARTTLS, time-out)."""
    return SmtpMailer(settings.value("SMTP_HOST", "127.0.0.1") or "127.0.0.1",
                      int(settings.value("SMTP_PORT", "25") or "25"),
                      settings.value("SMTP_FROM", "inservice@localhost") or "",
                      settings.value("SMTP_USERNAME") or None,
                      settings.value("SMTP_PASSWORD") or None,
                      (settings.value("SMTP_STARTTLS", "false") or "").lower() == "true",
                      float(settings.value("SMTP_TIMEOUT_SECONDS", "10") or "10"))
