"""Maintenance notices (R-SSO-6, issue point 8): an operator records a planned outage;
every enabled partner's contacts get an e-mail (here: a local SMTP sink) and the notice is
in the news feed."""
from __future__ import annotations

import json

import requests
from sqlalchemy import select

from servicekit.bus.tables import outbox
from services.sso.handlers.housekeeping import tidy_records

NOTICE = {"title": "國立高雄師範大學網路設備軟體升級",
          "body": "「國立高雄師範大學」圖書資訊處預定進行網路設備(Cisco router)軟體版本升級，"
                  "將造成網路不穩定約一小時。",
          "starts_at": "2017-03-14T12:00:00+08:00", "ends_at": "2017-03-14T13:00:00+08:00"}


def test_an_announced_outage_mails_every_enabled_partner_and_is_in_the_feed(make_sso, smtp) -> None:
    sso = make_sso(SSO_SMTP_PORT=str(smtp.port), SSO_SMTP_FROM="inservice@nknucc.example.tw")
    sso.partner("practicum", contacts=("practicum@ncue.example.tw",))
    sso.partner("science-park", contacts=("most-a@most.example.tw", "most-b@most.example.tw"))
    sso.partner("closed-one", status="disabled", contacts=("old@cy.example.tw",))
    sso.partner("in-testing", status="testing", contacts=("test@example.tw",))
    answer = sso.call("POST", "/notices", sso.token_for("op-1", "operator"), json=NOTICE)
    assert answer.status_code == 201, answer.text
    notice = answer.json()
    assert all(delivery["sent_at"] for delivery in notice["deliveries"])

    recipients = sorted(r for rcpts, _ in smtp.messages for r in rcpts)
    assert recipients == ["most-a@most.example.tw", "most-b@most.example.tw", "practicum@ncue.example.tw"]
    _, message = smtp.messages[0]
    assert message["From"] == "inservice@nknucc.example.tw" and message["Importance"] == "high"
    assert NOTICE["title"] in message["Subject"]
    body = message.get_content()
    assert "合作夥伴您們好" in body and "2017/03/14 12:00 ~ 2017/03/14 13:00" in body

    feed = requests.get(sso.url + "/notices", timeout=5).json()  # public: no token needed
    assert [item["title"] for item in feed] == [NOTICE["title"]]
    assert "deliveries" not in feed[0]
    with sso.dependencies.database.session() as session:
        [event] = session.scalars(select(outbox.c.body).where(
            outbox.c.event_type == "sso.maintenance_notice.announced.v1")).all()
    assert json.loads(event)["data"]["notice_id"] == notice["notice_id"]


def test_mail_that_could_not_go_out_is_sent_by_the_housekeeping(make_sso, smtp) -> None:
    sso = make_sso(SSO_SMTP_PORT=str(smtp.port))
    sso.partner("practicum", contacts=("practicum@ncue.example.tw",))
    smtp.refusing = True
    notice = sso.call("POST", "/notices", sso.token_for("op-1", "operator"), json=NOTICE).json()
    assert notice["deliveries"][0]["sent_at"] is None and notice["deliveries"][0]["last_error"]
    smtp.refusing = False
    assert tidy_records(sso.dependencies)["notice_mails_sent"] == 1
    assert [rcpts for rcpts, _ in smtp.messages] == [["practicum@ncue.example.tw"]]


def test_only_operators_announce(sso) -> None:
    teacher = sso.token_for("t-1", "teacher")
    assert sso.call("POST", "/notices", teacher, json=NOTICE).status_code == 403
