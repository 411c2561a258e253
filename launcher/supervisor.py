"""Child processes that come back: ``make up`` on real servers runs each service's web,
relay and consumer, and the gateway, as children of the launcher (R-OPS-3).

Each child starts in a session (and process group) of its own, so that

- a child and everything it forked (gunicorn's workers) are signalled together: a
  gunicorn master killed with SIGKILL leaves workers behind still holding its port,
  and only their group still names them;
- Ctrl-C in the terminal reaches the launcher alone, which stops the children in order
  (SIGTERM to each group, SIGKILL to what is left after the grace period).

A child also dies with the launcher (``PR_SET_PDEATHSIG``, Linux): a launcher killed
with SIGKILL leaves no platform running behind it.

A child given a heartbeat file (relays and consumers: ``HEARTBEAT_FILE``,
servicekit/heartbeat.py) that has not touched it for ``stuck_after`` seconds is stuck:
its group is killed, and it is restarted like a child that ended. This is what the
liveness probes do in compose and on Kubernetes.

A child that ends on its own is restarted after a delay that doubles from
``first_delay`` up to ``max_delay``, and falls back to ``first_delay`` once the child
has run ``healthy_after`` seconds: a crash loop does not spin, a rare crash costs a
second. Each end is logged with the child's name, its exit code or signal, and the
delay before the restart.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from servicekit.orphans import die_with_parent
from servicekit.proc import running_processes

log = logging.getLogger("launcher")


def describe_exit(returncode: int) -> str:
    """``exit code 3`` or ``signal SIGKILL`` (Popen's negative return codes)."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    healthy_after: float = 60.0
    stuck_after: float = 120.0  # as the probes of deploy/ (docs/operations.md)

    def next_delay(self, previous: float | None, ran_for: float) -> float:
        if previous is None or ran_for >= self.healthy_after:
            return self.first_delay
        return min(previous * 2, self.max_delay)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    cwd: Path
    heartbeat: Path | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float | None = None        # the last restart delay, None until a first end
    restart_at: float | None = None   # set while the child is down, waiting to restart
    restarts: int = 0

    def spawn(self) -> None:
        self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=dict(self.env),
                                        start_new_session=True,
                                        # The supervisor runs on one thread: no lock can be held across the fork.
                                        preexec_fn=die_with_parent)  # noqa: PLW1509
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def signal_group(self, signum: int) -> None:
        """The child's group: the child and whatever it forked, even after the child
        itself is gone (its pid stays the group's id while a member lives)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class Supervisor:
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    children: dict[str, Child] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic

    def start(self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path,
              heartbeat: Path | None = None) -> Child:
        child = Child(name, argv, env, cwd, heartbeat)
        child.spawn()
        self.children[name] = child
        return child

    def ended(self) -> dict[str, str]:
        """The children that are not running now, with why (while starting, an end is a
        fault to report rather than to hide behind restarts)."""
        return {name: describe_exit(child.process.returncode)
                for name, child in self.children.items()
                if child.process is not None and child.process.poll() is not None}

    def supervise(self) -> None:
        """One pass: notice children that ended, restart those whose delay is over."""
        now = self.clock()
        for child in self.children.values():
            if child.restart_at is None and child.process is not None \
                    and child.process.poll() is not None:
                self._schedule_restart(child, now)
            elif child.restart_at is None and self._stuck(child, now):
                child.signal_group(signal.SIGKILL)  # the next pass sees it ended
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                child.spawn()
                log.warning("process restarted", extra={
                    "child": child.name, "pid": child.pid, "restarts": child.restarts})

    def _stuck(self, child: Child, now: float) -> bool:
        if child.heartbeat is None or now - child.started_at < self.policy.stuck_after:
            return False  # a file from before this start says nothing of this one
        try:
            silent = time.time() - child.heartbeat.stat().st_mtime
        except FileNotFoundError:
            silent = now - child.started_at
        if silent <= self.policy.stuck_after:
            return False
        log.error("process %s stuck (no turn of its loop for %.0fs); killing it",
                  child.name, silent,
                  extra={"child": child.name, "pid": child.pid, "silent_s": round(silent)})
        return True

    def _schedule_restart(self, child: Child, now: float) -> None:
        assert child.process is not None
        # What it forked may outlive it (gunicorn workers of a killed master): the
        # restarted child needs their port.
        child.signal_group(signal.SIGKILL)
        ran_for = now - child.started_at
        child.delay = self.policy.next_delay(child.delay, ran_for)
        child.restart_at = now + child.delay
        log.error("process %s ended (%s); restarting in %gs", child.name,
                  describe_exit(child.process.returncode), child.delay, extra={
                      "child": child.name, "pid": child.process.pid,
                      "returncode": child.process.returncode,
                      "reason": describe_exit(child.process.returncode),
                      "ran_for_s": round(ran_for, 1), "restart_in_s": child.delay})

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to every child's group, SIGKILL to every group after ``grace``
        seconds (or at once where the child has ended), then reap."""
        for child in self.children.values():
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children.values():
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process did not stop in time: killed",
                            extra={"child": child.name, "pid": child.pid})
        for child in self.children.values():
            # Also the group of a child that stopped: a grandchild may not have.
            child.signal_group(signal.SIGKILL)
            if child.process is not None:
                child.process.wait()
        # SIGKILL is delivered, not awaited: a grandchild may still be dying (and holding
        # its port) a moment after. Return once every group has no running member.
        groups = {child.pid for child in self.children.values() if child.pid}
        settle_by = time.monotonic() + 5.0
        while time.monotonic() < settle_by and groups & {
                process.group for process in running_processes()}:
            time.sleep(0.02)
