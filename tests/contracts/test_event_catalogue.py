"""Event types are named once (issue 9, point 4): each is a constant of its producer's
module in ``contracts/events``, producers record and subscriptions bind by it, and a
service that subscribes to a type the catalogue does not have does not start.

The tables below are the wire names written out by hand: what each service is expected
to subscribe to and to produce, checked against what the services themselves declare."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import contracts.events
from contracts.events import CATALOGUE, PRODUCERS
from contracts.events.accounts import AccountV1
from launcher.registry import DEFINITIONS
from servicekit.bus import access
from servicekit.events import Catalogue, Envelope, ForgedEvent, InvalidEvent, check_producer
from servicekit.service import Runtime
from servicekit.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

SUBSCRIBED = {
    "accounts": {"sso.account.signed_in.v1", "sso.county_profile.received.v1"},
    "sso": {"accounts.account.created.v1", "accounts.account.updated.v1",
            "accounts.role.granted.v1", "accounts.role.revoked.v1"},
    "courses": {"accounts.unit.registered.v1", "accounts.unit.updated.v1",
                "accounts.unit.jurisdiction_changed.v1", "accounts.review_routing.changed.v1",
                "accounts.account.created.v1", "accounts.account.updated.v1",
                "transfer.record.added.v1", "transfer.record.changed.v1",
                "transfer.record.withdrawn.v1"},
    # The units' names and counties, for the county export (R-TRF-9).
    "transfer": {"accounts.unit.registered.v1", "accounts.unit.updated.v1"},
    # Every type a figure counts (services/stats/README.md).
    "stats": {"accounts.authority.registered.v1", "accounts.unit.registered.v1",
              "accounts.unit.updated.v1", "accounts.unit.jurisdiction_changed.v1",
              "accounts.account.created.v1", "courses.course.registered.v1",
              "courses.course.registered.v2",  # course hours per county and unit (R-STA-2)
              "courses.course.submitted.v1",
              "courses.course.submitted.v2",  # titles only a meeting's name (R-CRS-10)
              "courses.course.reviewed.v1",
              "courses.enrolment.recorded.v1", "courses.attendance.submitted.v1",
              "courses.attendance.reviewed.v1", "courses.hours.issued.v1",
              "transfer.record.added.v1", "transfer.record.changed.v1",
              "transfer.record.withdrawn.v1", "sso.account.signed_in.v1",
              "courses.unit_light.changed.v1"},
}
PRODUCED = {
    "accounts": {"accounts.authority.registered.v1", "accounts.unit.registered.v1",
                 "accounts.unit.updated.v1", "accounts.unit.jurisdiction_changed.v1",
                 "accounts.review_routing.changed.v1", "accounts.account.created.v1",
                 "accounts.account.updated.v1", "accounts.teacher.school_changed.v1",
                 "accounts.role.granted.v1", "accounts.role.revoked.v1"},
    "sso": {"sso.account.signed_in.v1", "sso.county_profile.received.v1",
            "sso.maintenance_notice.announced.v1"},
    "courses": {"courses.course.registered.v1", "courses.course.submitted.v1",
                "courses.course.registered.v2",  # beside v1 until every consumer moved
                "courses.course.submitted.v2",  # likewise
                "courses.course.reviewed.v1", "courses.course.published.v1",
                "courses.tag.changed.v1",
                "courses.enrolment.recorded.v1", "courses.enrolment.cancelled.v1",
                "courses.enrolment.promoted.v1", "courses.enrolment.decided.v1",
                "courses.enrolment.drawn.v1", "courses.lottery.opened.v1",
                "courses.lottery.drawn.v1",
                "courses.attendance.submitted.v1", "courses.attendance.reviewed.v1",
                "courses.hours.issued.v1", "courses.hours.withdrawn.v1",
                "courses.amendment.requested.v1",
                "courses.amendment.decided.v1", "courses.unit_light.changed.v1",
                # digital-material and distance course review (R-CRS-14)
                "courses.material.decided.v1"},
    "transfer": {"transfer.record.added.v1", "transfer.record.changed.v1",
                 "transfer.record.withdrawn.v1"},
    "stats": set(),
}
MADE_UP = "accounts.unit.renamed.v1"


def test_every_subscribed_and_every_produced_type_is_in_the_catalogue(tmp_path: Path) -> None:
    assert {definition.name for definition in DEFINITIONS} == set(SUBSCRIBED)
    known = set(CATALOGUE.types())
    for definition in DEFINITIONS:
        name = definition.name
        runtime = Runtime(definition, Settings.from_env(name, {"DATA_DIR": str(tmp_path)}))
        subscribed = {event_type for subscription in runtime.subscriptions()
                      for event_type in (*subscription.handlers, *subscription.queue.binding_keys)}
        assert subscribed == SUBSCRIBED[name], name
        assert subscribed <= known, f"{name} subscribes to {subscribed - known}"

        produced = set(definition.catalogue.produced_by(name))
        assert produced == PRODUCED[name], name
        assert produced <= known, f"{name} produces {produced - known}"
        # What its outbox takes: its own types (here refused only for the empty data),
        # never another producer's, which consumers and the broker would refuse as forged.
        for event_type in sorted(known):
            with pytest.raises(InvalidEvent) as refused:
                runtime.outbox.envelope(event_type, {})
            if event_type in produced:
                assert str(refused.value).startswith(f"{event_type}: {{"), str(refused.value)
            else:
                assert str(refused.value) == (f"{name} may not record {event_type}: it is "
                                              f"produced by {event_type.split('.')[0]!r}")
        with pytest.raises(InvalidEvent, match=f"^unknown event type '{MADE_UP}'$"):
            runtime.outbox.envelope(MADE_UP, {})


def test_each_type_is_a_constant_of_its_producers_module_and_nowhere_else() -> None:
    """``<producer>.<aggregate>.<what>.v1`` is ``<AGGREGATE>_<WHAT>`` in
    contracts/events/<producer>.py (``_V<N>`` from the second version), with its schema."""
    modules = {info.name for info in pkgutil.iter_modules(contracts.events.__path__)}
    assert modules - {"common"} == {"accounts", "courses", "sso", "transfer"} == \
        set(CATALOGUE.producers())
    for producer in ("accounts", "courses", "sso", "transfer"):
        module = importlib.import_module(f"contracts.events.{producer}")
        assert PRODUCERS[producer] is module.SCHEMAS
        constants = {name: value for name, value in vars(module).items()
                     if name.isupper() and isinstance(value, str)}
        assert set(constants.values()) == set(module.SCHEMAS) == PRODUCED[producer]
        for name, event_type in constants.items():
            _, aggregate, happened, version = event_type.split(".")
            expected = f"{aggregate}_{happened}".upper() + ("" if version == "v1" else f"_{version}".upper())
            assert name == expected, f"{event_type} is named {name}, not {expected}"


def test_the_envelope_check_and_the_broker_agree_with_the_modules() -> None:
    """A type of contracts/events/<producer>.py passes ``check_producer`` with that source
    only, and only that service's broker user may publish it."""
    services = set(SUBSCRIBED)
    for producer in ("accounts", "sso"):
        for event_type in importlib.import_module(f"contracts.events.{producer}").SCHEMAS:
            check_producer(Envelope(type=event_type, source=producer, correlation_id="c", data={}))
            assert re.search(access.grant(producer).topics[0].write, event_type), event_type
            publishers = access.Publishers(prefix="p-", own_user="p-stats")
            publishers.check(event_type, f"p-{producer}", {})
            for other in sorted(services - {producer}):
                with pytest.raises(ForgedEvent):
                    check_producer(Envelope(type=event_type, source=other, correlation_id="c",
                                            data={}))
                assert not re.search(access.grant(other).topics[0].write, event_type)
                with pytest.raises(ForgedEvent):
                    publishers.check(event_type, f"p-{other}", {})


