"""Linking a county identity to a teacher (R-SSO-4): only with the teacher's own platform
password, in the browser that brought it or on a reviewer's proposal; undoing it ends
the teacher's sign-ins. On the fake unit of work: no database, no server.

What a refusal looks like: an application error with a stable slug (``Conflict``
``arrival-expired`` / ``already-linked`` / ``arrival-decided``, ``Forbidden``
``account-unavailable`` / ``not-a-teacher`` / ``wrong-password`` / ``forbidden``,
``Invalid`` ``not-a-teacher`` / ``reason-required``, ``NotFound`` ``not-found``,
``LimitReached`` ``locked``), which the HTTP edge answers as problem+json."""
from __future__ import annotations

import pytest
from sso_fakes import FakeThrottle, World

from contracts.events.sso import COUNTY_PROFILE_RECEIVED
from servicekit.errors import Conflict, Forbidden, Invalid, LimitReached, NotFound
from servicekit.tokens import Principal
from services.sso.adapters.county_service import CountyIdentity
from services.sso.handlers import county_links, county_unlinks
from services.sso.handlers.county_links import Linked, NeedsLink
from services.sso.handlers.credentials import Locked
from services.sso.handlers.sign_in_records import Client

WHO = Client("203.0.113.9", "pytest")
IDENTITY = CountyIdentity("TPE", "A123456789", {"display_name": "王老師", "email": "not an address"})


def arrive(world: World, identity: CountyIdentity = IDENTITY) -> Linked | NeedsLink:
    return county_links.arrive(world.uow, world.clock, world.names, identity, "county_service",
                               "request-1")


def teacher(world: World, login: str = "teacher00001", county: str = "TPE"):
    account = world.uow.add_account(login, county_code=county)
    world.with_password(account, f"pw-{login}-secret")
    return account


def confirm(world: World, outcome: NeedsLink, login: str, password: str):
    return county_links.confirm_with_password(world.uow, world.checking, outcome.arrival_id,
                                              outcome.browser_secret, login, password, WHO)


def reviewer(county: str = "TPE") -> Principal:
    return Principal("reviewer-1", frozenset({"reviewer"}), authority=county)


def test_an_unknown_identity_waits_for_a_link_and_keeps_its_subject_only_as_a_digest() -> None:
    world = World()
    outcome = arrive(world)
    assert isinstance(outcome, NeedsLink)
    [arrival] = world.uow.county_links.arrivals.values()
    assert arrival["status"] == "pending" and arrival["county_code"] == "TPE"
    assert "A123456789" not in repr(arrival)
    assert arrival["county_subject"] == world.names.county_subject("TPE", "A123456789")
    # the profile keeps what the event contract accepts: a malformed e-mail is dropped
    assert arrival["profile"] == {"display_name": "王老師"}


def test_the_teacher_links_with_their_password_in_the_browser_that_brought_it() -> None:
    world = World()
    account = teacher(world)
    outcome = arrive(world)
    linked = confirm(world, outcome, "Teacher00001 ", "pw-teacher00001-secret")
    assert linked == Linked(account, "county_service", "TPE")
    [link] = world.uow.county_links.links.values()
    assert (link.account_id, link.linked_by, link.proposed_by) == \
        (account.account_id, "self-confirmed", None)
    assert world.uow.recorded(COUNTY_PROFILE_RECEIVED) == [
        {"account_id": account.account_id, "county_code": "TPE", "display_name": "王老師"}]
    assert [(r["method"], r["outcome"]) for r in world.uow.login_records.rows] == [("link", "success")]
    # the next sign-in with that identity signs the teacher in
    assert arrive(world) == Linked(account, "county_service", "TPE")


def test_another_browser_cannot_confirm_the_arrival() -> None:
    world = World()
    teacher(world)
    outcome = arrive(world)
    stolen = NeedsLink(outcome.arrival_id, "another browser's cookie")
    with pytest.raises(Conflict) as refused:
        confirm(world, stolen, "teacher00001", "pw-teacher00001-secret")
    assert refused.value.slug == "arrival-expired"
    assert world.uow.county_links.links == {}


def test_a_wrong_password_links_nothing_and_counts_as_a_failure() -> None:
    world = World()
    teacher(world)
    outcome = arrive(world)
    assert confirm(world, outcome, "teacher00001", "not the password") is None
    assert world.uow.county_links.links == {}
    assert world.uow.county_links.arrivals[outcome.arrival_id]["status"] == "pending"
    assert [(r["method"], r["outcome"]) for r in world.uow.login_records.rows] == [("link", "failure")]


def test_the_link_confirmation_is_locked_with_the_sign_in() -> None:
    world = World(throttle=FakeThrottle(limit=2, lock_seconds=600))
    teacher(world)
    outcome = arrive(world)
    for _ in range(2):
        assert confirm(world, outcome, "teacher00001", "wrong") is None
    with pytest.raises(Locked) as locked:
        confirm(world, outcome, "teacher00001", "pw-teacher00001-secret")
    assert isinstance(locked.value, LimitReached)
    assert (locked.value.slug, locked.value.retry_after) == ("locked", 600)


def test_only_a_teacher_account_roams_in() -> None:
    world = World()
    staff = world.uow.add_account("operator", kind="staff")
    world.with_password(staff, "an operator's secret")
    with pytest.raises(Forbidden) as refused:
        confirm(world, arrive(world), "operator", "an operator's secret")
    assert refused.value.slug == "not-a-teacher"


