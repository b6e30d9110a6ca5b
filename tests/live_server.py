"""A real TorchCanvas server for tests: `torchcanvas serve` in a subprocess on a free port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchcanvas_command() -> list[str]:
    script = Path(sys.executable).parent / "torchcanvas"
    return [str(script)] if script.exists() else [sys.executable, "-m", "builder.cli"]


@contextlib.contextmanager
def live_server(
    database_url: str,
    log: Path,
    *serve_args: str,
    no_tracebacks: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve on `database_url` (migrated at start), rate limits lifted; yields the base URL.

    `serve_args` go to `torchcanvas serve` (e.g. "--workers", "2"). With `no_tracebacks`,
    a traceback in the server's log fails the test when the server stops. `env` adds to
    (or overrides) the server's environment, e.g. to test the rate limits themselves.
    The instance folder (queue, run folders) is `instance/` beside the log.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TORCHCANVAS_RATELIMIT_WRITES": "100000/minute",
        "TORCHCANVAS_RATELIMIT_WORK": "1000000/second",
        "TORCHCANVAS_INSTANCE_PATH": str(log.parent / "instance"),
        **(env or {}),
    }
    command = [*torchcanvas_command(), "serve", "--port", str(port), *serve_args]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy starting up to answer in time
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if no_tracebacks:
        assert "Traceback" not in log.read_text(), log.read_text()[-5000:]
