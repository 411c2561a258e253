"""Findings mailed to the sources (R-TRF-6, R-TRF-11, issue 12 items 6 and 9): the
deadline check and the audits mail each source's contact (its maintainer at the owner
unit) once per finding, in zh-TW with English, saying which month or audit and what to
do; a second run mails nothing new; a mail that could not go out, or waits for a
contact, goes on a later run. With the kit's SMTP sink."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_transfer_rules import at, attendee, clocked, command, course, register
from transfer_helpers import machine_token

from servicekit.mail import SmtpMailer
from servicekit.testing.smtp import SmtpSink


@pytest.fixture
def smtp(api) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    api.runtime.components.mailer = SmtpMailer("127.0.0.1", sink.port, "transfer@inservice.test")
    yield sink
    sink.shutdown()
    sink.server_close()


def _contact(api, code: str, email: str | None, role: str = "operator",
             unit: str | None = None):
    return api.call("put", f"/sources/{code}/contact", role=role, unit=unit,
                    json={"contact_email": email})


def _sources_behind(api):
    """March 2026: file-late's file came on 8 April, file-none's never, push-gap was
    silent 18 days; file-ok was on time."""
    clock = clocked(api, "2026-01-10")
    register(api, "file-ok", "monthly_file")
    register(api, "file-late", "monthly_file", unit="353301")
    register(api, "file-none", "monthly_file")
    register(api, "push-gap", "daily_push")
    for day in ("2026-03-01", "2026-03-20"):
        clock.set(at(day))
        api.push("push-gap", {"courses": [course()]})
    with api.runtime.components.unit_of_work() as uow:
        uow.deliveries.record("file-ok", at("2026-04-03").date(), "file", 10, clock.now())
        uow.deliveries.record("file-late", at("2026-04-08").date(), "file", 10, clock.now())
    clock.set(at("2026-04-09"))
    return clock


def test_each_late_or_missing_report_is_mailed_once_to_its_source_s_contact(api, smtp) -> None:
    _sources_behind(api)
    for code in ("file-ok", "file-late", "push-gap"):
        assert _contact(api, code, f"maintainer@{code}.example.TW").status_code == 200
    found = command(api, "check-deadlines", "--month", "2026-03")
    assert found["mails"] == {"sent": 2, "failed": 0, "waiting_for_contact": 1}
    mails = {recipients[0]: message for recipients, message in smtp.wait_for(2)}
    assert sorted(mails) == ["maintainer@file-late.example.tw", "maintainer@push-gap.example.tw"]

    late = mails["maintainer@file-late.example.tw"]
    assert late["Subject"] == ("[全國教師在職進修資訊網] file-late（file-late）2026-03 研習資料逾期 — "
                               "2026-03 training records came late")
    text = late.get_content()
    assert "2026-03 已結束課程的資料應於 2026-04-05 前報送，本網於 2026-04-08 才收到。" in text
    assert "請於每月 5 日前上傳上個月已結束課程的檔案。" in text
    assert "The closed courses of 2026-03 were due by 2026-04-05; the file arrived on " \
           "2026-04-08." in text
    gap = mails["maintainer@push-gap.example.tw"].get_content()
    assert "2026-03 期間曾連續 18 天未推送資料（容許 3 天）。" in gap
    assert "In 2026-03 nothing was pushed for 18 days in a row (3 allowed)." in gap

    # Run again: nothing new is mailed.
    again = command(api, "check-deadlines", "--month", "2026-03")
    assert again["mails"] == {"sent": 0, "failed": 0, "waiting_for_contact": 1}
    assert len(smtp.messages) == 2
    # file-none had no contact: once its unit's staff set one, its mail goes.
    assert _contact(api, "file-none", "office@file-none.example.tw", role="business",
                    unit="313301").status_code == 200
    assert command(api, "send-finding-mails") == {"sent": 1, "failed": 0,
                                                  "waiting_for_contact": 0}
    [(recipients, missing)] = smtp.wait_for(3)[2:]
    assert recipients == ["office@file-none.example.tw"]
    assert "研習資料未報送" in missing["Subject"] and "are missing" in missing["Subject"]
    assert "請儘速於本網上傳該月的檔案" in missing.get_content()
    assert command(api, "send-finding-mails")["sent"] == 0
    assert len(smtp.messages) == 3


def test_a_mail_that_could_not_go_out_goes_on_the_next_run(api, smtp) -> None:
    _sources_behind(api)
    _contact(api, "file-none", "office@file-none.example.tw")
    smtp.refusing = True
    found = command(api, "check-deadlines", "--month", "2026-03")
    assert found["mails"] == {"sent": 0, "failed": 1, "waiting_for_contact": 2}
    smtp.refusing = False
    assert command(api, "send-finding-mails")["sent"] == 1
    assert [r for r, _ in smtp.wait_for(1)] == [["office@file-none.example.tw"]]


def test_an_audit_that_differs_is_mailed_with_its_months_and_one_that_agrees_is_not(
        api, smtp) -> None:
    clock = clocked(api, "2026-02-15")
    register(api, "tpe-edu", "daily_push")
    register(api, "ntpc-edu", "daily_push", unit="353301")
    for code in ("tpe-edu", "ntpc-edu"):
        _contact(api, code, f"it@{code}.example.tw")
    clock.set(at("2026-03-05"))
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0), attendee(1)]})
    api.push("ntpc-edu", {"courses": [course("N-1", "另一門")],
                          "attendance": [attendee(2, "N-1")]})
    clock.set(at("2026-04-02"))
    for code, counts in (("tpe-edu", {"courses": 1, "attendance": 3, "hours": "9.0"}),
                         ("ntpc-edu", {"courses": 1, "attendance": 1, "hours": "3.0"})):
        assert api.client.put(f"/sources/{code}/reported-counts/2026-03", json=counts,
                              headers={"Authorization": f"Bearer {machine_token(code)}"}
                              ).status_code == 200
    opened = command(api, "open-audits")
    assert sorted((a["source"], a["differences"]) for a in opened["opened"]) == [
        ("ntpc-edu", 0), ("tpe-edu", 2)]
    assert opened["mails"]["sent"] == 1
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == ["it@tpe-edu.example.tw"]
    assert message["Subject"] == ("[全國教師在職進修資訊網] tpe-edu（tpe-edu）2026-03 月稽核：2 項不符 — "
                                  "monthly audit of 2026-03: 2 differences")
    text = message.get_content()
    assert "・2026-03 研習紀錄數：貴單位申報 3，本網收到 2" in text
    assert "・2026-03 研習時數：貴單位申報 9.0，本網收到 6.0" in text
    assert "- 2026-03 attendance records: you stated 3, the network holds 2" in text
    assert "PUT /sources/tpe-edu/reported-counts/YYYY-MM" in text
    assert command(api, "open-audits")["mails"]["sent"] == 0  # opened once, mailed once
    # A month the source did not state: the next audit says so.
    clock.set(at("2026-05-02"))
    command(api, "open-audits")
    assert len(smtp.wait_for(3)) == 3
    april = [m for r, m in smtp.messages if r == ["it@tpe-edu.example.tw"]][-1]
    assert "2026-04：貴單位未申報該月統計" in april.get_content()


def test_the_contact_is_set_by_the_staff_or_the_owner_unit_and_shown_with_the_source(
        api) -> None:
    clocked(api, "2026-02-15")
    register(api, "tpe-edu", "daily_push")
    assert api.call("post", "/sources", json={
        "code": "kh-edu", "name": "高雄", "owner_unit": "383301", "mode": "daily_push",
        "contact_email": "it@kh.example.tw"}).status_code == 201
    assert api.call("get", "/sources/kh-edu").json["contact_email"] == "it@kh.example.tw"
    own = _contact(api, "tpe-edu", "it@TPE.example.tw", role="business", unit="313301")
    assert own.status_code == 200 and own.json["contact_email"] == "it@tpe.example.tw"
    assert api.call("get", "/sources/tpe-edu", role="business", unit="313301"
                    ).json["contact_email"] == "it@tpe.example.tw"
    other = _contact(api, "tpe-edu", "x@y.example.tw", role="business", unit="353301")
    assert other.status_code == 404
    for role in ("teacher", "reviewer", "viewer"):
        assert _contact(api, "tpe-edu", "x@y.example.tw", role=role).status_code == 403
    bad = _contact(api, "tpe-edu", "not an address")
    assert bad.status_code == 422 and bad.json["type"].endswith("validation-failed")
    assert _contact(api, "nobody", "x@y.example.tw").status_code == 404
    cleared = _contact(api, "tpe-edu", None)
    assert cleared.status_code == 200 and cleared.json["contact_email"] is None
