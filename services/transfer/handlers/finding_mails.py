"""Findings mailed to the sources (R-TRF-6, R-TRF-11): a late or missing report of a month
(``check-deadlines``) and an audit whose counts differ (``open-audits``) are mailed to the
source's contact — its maintainer at the owner unit (``PUT /sources/<code>/contact``) —
in zh-TW with English, saying which month or audit and what to do.

Once per finding: the mail is written with the finding, in its transaction
(``finding_mails``, keyed by source, kind and month or audit), so a second run of a
check finds it there and mails nothing new; it is sent after the commit. A mail that
could not go out, or whose source has no contact yet, waits: every run of either check,
and ``send-finding-mails``, tries the waiting ones again (at most ``MAX_ATTEMPTS`` sends
each; a source without a contact is logged, and its mails go once one is set)."""
from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime
from typing import Any

from servicekit.clock import Clock
from servicekit.mail import Mail
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.domain.schedule import LATE
from services.transfer.domain.sources import DAILY_PUSH, Source
from services.transfer.handlers.ports import Mailer

log = logging.getLogger("transfer.findings")

DEADLINE, AUDIT = "deadline", "audit"
MAX_ATTEMPTS = 5
NETWORK_ZH, NETWORK_EN = "全國教師在職進修資訊網", "National In-Service Teacher Training Network"
AUDIT_KINDS = {"monthly": ("月稽核", "monthly audit"), "quarterly": ("季稽核", "quarterly audit"),
               "annual": ("年度稽核", "annual audit")}
MEASURES = {"courses": ("課程數", "courses"), "attendance": ("研習紀錄數", "attendance records"),
            "hours": ("研習時數", "hours")}


def queue_deadline(uow: TransferUnitOfWork, source: Source, row: dict[str, Any],
                   now: datetime) -> bool:
    """In the check's transaction: the month's late or missing report, mailed once per
    source and month (a report first missing, then late, is not mailed again). True when
    it is new."""
    subject, body = deadline_mail(source, row)
    return uow.finding_mails.queue(source.code, DEADLINE, row["month"], subject, body, now)


def queue_audit(uow: TransferUnitOfWork, source: Source, audit: dict[str, Any],
                now: datetime) -> bool:
    """In the audit's transaction: an audit that found differences, mailed once."""
    if not audit["differences"]:
        return False
    subject, body = audit_mail(source, audit)
    return uow.finding_mails.queue(source.code, AUDIT, audit["audit_id"], subject, body, now)


def deadline_mail(source: Source, row: dict[str, Any]) -> tuple[str, str]:
    month, late = row["month"], row["status"] == LATE
    status_zh, status_en = ("逾期", "came late") if late else ("未報送", "are missing")
    subject = (f"[{NETWORK_ZH}] {source.name}（{source.code}）{month} 研習資料{status_zh} — "
               f"{month} training records {status_en}")
    if source.mode == DAILY_PUSH:
        days, allowed = row["longest_silence_days"], row["silence_days_allowed"]
        if late:
            zh = f"{month} 期間曾連續 {days} 天未推送資料（容許 {allowed} 天）。"
            en = f"In {month} nothing was pushed for {days} days in a row ({allowed} allowed)."
        else:
            zh = f"{month} 整月未收到貴系統推送的資料。"
            en = f"Nothing was pushed by your system in {month}."
        todo_zh = ("請確認系統每日推送正常，補送缺漏的課程與研習紀錄；如系統故障無法推送，"
                   "請回覆本信告知預計恢復日期。")
        todo_en = ("Please check that your system pushes every day and send what is missing; "
                   "if it cannot push, reply with the day it will again.")
    else:
        due = _day(row["due"])
        if late:
            zh = f"{month} 已結束課程的資料應於 {due} 前報送，本網於 {_day(row['reported_on'])} 才收到。"
            en = (f"The closed courses of {month} were due by {due}; the file arrived on "
                  f"{_day(row['reported_on'])}.")
            todo_zh = "請於每月 5 日前上傳上個月已結束課程的檔案。"
            todo_en = "Please upload each month's closed courses by the 5th of the next month."
        else:
            zh = f"{month} 已結束課程的資料應於 {due} 前報送，本網至今未收到。"
            en = f"The closed courses of {month} were due by {due}; no file has arrived."
            todo_zh = "請儘速於本網上傳該月的檔案，並查看處理報告更正有誤的列。"
            todo_en = ("Please upload the month's file now, and fix the rows its report "
                       "marks.")
    body = (f"{source.name}（{source.code}）維護人員您好：\n\n{zh}\n{todo_zh}\n\n"
            f"{NETWORK_ZH}\n\n--\n"
            f"Dear maintainer of {source.name} ({source.code}),\n\n{en}\n{todo_en}\n\n"
            f"{NETWORK_EN}\n")
    return subject, body


