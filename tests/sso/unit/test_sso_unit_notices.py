"""Maintenance notices (R-SSO-6) on the fake unit of work: the notice, a delivery per
enabled partner with contacts and the announcement event commit together; mail goes out
after the commit and what fails is tried again. Refusals: ``Invalid`` ``invalid-notice``,
``NotFound`` ``not-found``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sso_fakes import MOMENT, World

from contracts.events.sso import MAINTENANCE_NOTICE_ANNOUNCED
from servicekit.errors import Invalid, NotFound
from services.sso.domain.clients import Client
from services.sso.handlers import notices

START, END = MOMENT + timedelta(days=2), MOMENT + timedelta(days=2, hours=3)


def partners(world: World) -> None:
    for client in (Client("moodle", "Moodle", status="enabled", contacts=("a@moodle.tw",)),
                   Client("quiet", "No contacts", status="enabled"),
                   Client("gone", "Disabled", status="disabled", contacts=("b@gone.tw",)),
                   Client("web", "Platform", kind="first_party", status="enabled",
                          contacts=("c@web.tw",))):
        world.uow.clients.clients[client.client_id] = client


def announce(world: World, starts=START, ends=END) -> dict:
    return notices.announce(world.uow, world.clock, world.mailer, "系統維護", "機房搬遷",
                            starts, ends, "operator-1")


def test_a_notice_must_end_after_it_starts() -> None:
    world = World()
    with pytest.raises(Invalid) as refused:
        announce(world, starts=END, ends=START)
    assert refused.value.slug == "invalid-notice"
    assert world.uow.notices.rows == {} and world.uow.events == []


def test_every_enabled_partner_with_contacts_is_mailed_and_the_news_is_announced() -> None:
    world = World()
    partners(world)
    notice = announce(world)
    assert [d["client_id"] for d in notice["deliveries"]] == ["moodle"]
    [delivery] = notice["deliveries"]
    assert delivery["sent_at"] == MOMENT and delivery["attempts"] == 1
    [mail] = world.mailer.sent
    assert mail.to == ("a@moodle.tw",) and mail.high_importance
    assert "2026/03/11 09:00 ~ 2026/03/11 12:00（臺灣時間）" in mail.body  # Taipei time
    [event] = world.uow.recorded(MAINTENANCE_NOTICE_ANNOUNCED)
    assert event["notice_id"] == notice["notice_id"] and event["title"] == "系統維護"


def test_a_mail_server_down_leaves_the_delivery_to_the_next_try() -> None:
    world = World()
    partners(world)
    world.mailer.failing = True
    notice = announce(world)
    [delivery] = notice["deliveries"]
    assert delivery["sent_at"] is None and "ConnectionRefusedError" in delivery["last_error"]
    assert world.uow.recorded(MAINTENANCE_NOTICE_ANNOUNCED)  # the notice stands
    world.mailer.failing = False
    world.clock.advance(hours=1)
    assert notices.send_pending(world.uow, world.clock, world.mailer) == 1
    assert notices.send_pending(world.uow, world.clock, world.mailer) == 0  # sent once
    [delivery] = notices.notice(world.uow, notice["notice_id"])["deliveries"]
    assert (delivery["attempts"], delivery["last_error"]) == (2, None)


def test_the_feed_puts_notices_not_yet_over_first() -> None:
    world = World()
    future = announce(world)
    world.clock.advance(minutes=1)
    past = notices.announce(world.uow, world.clock, world.mailer, "已結束", "舊的",
                            MOMENT - timedelta(days=3), MOMENT - timedelta(days=2), "operator-1")
    assert [n["notice_id"] for n in notices.feed(world.uow, world.clock)] == \
        [future["notice_id"], past["notice_id"]]


def test_an_unknown_notice_is_not_found() -> None:
    with pytest.raises(NotFound):
        notices.notice(World().uow, "no-such-notice")