def test_a_type_in_another_producers_module_is_refused() -> None:
    with pytest.raises(ValueError) as misplaced:
        Catalogue({"accounts": {}, "sso": {"accounts.account.created.v1": AccountV1}})
    assert str(misplaced.value) == (
        "event type 'accounts.account.created.v1' is declared among the events of 'sso', but "
        "its first word names its producer: it belongs in contracts/events/accounts.py")


STARTER = textwrap.dedent("""
    import dataclasses, sys
    from servicekit.bus.consumer import Subscription
    from servicekit.cli import main
    from services.courses.bootstrap import DEFINITION, subscriptions

    def with_a_made_up_type(runtime):
        [events] = subscriptions(runtime)
        handlers = {**events.handlers, %r: lambda *_: None}
        return [Subscription(runtime.queue("events", *handlers), handlers)]

    sys.exit(main(dataclasses.replace(DEFINITION, subscriptions=with_a_made_up_type),
                  sys.argv[1:]))
""") % MADE_UP


@pytest.mark.integration  # a service command, as a process
@pytest.mark.parametrize("command", ["consumer", "migrate"])
def test_a_subscription_to_a_made_up_type_does_not_start(command: str, tmp_path: Path) -> None:
    """The consumer process, and ``migrate`` (which ``make up`` and every deployment run
    first), stop at once with the type and the service named."""
    ended = subprocess.run([sys.executable, "-c", STARTER, command], cwd=ROOT, timeout=30,
                           capture_output=True, text=True, check=False,
                           env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path)})
    assert ended.returncode == 1, ended.stderr
    assert ended.stderr.strip().splitlines()[-1] == (
        f"servicekit.events.UnknownEventType: service 'courses' subscribes to '{MADE_UP}', "
        f"which is not in the event catalogue (contracts/events): bind by the type's constant "
        f"there")


EVENT_TYPE_IN_TEXT = re.compile(r"\b[a-z]+\.[a-z][a-z_-]*\.[a-z][a-z_-]*\.v[1-9][0-9]*\b")
PRODUCTION = ("services", "servicekit", "launcher", "bench", "gateway", "contracts")


def literal_event_types(path: Path) -> list[str]:
    """Event types written in a module's strings, its docstrings aside (they give examples)."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [f"{path.relative_to(ROOT)}:{node.lineno}: {found}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings
            for found in EVENT_TYPE_IN_TEXT.findall(node.value)]


def test_production_code_names_event_types_only_in_contracts() -> None:
    declaring = {ROOT / "contracts" / "events" / f"{producer}.py" for producer in PRODUCED}
    found = [line for package in PRODUCTION for path in sorted((ROOT / package).rglob("*.py"))
             if path not in declaring for line in literal_event_types(path)]
    assert found == []
    # The check itself sees a type written in a string:
    assert literal_event_types(ROOT / "contracts" / "events" / "sso.py") == [
        "contracts/events/sso.py:37: sso.account.signed_in.v1",
        "contracts/events/sso.py:38: sso.county_profile.received.v1",
        "contracts/events/sso.py:39: sso.maintenance_notice.announced.v1"]