def audit_mail(source: Source, audit: dict[str, Any]) -> tuple[str, str]:
    kind_zh, kind_en = AUDIT_KINDS.get(audit["kind"], (audit["kind"], audit["kind"]))
    first, last = _month(audit["first_month"]), _month(audit["last_month"])
    period = first if first == last else f"{first}–{last}"
    count = audit["differences"]
    subject = (f"[{NETWORK_ZH}] {source.name}（{source.code}）{period} {kind_zh}：{count} 項不符 — "
               f"{kind_en} of {period}: {count} differences")
    lines_zh, lines_en = [], []
    for line in audit["lines"]:
        if not line["differences"]:
            continue
        reported, held = line["reported"], line["held"]
        if reported is None:
            lines_zh.append(f"・{line['month']}：貴單位未申報該月統計")
            lines_en.append(f"- {line['month']}: you stated no counts for the month")
            continue
        for measure in line["differences"]:
            zh, en = MEASURES[measure]
            lines_zh.append(f"・{line['month']} {zh}：貴單位申報 {reported[measure]}，"
                            f"本網收到 {held[measure]}")
            lines_en.append(f"- {line['month']} {en}: you stated {reported[measure]}, "
                            f"the network holds {held[measure]}")
    where = f"PUT /sources/{source.code}/reported-counts/YYYY-MM"
    body = (f"{source.name}（{source.code}）維護人員您好：\n\n"
            f"本網{kind_zh}（{period}）比對貴單位申報的月統計與本網收到的資料，有 {count} 項不符：\n"
            + "\n".join(lines_zh) +
            "\n\n請核對上列月份：補送缺漏或更正有誤的紀錄；若是申報的統計有誤，請更正申報"
            f"（{where}，或由貴單位業務承辦人於本網填報）。\n\n{NETWORK_ZH}\n\n--\n"
            f"Dear maintainer of {source.name} ({source.code}),\n\n"
            f"The {kind_en} of {period} compared the counts you stated with the records the "
            f"network holds and found {count} differences:\n" + "\n".join(lines_en) +
            "\n\nPlease check those months: send what is missing or correct what is wrong; "
            f"if the counts you stated are wrong, state them again ({where}, or through "
            f"your unit's staff on the network).\n\n{NETWORK_EN}\n")
    return subject, body


def send_waiting(uow: TransferUnitOfWork, mailer: Mailer, clock: Clock,
                 limit: int = 200) -> dict[str, int]:
    """The findings' mails that wait, sent (each claimed first, so that two runs never
    send one twice); those of a source without a contact wait for one."""
    with uow:
        waiting = uow.finding_mails.waiting(MAX_ATTEMPTS, limit)
        claimed = [mail for mail in waiting
                   if mail["contact_email"] and uow.finding_mails.claim(mail)]
    without = sorted({mail["source"] for mail in waiting if not mail["contact_email"]})
    for code in without:
        log.warning("finding not mailed: the source has no contact", extra={"source": code})
    outcomes: list[str | None] = []
    if claimed:
        try:
            outcomes = mailer.send([Mail((mail["contact_email"],), mail["subject"],
                                         mail["body"]) for mail in claimed])
        except (OSError, smtplib.SMTPException) as error:
            log.warning("finding mails not sent", extra={"error": repr(error)})
            outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(claimed)
        with uow:
            for mail, failure in zip(claimed, outcomes, strict=True):
                uow.finding_mails.finish(mail, failure, clock.now())
    sent = sum(failure is None for failure in outcomes)
    if sent:
        log.info("findings mailed", extra={"mails": sent})
    return {"sent": sent, "failed": len(outcomes) - sent,
            "waiting_for_contact": sum(not mail["contact_email"] for mail in waiting)}


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _month(value: Any) -> str:
    return value.isoformat()[:7] if isinstance(value, date) else str(value)[:7]
