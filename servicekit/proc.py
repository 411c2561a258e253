"""The running processes as Linux's /proc tells them: one reading of ``/proc/<pid>/stat``
for the launcher's stop and the tests that look for strays."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunningProcess:
    pid: int
    parent: int
    group: int
    session: int


def running_processes() -> Iterator[RunningProcess]:
    """Every process that runs now; zombies (ended, not yet reaped by whoever inherited
    them) count as gone."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] != "Z":
            yield RunningProcess(int(stat.parent.name), int(fields[1]), int(fields[2]),
                                 int(fields[3]))


def is_running(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"
