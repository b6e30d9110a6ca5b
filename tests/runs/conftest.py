"""Runs are tested against real processes: `torchcanvas serve`, `torchcanvas worker` and
the queue they share, on SQLite (the embedded default) and on Redis.

Redis needs `REDIS_URL` (`scripts/with-redis.sh CMD` starts a private redis-server and
sets it; `make test` does this); without it the Redis variants skip, loudly. Each stack
gets a Redis database of its own, so parallel test workers never take each other's jobs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT, load_example
from tests.live_server import free_port, torchcanvas_command

REDIS_SKIP = (
    "Redis queue tests SKIPPED: REDIS_URL is not set. Run them with "
    "`scripts/with-redis.sh .venv/bin/python -m pytest tests/runs` (or `make test`)."
)
_skipped_redis: list[str] = []
_redis_db = iter(range(1 + (os.getpid() % 16) * 15, 256))

# short leases, so that a killed worker's run is taken over within seconds, and a
# checkpoint after every epoch, so that it resumes from one
FAST = {
    "TORCHCANVAS_RUN_HEARTBEAT": "0.5",
    "TORCHCANVAS_RUN_STALE_AFTER": "3",
    "TORCHCANVAS_RUN_CHECKPOINT_EVERY": "0",
}
# one thread: small models train fastest so, above all while other tests share the CPU
SMALL = {"TORCHCANVAS_RUN_THREADS": "1"}


def redis_url() -> str:
    base = os.environ.get("REDIS_URL", "").strip()
    if not base:
        _skipped_redis.append(REDIS_SKIP)
        pytest.skip(REDIS_SKIP)
    import redis

    url = base.rsplit("/", 1)[0] + f"/{next(_redis_db)}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest) -> str:
    """'' (the SQLite queue in the instance folder) or a Redis database of this test's own."""
    return "" if request.param == "sqlite" else redis_url()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_redis:
        terminalreporter.write_sep("!", "REDIS QUEUE NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(REDIS_SKIP, red=True)


@dataclass
class Stack:
    """A server and its workers on one instance folder, database and queue."""

    folder: Path
    env: dict[str, str]
    base: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("ab") as output:
            process = subprocess.Popen(
                [*torchcanvas_command(), *args], env=self.env, cwd=ROOT, stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def serve(self, *args: str) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        server = self._start("serve", "--port", str(port), *args, log="server.log")
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, self.log("server.log")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.log("server.log")
            time.sleep(0.2)

    def start_worker(self, concurrency: int = 1) -> subprocess.Popen[bytes]:
        worker = self._start("worker", "--concurrency", str(concurrency), log="worker.log")
        self.workers.append(worker)
        return worker

    def stop(self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # the API

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base + path, timeout=60, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base + path, timeout=60, **kwargs)

    def start_run(self, spec: dict[str, Any], **overrides: Any) -> str:
        response = self.post("/api/runs", json={"spec": spec, **overrides})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def wait(self, run_id: str, statuses: tuple[str, ...], timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/api/runs/{run_id}").json()
            if run["status"] in statuses:
                return dict(run)
            assert time.monotonic() < deadline, (run, self.log("worker.log"))
            time.sleep(0.3)

    def events(self, run_id: str, until: Any = None, timeout: float = 240) -> list[tuple]:
        """(event, data) pairs of the run's stream, until it ends or `until(event, data)`."""
        found: list[tuple[str, Any]] = []
        with requests.get(
            f"{self.base}/api/runs/{run_id}/events", stream=True, timeout=timeout
        ) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            event = None
            for line in response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: ") and event:
                    found.append((event, json.loads(line[len("data: ") :])))
                    if event == "end" or (until and until(event, found[-1][1])):
                        break
        return found


@contextlib.contextmanager
def stack_on(folder: Path, queue_url: str, **settings: str) -> Iterator[Stack]:
    env = {
        **os.environ,
        "TORCHCANVAS_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
        "TORCHCANVAS_QUEUE_URL": queue_url,
        "TORCHCANVAS_RATELIMIT_WRITES": "100000/minute",
        **FAST,
        **SMALL,
        **settings,
    }
    stack = Stack(folder, env)
    try:
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture
def stack(tmp_path: Path, queue_url: str) -> Iterator[Stack]:
    """A server on a fresh instance folder and database (start workers with start_worker)."""
    with stack_on(tmp_path, queue_url) as running:
        running.serve()
        yield running


def digits(epochs: int, **training: Any) -> dict[str, Any]:
    spec = load_example("digits-mlp")
    spec["training"].update(epochs=epochs, **training)
    return spec


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An app in this process on a fresh instance folder and SQLite database (no worker)."""
    from builder import create_app
    from builder.store import get_store
    from builder.store.migrate import upgrade

    monkeypatch.setenv("TORCHCANVAS_INSTANCE_PATH", str(tmp_path / "instance"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "RATELIMIT_WRITES": "100000/minute",
         "RUN_THREADS": 1, "RUN_HEARTBEAT": 0.5}
    )  # fmt: skip
    yield app
    get_store(app).dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def run_job(app: Any, spec: dict[str, Any], **settings: Any) -> Any:
    """Train `spec` as a worker would, in this process, with run settings changed."""
    from dataclasses import replace

    from builder.runs import get_runs, jobs, run_settings
    from builder.runs.worker import bind

    ctx = bind(app)
    ctx.settings = replace(run_settings(app), **settings)
    run = get_runs(app).create(kind="train", name=spec["name"], spec=json.dumps(spec),
                               settings={}, client="127.0.0.1", epochs=1)  # fmt: skip
    jobs.train(run.id)
    return get_runs(app).get(run.id)


@pytest.fixture
def working(app: Any) -> Any:
    """The app with a worker in this process: queued jobs run at once (Huey's immediate
    mode), so a request that waits for a job (check, predict) gets its real answer."""
    from builder.runs import get_queue
    from builder.runs.worker import bind

    bind(app)
    get_queue(app).huey.immediate = True
    return app.test_client()
