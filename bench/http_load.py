"""Keep-alive HTTP load on one URL for a fixed time: ``wrk`` when it is installed (it
costs the two cores least), else a Python generator — one process per connection, each
looping on an ``http.client`` keep-alive connection — so the scenario runs anywhere."""
from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import time
from urllib.parse import urlsplit

CONNECTIONS = 8
WRK_THREADS = 2


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def measure(url: str, duration: float, connections: int = CONNECTIONS) -> dict[str, float]:
    """Requests per second answered 2xx (``ok``); ``errors`` counts every other outcome."""
    if tool() == "wrk":
        return _wrk(url, duration, connections)
    return _python(url, duration, connections)


def _wrk(url: str, duration: float, connections: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{int(duration)}s", url],
        check=True, capture_output=True, text=True, timeout=duration + 30).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    seconds = _wrk_seconds(re.search(r"requests in ([\d.]+)(\w+),", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    refused = int(non_2xx.group(1)) if non_2xx else 0  # counted among the requests
    broken = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return _figures(requests - refused, refused + broken, seconds)


def _wrk_seconds(match: re.Match) -> float:
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[unit]


def _python(url: str, duration: float, connections: int) -> dict[str, float]:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(connections) as pool:
        counts = pool.starmap(_keep_asking, [(url, duration)] * connections)
    return _figures(sum(c[0] for c in counts), sum(c[1] for c in counts),
                    max(c[2] for c in counts))


def _figures(ok: int, errors: int, seconds: float) -> dict[str, float]:
    return {"rps": ok / seconds, "ok": ok, "errors": errors, "seconds": seconds}


def _keep_asking(url: str, duration: float) -> tuple[int, int, float]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    ok = errors = 0
    started = time.monotonic()
    deadline = started + duration
    while time.monotonic() < deadline:
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if 200 <= response.status < 300:
                ok += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()  # reconnects on the next request
    connection.close()
    return ok, errors, time.monotonic() - started
