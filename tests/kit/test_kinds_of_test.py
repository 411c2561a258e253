"""Every test is unit, integration or e2e, and a unit test that reaches out of its process
fails saying what it did (issue 9, point 6; docs/testing.md). Suites of a few tests are run
here with the plugin (``servicekit.testing.kinds``), as the platform's own suite runs."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy.engine import Engine

from servicekit.testing.no_io import IOInUnitTest, no_io

INI = """
[pytest]
addopts = -p no:cacheprovider --strict-markers
markers =
    unit: no I/O
    integration: a database, a bus, a server
    e2e: the platform
integration_fixtures =
    made_database
e2e_fixtures =
    whole_platform
"""
CONFTEST = '''
import pytest
pytest_plugins = ["servicekit.testing.kinds"]

@pytest.fixture
def made_database():
    return "sqlite://"

@pytest.fixture
def accounts(made_database):  # classed through the fixture it uses
    return made_database

@pytest.fixture
def whole_platform():
    return "http://platform"
'''
IO = '''
import socket, subprocess, threading
import pytest
import sqlalchemy


def bind():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))


def test_a_socket():
    bind()


def test_a_socket_whose_refusal_is_swallowed():
    try:
        bind()
    except Exception:
        pass


def test_a_sqlite_database():
    sqlalchemy.create_engine("sqlite://").connect().close()


def test_a_process():
    subprocess.run(["true"], check=True)


def test_a_thread_it_started():
    failed = []
    def run():
        try:
            bind()
        except Exception as error:
            failed.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failed


@pytest.mark.integration
def test_marked_integration_may():
    bind()
    sqlalchemy.create_engine("sqlite://").connect().close()
    subprocess.run(["true"], check=True)
'''


# A suite run here does I/O on purpose, in this process (pytester runs it inline).
SUITE = pytest.mark.integration


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    return pytester


@SUITE
def test_a_unit_test_that_reaches_out_fails_saying_what_it_did(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_io=IO)
    result = suite.runpytest("-q")
    result.assert_outcomes(passed=1, failed=5)
    for said in ["*IOInUnitTest: a unit test opened a network socket: bind(('127.0.0.1', 0))*",
                 "*IOInUnitTest: a unit test opened a database connection: sqlite://*",
                 "*IOInUnitTest: a unit test started a process: *'true'*",  # (fnmatch: no brackets)
                 # caught by the code under test: said when the test ends
                 "test_io.py::test_a_socket_whose_refusal_is_swallowed is a unit test and did I/O:",
                 # failed for another reason, after doing I/O
                 "*and before it, this unit test did I/O:"]:
        result.stdout.fnmatch_lines([said])
    result.stdout.fnmatch_lines(["*a unit test does no I/O (docs/testing.md)*",
                                 "*5 unit (no I/O), 1 integration, 0 e2e*"])


@SUITE
def test_the_kind_comes_from_the_marker_the_folder_the_fixtures_or_a_service_folder(
        suite: pytest.Pytester) -> None:
    suite.makepyfile(**{
        "tests/kit/test_plain": "def test_plain(tmp_path): pass\n"
                                "def test_fixture(accounts): pass\n"
                                "def test_platform(whole_platform, accounts): pass\n",
        "tests/kit/test_marked": "import pytest\npytestmark = pytest.mark.e2e\n"
                                 "def test_module(accounts): pass\n",
        "tests/kit/test_marked_here": "import pytest\n@pytest.mark.unit\n"
                                      "def test_marker(accounts): pass\n",
        "tests/accounts/test_service": "def test_data_folder(tmp_path): pass\n"
                                       "def test_none(): pass\n",
        "tests/accounts/unit/test_fast": "def test_fake(accounts, tmp_path): pass\n",
        "tests/accounts/e2e/test_whole": "def test_whole(): pass\n",
        "tests/test_servers": "import pytest\n@pytest.mark.postgres\ndef test_pg(): pass\n"
                              "def test_made(make_database): pass\n",
    })
    suite.makeconftest(CONFTEST + "\n@pytest.fixture\ndef make_database(): pass\n")
    given: dict[str, str] = {}
    for kind in ("unit", "integration", "e2e"):
        result = suite.runpytest("--collect-only", "-q", "-m", kind)
        for line in result.outlines:
            if "::" in line:
                given[line.split("::", 1)[1]] = kind
    assert given == {
        "test_plain": "unit", "test_fixture": "integration", "test_platform": "e2e",
        "test_marker": "unit", "test_module": "e2e",
        "test_data_folder": "integration", "test_none": "unit",
        "test_fake": "unit", "test_whole": "e2e", "test_pg": "integration",
        "test_made": "integration",
    }


@SUITE
def test_the_slow_kinds_run_first_and_each_kind_is_counted(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_order="import pytest\n"
                                "def test_first_written(): pass\n"
                                "def test_second_written(accounts): pass\n"
                                "@pytest.mark.e2e\ndef test_third_written(): pass\n")
    result = suite.runpytest("-v")
    result.stdout.fnmatch_lines(["*::test_third_written PASSED*",
                                 "*::test_second_written PASSED*",
                                 "*::test_first_written PASSED*",
                                 "*1 unit (no I/O), 1 integration, 1 e2e*"])
    # and without running them (make test-counts)
    suite.runpytest("--collect-only", "-q").stdout.fnmatch_lines(
        ["1 unit (no I/O), 1 integration, 1 e2e"])


@SUITE
def test_threads_running_before_the_test_are_not_its_doing(suite: pytest.Pytester) -> None:
    """A server another test left serving answers while a unit test runs."""
    suite.makepyfile(test_threads='''
import socket, threading
import pytest

go, done = threading.Event(), []

def serve():
    go.wait(10)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
    done.append(True)

@pytest.mark.integration
def test_starts_a_server():
    threading.Thread(target=serve, daemon=True).start()

def test_unit_while_it_serves():
    go.set()
    for _ in range(100):
        if done:
            break
        threading.Event().wait(0.05)
    assert done
''')
    suite.runpytest("-q").assert_outcomes(passed=2)


# -- the guard itself, in a unit test (inside the guard that holds every unit test) ---------------
def test_the_guard_puts_back_what_it_wrapped() -> None:
    connect, engine_connect = socket.socket.connect, Engine.connect
    with no_io() as guard:
        assert socket.socket.connect is not connect
        with pytest.raises(IOInUnitTest, match="opened a network socket: connect"), \
                socket.socket() as sock:
            sock.connect(("127.0.0.1", 9))
    assert guard.violations == ["opened a network socket: connect(('127.0.0.1', 9))"]
    assert socket.socket.connect is connect and Engine.connect is engine_connect