def test_a_teacher_is_linked_once_per_county_and_the_refused_link_changes_nothing() -> None:
    world = World()
    teacher(world)
    confirm(world, arrive(world), "teacher00001", "pw-teacher00001-secret")
    second = arrive(world, CountyIdentity("TPE", "B223456789"))
    with pytest.raises(Conflict) as refused:
        confirm(world, second, "teacher00001", "pw-teacher00001-secret")
    assert refused.value.slug == "already-linked"
    # rolled back: the arrival still waits, no second link, no second event
    assert world.uow.county_links.arrivals[second.arrival_id]["status"] == "pending"
    assert len(world.uow.county_links.links) == 1
    assert len(world.uow.recorded(COUNTY_PROFILE_RECEIVED)) == 1


def test_a_linked_identity_of_a_disabled_account_signs_nobody_in() -> None:
    world = World()
    account = teacher(world)
    confirm(world, arrive(world), "teacher00001", "pw-teacher00001-secret")
    world.uow.add_account("teacher00001", status="disabled", account_id=account.account_id,
                          county_code="TPE")
    with pytest.raises(Forbidden) as refused:
        arrive(world)
    assert refused.value.slug == "account-unavailable"


def test_a_reviewer_proposes_and_only_the_teachers_password_links() -> None:
    world = World()
    account = teacher(world)
    outcome = arrive(world)
    proposed = county_links.propose_link(world.uow, world.clock, reviewer(), outcome.arrival_id,
                                         account.account_id)
    assert proposed["status"] == "proposed"
    assert world.uow.county_links.links == {}  # a proposal alone links nothing
    with pytest.raises(NotFound):  # matched once: no longer a pending sign-in
        county_links.propose_link(world.uow, world.clock, reviewer(), outcome.arrival_id,
                                  account.account_id)
    me = Principal(account.account_id, frozenset({"teacher"}))
    assert [p["arrival_id"] for p in county_links.proposals_for(
        world.uow, world.clock, account.account_id)] == [outcome.arrival_id]
    with pytest.raises(Forbidden) as wrong:
        county_links.confirm_proposal(world.uow, world.checking, me, outcome.arrival_id,
                                      "not it", WHO)
    assert wrong.value.slug == "wrong-password"
    assert world.uow.county_links.links == {}
    done = county_links.confirm_proposal(world.uow, world.checking, me, outcome.arrival_id,
                                         "pw-teacher00001-secret", WHO)
    assert done["status"] == "linked"
    [link] = world.uow.county_links.links.values()
    assert (link.linked_by, link.proposed_by) == ("self-confirmed-signed-in", "reviewer:reviewer-1")


def test_someone_elses_proposal_is_not_found_for_a_teacher() -> None:
    world = World()
    account = teacher(world)
    other = teacher(world, "teacher00002")
    outcome = arrive(world)
    county_links.propose_link(world.uow, world.clock, reviewer(), outcome.arrival_id,
                              account.account_id)
    with pytest.raises(NotFound):
        county_links.confirm_proposal(world.uow, world.checking,
                                      Principal(other.account_id, frozenset({"teacher"})),
                                      outcome.arrival_id, "pw-teacher00002-secret", WHO)


def test_a_reviewer_matches_in_their_own_county_only() -> None:
    world = World()
    account = teacher(world)
    outsider = teacher(world, "teacher00003", county="KHH")
    outcome = arrive(world)
    with pytest.raises(Forbidden):  # another county's arrival
        county_links.propose_link(world.uow, world.clock, reviewer("KHH"), outcome.arrival_id,
                                  account.account_id)
    with pytest.raises(Forbidden):  # a teacher of another county
        county_links.propose_link(world.uow, world.clock, reviewer(), outcome.arrival_id,
                                  outsider.account_id)
    with pytest.raises(Invalid) as not_a_teacher:
        county_links.propose_link(world.uow, world.clock, reviewer(), outcome.arrival_id,
                                  "no-such-account")
    assert not_a_teacher.value.slug == "not-a-teacher"
    with pytest.raises(Forbidden):
        county_links.link_requests(world.uow, world.clock, reviewer("KHH"), "TPE")
    assert county_links.link_requests(world.uow, world.clock, reviewer("KHH"), None) == []
    assert [r["arrival_id"] for r in county_links.link_requests(
        world.uow, world.clock, reviewer(), None)] == [outcome.arrival_id]
    with pytest.raises(Forbidden):
        county_links.reject_link(world.uow, reviewer("KHH"), outcome.arrival_id)
    county_links.reject_link(world.uow, reviewer(), outcome.arrival_id)
    assert world.uow.county_links.arrivals[outcome.arrival_id]["status"] == "rejected"


def test_undoing_a_link_needs_a_reason_and_ends_the_teachers_sign_ins() -> None:
    world = World()
    account = teacher(world)
    confirm(world, arrive(world), "teacher00001", "pw-teacher00001-secret")
    [link_id] = world.uow.county_links.links
    me = Principal(account.account_id, frozenset({"teacher"}))
    with pytest.raises(Invalid) as no_reason:
        county_unlinks.unlink(world.uow, world.clock, world.sign_out, me, link_id, "  no ")
    assert no_reason.value.slug == "reason-required"
    with pytest.raises(NotFound):  # a reviewer of another county sees no such link
        county_unlinks.unlink(world.uow, world.clock, world.sign_out, reviewer("KHH"), link_id,
                              "wrong match")
    assert county_unlinks.links_of(world.uow, reviewer("KHH"), account.account_id) == []
    undone = county_unlinks.unlink(world.uow, world.clock, world.sign_out, me, link_id,
                                   "not my county account")
    assert undone["account_id"] == account.account_id
    assert world.uow.county_links.links == {}
    [kept] = world.uow.county_links.unlinked
    assert (kept["by"], kept["reason"]) == (f"teacher:{account.account_id}", "not my county account")
    assert world.uow.ended_sign_ins == [(account.account_id, "county-unlinked", None)]
