"""Telling teachers (R-CRS-4, issue point 4): a promoted, accepted, declined or drawn
teacher gets an e-mail. The change writes an ``enrolment_mails`` row in its own
transaction (never a send inside the request); after the commit a background thread of
the process sends it (servicekit.after_commit), and the scheduled command
``send-enrolment-mails`` tries again what could not go out, at most ``MAX_ATTEMPTS``
times. Each try is claimed by one conditional update, so a mail is not sent twice by the
thread and the command at once."""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.dml import rows_changed
from servicekit.mail import Mail, SmtpMailer
from services.courses.adapters.orm import courses, enrolment_mails
from services.courses.adapters.teachers import TeacherDirectory
from services.courses.domain.enrolment import ACCEPTED, DECLINED_NEWS, LOST, PROMOTED, WON

log = logging.getLogger("courses.mails")

MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)

NEWS = {
    PROMOTED: ("候補遞補成功 You have a seat", "候補名單遞補，您已取得「{title}」的名額。",
               "A seat freed and you have it: {title}."),
    ACCEPTED: ("報名已錄取 Enrolment accepted", "主辦單位已錄取您報名的「{title}」。",
               "The organiser accepted your enrolment in {title}."),
    DECLINED_NEWS: ("報名未錄取 Enrolment declined", "主辦單位未錄取您報名的「{title}」。",
                    "The organiser declined your enrolment in {title}."),
    WON: ("抽籤結果：錄取 Lottery: you have a seat", "「{title}」抽籤結果：您已錄取。",
          "The draw of {title}: you have a seat."),
    LOST: ("抽籤結果：未錄取 Lottery: not drawn", "「{title}」抽籤結果：很抱歉，您未獲錄取。",
           "The draw of {title}: you were not drawn."),
}


def mail_for(kind: str, name: str, email: str, course_code: str, title: str) -> Mail:
    subject, chinese, english = NEWS[kind]
    body = (f"{name} 您好：\n\n{chinese.format(title=title)}（課程代碼 {course_code}）\n"
            "請至全國教師在職進修資訊網查看您的報名狀態。\n\n--\n"
            f"{english.format(title=title)} (course {course_code})\n"
            "See your enrolments on the National In-Service Teacher Training Network.\n")
    return Mail((email,), subject, body)


def send_queued(database: Database, mailer: SmtpMailer, clock: Clock,
                ids: list[int] | None = None, limit: int = 200) -> int:
    """Sends the mails named (every one that waits, when ``ids`` is None); how many went."""
    claimed = _claim(database, clock, ids, limit)
    if not claimed:
        return 0
    sending: list[tuple[int, Mail]] = []
    with database.session() as session:
        teachers = TeacherDirectory(session)
        for row in claimed:
            teacher = teachers.teacher(row.account_id)
            if teacher is None or not teacher.email:
                session.execute(update(enrolment_mails)
                                .where(enrolment_mails.c.mail_id == row.mail_id)
                                .values(done_at=clock.now(), outcome="no-address"))
                continue
            sending.append((row.mail_id, mail_for(row.kind, teacher.name, teacher.email,
                                                  row.code, row.title)))
    if not sending:
        return 0
    try:
        outcomes = mailer.send([mail for _, mail in sending])
    except (OSError, smtplib.SMTPException) as error:
        log.warning("enrolment mails not sent", extra={"error": repr(error)})
        outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(sending)
    with database.session() as session:
        for (mail_id, _), failure in zip(sending, outcomes, strict=True):
            values: dict[str, Any] = ({"done_at": clock.now(), "outcome": "sent",
                                       "last_error": None} if failure is None
                                      else {"last_error": failure})
            session.execute(update(enrolment_mails)
                            .where(enrolment_mails.c.mail_id == mail_id).values(**values))
    return sum(failure is None for failure in outcomes)


def _claim(database: Database, clock: Clock, ids: list[int] | None, limit: int) -> list[Any]:
    now, m = clock.now(), enrolment_mails.c
    query = (select(m.mail_id, m.account_id, m.kind, m.attempts, courses.c.code,
                    courses.c.title)
             .select_from(enrolment_mails.join(courses, courses.c.course_id == m.course_id))
             .where(m.done_at.is_(None), m.attempts < MAX_ATTEMPTS))
    if ids is not None:
        query = query.where(m.mail_id.in_(ids))
    else:
        query = query.where(or_(m.tried_at.is_(None), m.tried_at <= now - RETRY_AFTER))
    claimed = []
    with database.session() as session:
        for row in session.execute(query.order_by(m.mail_id).limit(limit)).all():
            if rows_changed(session.execute(update(enrolment_mails).where(
                    m.mail_id == row.mail_id, m.attempts == row.attempts, m.done_at.is_(None))
                    .values(attempts=row.attempts + 1, tried_at=now))) == 1:
                claimed.append(row)
    return claimed
