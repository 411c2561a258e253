"""No orphans: a process that must not outlive its parent asks Linux to end it when the
parent ends (``prctl(PR_SET_PDEATHSIG)``). gunicorn's workers do (servicekit.gunicorn_config):
a worker whose master was killed with SIGKILL would otherwise keep serving, and keep the
port, with nobody to stop it; so do the children of ``make up`` (launcher/supervisor.py).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Have ``signum`` sent to this process when its parent ends; a no-op off Linux."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def die_with(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    """``die_with_parent`` for a process forked by ``parent_pid``; if that parent already
    ended between the fork and this call (no signal will come), end now."""
    die_with_parent(signum)
    if os.getppid() != parent_pid:
        os._exit(1)
