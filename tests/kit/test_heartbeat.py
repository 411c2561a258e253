"""Liveness of the relay and consumer loops (issue 15, point 3; R-OPS-3): each turn of a
loop beats (servicekit/heartbeat.py), and ``python -m servicekit.liveness FILE --max-age N``
fails once the loop that turned least recently is older than N seconds.

A stuck loop is one that stops turning: a call that never returns, a thread that died.
Idle turns and retries while a server is down count as turns (the module says why)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from servicekit import heartbeat
from servicekit.bus.consumer import Consumer, Subscription
from servicekit.bus.relay import Relay
from servicekit.bus.topology import QueueSpec

ROOT = Path(__file__).resolve().parents[2]


def liveness(path: Path, max_age: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "servicekit.liveness", str(path),
                           "--max-age", str(max_age)], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=30)


@pytest.mark.integration  # the liveness probe as a process
def test_liveness_passes_a_fresh_file_and_fails_an_old_or_missing_one(tmp_path) -> None:
    beat = tmp_path / "heartbeat"
    beat.touch()
    assert liveness(beat, 60).returncode == 0
    an_hour_ago = time.time() - 3600
    os.utime(beat, (an_hour_ago, an_hour_ago))
    old = liveness(beat, 60)
    assert old.returncode == 1
    assert old.stderr.strip() == "not alive: last turn 3600s ago (more than 60s)"
    missing = liveness(tmp_path / "nothing", 60)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"not alive: no heartbeat file {tmp_path / 'nothing'}"


def test_the_file_carries_the_last_turn_of_the_loop_that_turned_least_recently(tmp_path) -> None:
    path = tmp_path / "heartbeat"
    beats = heartbeat.Heartbeat(path, write_every=0)
    assert path.exists(), "starting counts as alive"
    beats.beat("courses.events")
    first = time.time()
    time.sleep(0.05)
    for _ in range(3):  # one consumer thread keeps turning, the other is stuck
        beats.beat("courses.replicas")
        replicas_last = time.time()
        time.sleep(0.05)
    assert abs(path.stat().st_mtime - first) < 0.04
    beats.beat("courses.events")  # unstuck: now the replicas' last turn is the oldest
    assert abs(path.stat().st_mtime - replicas_last) < 0.04


def test_without_a_file_beats_stay_in_memory(tmp_path) -> None:
    beats = heartbeat.Heartbeat(None)
    beats.beat("relay")  # writes nothing, fails nothing
    assert list(tmp_path.iterdir()) == []


class _Stuck:
    """A reader, or a publisher's database, whose call never returns."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def hang(self, *_args, **_kwargs):
        self.entered.set()
        self.release.wait(30)
        raise RuntimeError("released")


class _IdleReader:
    def next_batch(self, size: int, wait: float) -> list:
        time.sleep(wait)
        return []

    def close(self) -> None:
        pass


def run_in_thread(target, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    return thread


@pytest.mark.integration  # the liveness probe as a process
def test_an_idle_consumer_beats_and_a_stuck_one_does_not(tmp_path, monkeypatch) -> None:
    path = tmp_path / "heartbeat"
    monkeypatch.setattr(heartbeat, "_process", heartbeat.Heartbeat(path, write_every=0))
    queue = QueueSpec("courses", "events", binding_keys=(), delivery_limit=3)
    consumer = Consumer(database=None, subscription=Subscription(queue, {}),
                        catalogue=None, delivery_limit=3)
    stop = threading.Event()
    idle = run_in_thread(lambda s: consumer.run(_IdleReader, s, max_wait=0.05), stop)
    try:
        time.sleep(0.3)
        assert time.time() - path.stat().st_mtime < 0.2, "idle is a turn"
    finally:
        stop.set()
        idle.join(5)

    stuck = _Stuck()
    reader = _IdleReader()
    reader.next_batch = stuck.hang
    stop = threading.Event()
    thread = run_in_thread(lambda s: consumer.run(lambda: reader, s), stop)
    try:
        assert stuck.entered.wait(5)
        time.sleep(1.2)
        assert liveness(path, 1).returncode == 1, "a consumer stuck in a call must fail the probe"
    finally:
        stop.set()
        stuck.release.set()
        thread.join(5)


@pytest.mark.integration  # the liveness probe as a process
def test_a_relay_retrying_a_broker_that_is_down_keeps_beating(tmp_path, monkeypatch) -> None:
    path = tmp_path / "heartbeat"
    monkeypatch.setattr(heartbeat, "_process", heartbeat.Heartbeat(path, write_every=0))
    relay = Relay("courses", database=None, open_publisher=None)
    attempts = []

    def broker_down() -> int:
        attempts.append(time.time())
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(relay, "backlog", lambda: 0)
    monkeypatch.setattr(relay, "_overlaps", lambda: False)  # the one-batch-at-a-time path
    monkeypatch.setattr(relay, "relay_once", broker_down)
    stop = threading.Event()
    thread = run_in_thread(relay.run, stop)
    try:
        deadline = time.monotonic() + 10
        while len(attempts) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(attempts) >= 3
        # Each retry is a turn: a restart would not bring the broker back.
        assert path.stat().st_mtime >= attempts[-1] - 0.01
        assert liveness(path, 5).returncode == 0
    finally:
        stop.set()
        thread.join(15)


@pytest.mark.integration  # the liveness probe as a process
def test_a_relay_process_beats_and_fails_the_probe_once_it_stops_turning(tmp_path) -> None:
    path = tmp_path / "heartbeat"
    env = dict(os.environ, DATA_DIR=str(tmp_path), STATS_HEARTBEAT_FILE=str(path),
               LOG_LEVEL="WARNING")
    subprocess.run([sys.executable, "-m", "services.stats", "migrate"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    relay = subprocess.Popen([sys.executable, "-m", "services.stats", "relay"], cwd=ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)
        assert liveness(path, 2).returncode == 0, "an idle relay is alive"
        relay.send_signal(signal.SIGSTOP)  # stands for a call that never returns
        time.sleep(3)
        assert liveness(path, 2).returncode == 1
        relay.send_signal(signal.SIGCONT)
        time.sleep(2)
        assert liveness(path, 2).returncode == 0
    finally:
        relay.send_signal(signal.SIGCONT)
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(30) == 0
