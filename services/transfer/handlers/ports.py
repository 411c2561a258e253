"""What the use cases need from outside the service, as protocols: the adapters
implement them, a test hands in a fake."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from servicekit.mail import Mail


class TeacherDirectory(Protocol):
    def account_ids(self, teacher_ids: Sequence[str]) -> dict[str, str]:
        """The account id of each teacher found, by the (valid, normalised) national ID
        or resident certificate number given; those not found are left out. Nothing
        given here is kept."""


class Mailer(Protocol):
    def send(self, mails: list[Mail]) -> list[str | None]:
        """Per mail None when sent, else why not; raises OSError or SMTPException when
        the server cannot be reached at all (the kit's ``SmtpMailer``)."""
