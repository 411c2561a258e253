"""pytest plugin: every test is of one kind, ``unit``, ``integration`` or ``e2e``, and a unit
test is held to doing no I/O while it runs (``servicekit.testing.no_io``).

- ``unit``: no socket, no database (not even SQLite), no process; files under ``tmp_path``.
- ``integration``: a real database and/or bus (SQLite, PostgreSQL, the in-process bus,
  RabbitMQ), a server on loopback, or one process of the test's own (a command, a tool).
- ``e2e``: the platform as it runs: several of its processes, or the embedded platform
  behind its gateway, driven from outside over HTTP or the bus.

A test's kind is, first found: its marker (on the function, its class or its module: one
kind for a test, else the run stops and says so); a ``unit/``,
``integration/`` or ``e2e/`` folder on its path (so ``tests/<service>/unit/`` needs no
marker); the fixtures it uses, also through other fixtures, as named in the ini options
``e2e_fixtures`` and ``integration_fixtures`` (the servers of ``servicekit.testing.servers``
are known here); in a service's folder (``tests/accounts/…``), a ``tmp_path``, which such a
test gives the service as its data folder; else ``unit``. The tests run the slow kinds
first, so that two workers (pytest-xdist) finish together rather than one waiting on a
long test drawn last; the summary counts each kind.

Load with ``pytest_plugins = ["servicekit.testing.kinds"]``; register the three markers.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

from servicekit.settings import SERVICES
from servicekit.testing.no_io import IOInUnitTest, NoIO

KINDS = ("unit", "integration", "e2e")
# What servicekit.testing.servers gives: PostgreSQL and RabbitMQ.
SERVER_FIXTURES = ("postgres_admin", "make_database", "rabbitmq_vhost", "broker_users",
                   "rabbitmq_node")
UNIT_ADVICE = ("; a unit test does no I/O (docs/testing.md): use a fake "
               "(servicekit.testing.fakes), or mark the test integration or e2e")
KIND = pytest.StashKey[str]()
# Order of running: the slowest kinds first (see the module's docstring).
_RUN_ORDER = {"e2e": 0, "integration": 1, "unit": 2}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("e2e_fixtures", "fixtures that make a test that uses them e2e",
                  type="linelist", default=[])
    parser.addini("integration_fixtures", "fixtures that make a test that uses them "
                  "integration (besides servicekit.testing.servers')", type="linelist",
                  default=[])


def kind_of(item: pytest.Item) -> str:
    for mark in item.iter_markers():
        if mark.name in KINDS:
            return mark.name  # the only one (pytest_collection_modifyitems)
    try:
        folders = item.path.relative_to(item.config.rootpath).parts[:-1]
    except ValueError:  # a test outside the root: no folder says anything
        folders = ()
    for folder in reversed(folders):
        if folder in KINDS:
            return folder
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures.intersection(item.config.getini("e2e_fixtures")):
        return "e2e"
    integration = {*SERVER_FIXTURES, *item.config.getini("integration_fixtures")}
    if fixtures & integration or any(item.iter_markers("postgres")) \
            or any(item.iter_markers("rabbitmq")):
        return "integration"
    if len(folders) > 1 and folders[1] in SERVICES and "tmp_path" in fixtures:
        return "integration"  # a service's data folder: its SQLite file, its command line
    return "unit"


@pytest.hookimpl(tryfirst=True)  # before -m chooses by them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marked = {mark.name for mark in item.iter_markers() if mark.name in KINDS}
        if len(marked) > 1:
            raise pytest.UsageError(f"{item.nodeid} is marked {' and '.join(sorted(marked))}:"
                                    " a test is of one kind (mark the tests, not the module)")
        kind = kind_of(item)
        if not any(item.iter_markers(kind)):
            item.add_marker(kind)
        item.stash[KIND] = kind
        item.user_properties.append(("kind", kind))  # travels with its reports (xdist)
    items.sort(key=lambda item: _RUN_ORDER[item.stash[KIND]])  # stable: in order within a kind


@contextmanager
def _held_to_no_io(item: pytest.Item) -> Iterator[None]:
    if item.stash.get(KIND, None) != "unit":
        yield
        return
    with NoIO(UNIT_ADVICE) as guard:
        try:
            yield
        except Exception as error:  # a refusal says so itself; another failure, after it
            if guard.violations and not isinstance(error, IOInUnitTest):
                error.add_note("and before it, this unit test did I/O:\n  "
                               + "\n  ".join(dict.fromkeys(guard.violations)))
            raise
    if guard.violations:
        # Raised in the test already; said again here, in case the code under test caught it.
        pytest.fail(f"{item.nodeid} is a unit test and did I/O:\n  "
                    + "\n  ".join(dict.fromkeys(guard.violations)) + f"\n{UNIT_ADVICE[2:]}",
                    pytrace=False)


# Setup and the call are held; teardown is not, since a module's or the session's fixtures
# that other tests used may end in a unit test's teardown.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _held_to_no_io(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _held_to_no_io(item):
        return (yield)


def pytest_collection_finish(session: pytest.Session) -> None:
    """With ``--collect-only``, the count of each kind among the tests chosen."""
    if session.config.option.collectonly:
        counted = Counter(item.stash.get(KIND, "unit") for item in session.items)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(_counts(counted))


def _counts(counted: Mapping[str, int]) -> str:
    return (f"{counted.get('unit', 0)} unit (no I/O), {counted.get('integration', 0)} "
            f"integration, {counted.get('e2e', 0)} e2e")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many tests of each kind ran (passed, failed or skipped): the unit count is the
    count of tests that ran with no I/O."""
    ran: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport) and (report.when == "call" or report.skipped):
                for name, value in report.user_properties:
                    if name == "kind" and value in ran:
                        ran[value].add(report.nodeid)
    if any(ran.values()):
        terminalreporter.write_sep("-", _counts({kind: len(ran[kind]) for kind in KINDS}))
