"""The production server (`torchcanvas serve --workers 2`: gunicorn, gevent workers) against
the attacks of the hardening issue: each finding made against it stays fixed.

Every client here talks to a server on 127.0.0.1 and every loop is bounded in time.
Latency is asserted only where the issue asks for it: a loose p50 bound under load.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from benchmarks.attacks import attack_process, probe, slow_clients
from builder.limits import DEFAULT_WORK
from tests.conftest import ROOT, load_example
from tests.live_server import free_port, live_server

pytestmark = pytest.mark.slow

JSON = {"Content-Type": "application/json"}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The default work budget, as deployed (the flood must meet it)."""
    folder = tmp_path_factory.mktemp("production")
    database = f"sqlite:///{folder / 'torchcanvas.db'}"
    default_work = {"TORCHCANVAS_RATELIMIT_WORK": DEFAULT_WORK}
    with live_server(
        database, folder / "server.log", "--workers", "2", env=default_work, no_tracebacks=True
    ) as base:
        yield base


@pytest.fixture(scope="module")
def model_id(server: str) -> str:
    response = requests.post(f"{server}/api/models", json=load_example("lenet-batchnorm"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def raw_exchange(base: str, data: bytes) -> bytes:
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:  # the server closes after answering an error
            pass
    return answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT A REQUEST\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", 431),
    ],
)
def test_the_servers_own_error_answers_carry_the_security_headers(server, request_bytes, status):
    answer = raw_exchange(server, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    for name in SECURITY_HEADERS:
        assert name in headers, (name, headers)
    assert headers["Content-Type"] == "application/json"
    errors = json.loads(body[: int(headers["Content-Length"])])["errors"]
    assert errors[0]["message"] and errors[0]["hint"]


@pytest.mark.parametrize("url", ["/api/validate", "/api/models"])
def test_a_chunked_body_over_the_limit_is_413(server, url):
    spec = {**load_example("lenet-batchnorm"), "description": "x" * 1_100_000}
    body = json.dumps(spec).encode()
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))  # Transfer-Encoding: chunked
    response = requests.post(f"{server}{url}", data=chunks, headers=JSON, timeout=30)
    assert response.status_code == 413, response.text
    assert "larger than" in response.json()["errors"][0]["message"]


def test_a_small_chunked_body_is_read_whole(server):
    body = json.dumps(load_example("iris-classifier")).encode()
    chunks = (body[i : i + 100] for i in range(0, len(body), 100))
    assert requests.post(f"{server}/api/validate", data=chunks, headers=JSON).status_code == 200


def test_a_bom_is_accepted_by_validate_and_by_save(server):
    body = b"\xef\xbb\xbf" + json.dumps(load_example("iris-classifier")).encode()
    assert requests.post(f"{server}/api/validate", data=body, headers=JSON).status_code == 200
    assert requests.post(f"{server}/api/models", data=body, headers=JSON).status_code == 201


def test_slow_clients_do_not_stall_the_server(server, model_id):
    """64 sockets sending a header line a second used to time out every health check."""
    with slow_clients(server, sockets=64) as events:
        time.sleep(1.5)
        seen = probe(server, ["/api/health", f"/api/models/{model_id}"], seconds=6)
    for latencies in seen.values():
        assert latencies.timeouts == 0 and latencies.errors == 0
        assert set(latencies.statuses) == {200}
    # the server cuts a request whose headers take longer than its keep-alive (5 s)
    assert events["closed by server"] > 0


def test_a_generate_flood_and_slow_clients_leave_other_clients_fast(server, model_id):
    """The issue's load test: one client floods generate with new names, another holds 64
    slow sockets; a third one's health checks and model reads keep p50 < 100 ms and never
    time out, and the flooding client gets 429s."""
    spec = str(ROOT / "examples" / "lenet-batchnorm.json")
    with (
        attack_process("slow", server, 30, "--sockets", "64") as slow,
        attack_process("generate", server, 30, "--spec", spec, "--threads", "16") as flood,
    ):
        seen = probe(server, ["/api/health", f"/api/models/{model_id}"], seconds=10, timeout=5)
    for path, latencies in seen.items():
        assert latencies.timeouts == 0 and latencies.errors == 0, (path, latencies.summary())
        assert set(latencies.statuses) == {200}, (path, latencies.summary())
        assert latencies.p50 < 100, (path, latencies.summary())
    assert flood.get("429", 0) > 0, flood
    assert slow.get("connected", 0) >= 64, slow


@pytest.fixture(scope="module")
def sse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("sse")
    port = free_port()
    log = (folder / "server.log").open("w")
    env_db = {"DATABASE_URL": f"sqlite:///{folder / 'x.db'}"}
    command = [sys.executable, "-m", "tests.server.sse_app", str(port)]
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**_env(), **env_db}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/api/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        child.terminate()
        child.wait(timeout=30)
        log.close()
    assert "Traceback" not in Path(folder / "server.log").read_text()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def read_events(response: requests.Response, wanted: int) -> list[str]:
    """The first `wanted` event and comment blocks of a stream, as they arrive."""
    blocks, buffer = [], ""
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        buffer += chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            blocks.append(block)
            if len(blocks) >= wanted:
                return blocks
    return blocks


def test_an_event_stream_is_sent_as_it_happens_with_heartbeats(sse_server):
    started = time.monotonic()
    with requests.get(
        f"{sse_server}/test/events?count=2&interval=2", stream=True, timeout=10
    ) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Accel-Buffering"] == "no"
        blocks = read_events(response, 3)
        first_event_after = time.monotonic() - started
    assert blocks[0] == "retry: 3000"
    assert blocks[1] == 'event: tick\nid: 0\ndata: {"number": 0}'
    assert blocks[2] == ": heartbeat"  # before the next event, 2 s later
    assert first_event_after < 1.9  # not held back until the stream ends


def test_a_reconnection_resumes_after_the_last_event_id(sse_server):
    with requests.get(
        f"{sse_server}/test/events?count=3&interval=0",
        headers={"Last-Event-ID": "1"},
        stream=True,
        timeout=10,
    ) as response:
        blocks = read_events(response, 10)
    assert [b for b in blocks if b.startswith("event")] == [
        'event: tick\nid: 2\ndata: {"number": 2}'
    ]


def test_sixty_open_event_streams_do_not_block_other_requests(sse_server):
    streams = [
        requests.get(f"{sse_server}/test/events?count=1&interval=20", stream=True, timeout=10)
        for _ in range(60)
    ]
    try:
        for response in streams:
            assert read_events(response, 2)[1].startswith("event: tick")
        seen = probe(sse_server, ["/api/health"], seconds=2)["/api/health"]
        assert seen.timeouts == 0 and seen.errors == 0 and set(seen.statuses) == {200}
    finally:
        for response in streams:
            response.close()
