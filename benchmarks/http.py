"""HTTP: wrk against the production server (`torchcanvas serve --workers N`, gunicorn).

In one run, on one server: `GET /api/health` (a trivial endpoint: the baseline of what the
stack itself costs), `GET /api/models/<id>` (a stored LeNet read from the database),
`POST /api/validate` and `POST /api/generate` (the same LeNet spec; generate answers with
the zip). Each gets the same wrk settings; the table gives requests/s, p50 and p99
latency, errors (non-2xx answers and socket errors; must be 0) and throughput relative to
the health endpoint. wrk runs on the same machine as the server, so both share its cores.

The store is the database in `DATABASE_URL` when set (`make bench` starts a private
PostgreSQL), else a fresh SQLite file. Write rate limits are lifted for the run.

Run: `python -m benchmarks.run --only http` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Result, load_example

EXAMPLE = "lenet-batchnorm"
WORKERS = 2
CONNECTIONS = 8


@dataclass
class Measured:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TORCHCANVAS_RATELIMIT_ENABLED": "false",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'store.db'}",
    }
    command = [sys.executable, "-m", "builder.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start:\n" + (folder / "server.log").read_text())


def post_json(url: str, body: bytes) -> dict[str, object]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


VARY = "__VARY__"
"""Placeholder in a POST body that the wrk script replaces by a new number on every request."""

LUA_POST = """
local template = %s
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = (counter or 0) + 1
  local body = template:gsub("__VARY__", tostring((tid or 0) * 1000000 + counter))
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


def lua_post(folder: Path, name: str, body: str) -> Path:
    """A wrk script POSTing `body` as JSON, with VARY replaced by a fresh number each time."""
    script = folder / f"{name}.lua"
    script.write_text(LUA_POST % lua_string(body))
    return script


def lua_string(text: str) -> str:
    level = "=" * (max((len(m) for m in re.findall(r"\](=*)\]", text)), default=0) + 1)
    return f"[{level}[{text}]{level}]"


def varied_specs() -> dict[str, str]:
    """The LeNet spec as sent: unchanged, with a new fc1 width, and with a new name."""
    spec = load_example(EXAMPLE)
    same = json.dumps(spec)
    widths = json.dumps(spec).replace('"out_features": 120', f'"out_features": {VARY}')
    named = json.dumps({**spec, "name": f"LeNet {VARY}"})
    assert VARY in widths and VARY in named
    return {"same": same, "edit": widths, "renamed": named}


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> Measured:
    command = ["wrk", "--latency", f"-t{min(2, connections)}", f"-c{connections}"]
    command += [f"-d{seconds}s", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> Measured:
    """Requests/s, latency percentiles and errors from wrk's `--latency` report."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise ValueError(f"no {percent}% latency in wrk's output:\n{out}")
        value, unit = float(match[1]), match[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    socket_errors = sum(int(n) for n in re.findall(r"\d+", sockets[1])) if sockets else 0
    return Measured(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),  # type: ignore[index]
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=requests,
        errors=(int(non_2xx[1]) if non_2xx else 0) + socket_errors,
    )


def run(quick: bool = False) -> Result:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: `make test` / `make bench` install Debian's wrk")
    seconds, connections = (2, 2) if quick else (15, CONNECTIONS)
    bodies = varied_specs()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        server = start_server(folder, port, WORKERS)
        base = f"http://127.0.0.1:{port}"
        try:
            model_id = post_json(f"{base}/api/models", bodies["same"].encode())["id"]
            validate, generate = f"{base}/api/validate", f"{base}/api/generate"
            for _ in range(2 * WORKERS):  # 'same spec' measures the cache: fill it first
                post_json(f"{generate}?format=json", bodies["same"].encode())
            targets = {
                "GET /api/health": (f"{base}/api/health", None),
                "GET /api/models/<id>": (f"{base}/api/models/{model_id}", None),
                "POST /api/validate": (validate, lua_post(folder, "v", bodies["edit"])),
                "POST /api/generate, same spec": (generate, lua_post(folder, "g", bodies["same"])),
                "POST /api/generate, new fc1 width": (
                    generate,
                    lua_post(folder, "e", bodies["edit"]),
                ),
                "POST /api/generate, new name": (
                    generate,
                    lua_post(folder, "n", bodies["renamed"]),
                ),
            }
            measured = {
                name: wrk(url, seconds, connections, script)
                for name, (url, script) in targets.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    health = measured["GET /api/health"].requests_per_s
    rows = [
        [
            f"`{name}`",
            f"{m.requests_per_s:,.0f}",
            f"{m.p50_ms:.1f}",
            f"{m.p99_ms:.1f}",
            m.errors,
            f"{m.requests_per_s / health:.2f}x",
        ]
        for name, m in measured.items()
    ]
    database = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    return Result(
        name="http",
        title=f"HTTP: `torchcanvas serve --workers {WORKERS}` (gunicorn) under wrk",
        headers=["endpoint", "requests/s", "p50 ms", "p99 ms", "errors", "vs health"],
        rows=rows,
        notes=[
            f"wrk -t{min(2, connections)} -c{connections} -d{seconds}s --latency per endpoint, "
            f"one after the other against one server; store: {database}; "
            f"spec: examples/{EXAMPLE}.json",
            "errors = non-2xx answers + socket errors (must be 0)",
            "validate and 'new fc1 width' send a different fc1 width with every request (what "
            "the editor sends while a user edits a layer): generation re-formats model.py only, "
            "black's output for the unchanged training files is memoised; 'new name' changes "
            "every file (nothing cached); 'same spec' is all cache",
        ],
        data={
            "workers": WORKERS,
            "connections": connections,
            "seconds": seconds,
            "database": database,
            "endpoints": {name: vars(m) for name, m in measured.items()},
        },
    )
