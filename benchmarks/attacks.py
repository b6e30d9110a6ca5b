"""Attacks on a server of ours, and a probe that measures how other clients fare meanwhile.

Used by the http benchmark (benchmarks/http.py) and the load test (tests/server). Every
attack targets a base URL on this machine (loopback), runs in background threads, is
bounded by its `stop()` (context manager exit) and ends by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback targets only"
    return parts.hostname, parts.port or 80


@dataclass
class Latencies:
    """What one kind of request experienced, in milliseconds (a timeout as the timeout)."""

    ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    errors: int = 0

    def percentile(self, q: float) -> float:
        if not self.ms:
            return float("nan")
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.ms) if self.ms else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def summary(self) -> dict[str, object]:
        return {
            "requests": len(self.ms) + self.errors,
            "p50_ms": round(self.p50, 1),
            "p99_ms": round(self.p99, 1),
            "max_ms": round(max(self.ms), 1) if self.ms else None,
            "timeouts": self.timeouts,
            "errors": self.errors,
            "statuses": dict(self.statuses),
        }


def request(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request on a new connection (as a client that does not keep connections)."""
    host, port = _address(base)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers={**all_headers, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def probe(
    base: str, paths: list[str], seconds: float, timeout: float = 5.0, pause: float = 0.05
) -> dict[str, Latencies]:
    """GET each path in turn for `seconds`, one at a time, as a quiet third client would."""
    results = {path: Latencies() for path in paths}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in paths:
            started = time.perf_counter()
            try:
                status, _ = request(base, "GET", path, timeout=timeout)
            except TimeoutError:  # counted, and as `timeout` seconds in the percentiles
                results[path].timeouts += 1
                results[path].ms.append(timeout * 1000)
                continue
            except OSError:
                results[path].errors += 1
                continue
            results[path].ms.append((time.perf_counter() - started) * 1000)
            results[path].statuses[status] += 1
            time.sleep(pause)
    return results


@contextmanager
def slow_clients(base: str, sockets: int = 64, interval: float = 1.0) -> Iterator[Counter[str]]:
    """`sockets` connections that send a request one header line per `interval` seconds,
    reconnecting whenever the server closes one (slowloris). Yields counts of events."""
    host, port = _address(base)
    events: Counter[str] = Counter()
    stop = threading.Event()

    def connect() -> socket.socket | None:
        try:
            sock = socket.create_connection((host, port), timeout=2)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n")
            events["connected"] += 1
            return sock
        except OSError:
            events["refused"] += 1
            return None

    def run() -> None:
        open_sockets = [connect() for _ in range(sockets)]
        line = 0
        while not stop.wait(interval):
            line += 1
            for k, sock in enumerate(open_sockets):
                if sock is None:
                    open_sockets[k] = connect()
                    continue
                try:
                    sock.sendall(b"X-Slow-%d: %d\r\n" % (line, line))
                except OSError:
                    events["closed by server"] += 1
                    sock.close()
                    open_sockets[k] = connect()
        for sock in open_sockets:
            if sock is not None:
                sock.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield events
    finally:
        stop.set()
        thread.join(timeout=interval + 10)


@contextmanager
def flood(
    base: str,
    method: str,
    path: str,
    body: Callable[[int], bytes | None],
    threads: int = 32,
    timeout: float = 30.0,
) -> Iterator[Counter[int | str]]:
    """`threads` clients sending request after request (`body(n)` for the n-th one).
    Yields the counts of answers by status ("timeout"/"error" for the failed ones)."""
    counts: Counter[int | str] = Counter()
    stop = threading.Event()
    lock = threading.Lock()
    sent = [0]

    def run() -> None:
        while not stop.is_set():
            with lock:
                sent[0] += 1
                number = sent[0]
            try:
                status, _ = request(base, method, path, body(number), timeout=timeout)
                counts[status] += 1
            except TimeoutError:
                counts["timeout"] += 1
            except OSError:
                counts["error"] += 1

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield counts
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=timeout + 5)


# each attack in a process of its own, so that its threads do not slow down the probe's


def _renamed_spec(spec_file: str) -> Callable[[int], bytes]:
    """The spec with a new name in every request (nothing of it is cached anywhere)."""
    spec = json.loads(Path(spec_file).read_text())
    return lambda n: json.dumps({**spec, "name": f"{spec.get('name', 'Model')} {n}"}).encode()


@contextmanager
def attack_process(kind: str, base: str, seconds: float, *options: str) -> Iterator[dict[str, Any]]:
    """Run `python -m benchmarks.attacks KIND BASE` for at most `seconds` beside the caller;
    yields a dict that holds the attack's counts once the block has ended."""
    command = [sys.executable, "-m", "benchmarks.attacks", kind, base, "--seconds", str(seconds)]
    child = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
    )
    result: dict[str, Any] = {}
    try:
        time.sleep(1.0)  # let the attack get going
        yield result
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            out, _ = child.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
        if out.strip():
            result.update(json.loads(out.strip().splitlines()[-1]))


def report(base: str, spec_file: str, big_spec_file: str, seconds: float) -> dict[str, Any]:
    """p50/p99 of health and of a stored-model GET, quiet and under each attack in turn."""
    spec = Path(spec_file).read_bytes()
    model = json.loads(request(base, "POST", "/api/models", spec, timeout=60)[1])["id"]
    status, body = request(base, "POST", "/api/models", Path(big_spec_file).read_bytes(), 120)
    big = json.loads(body)["id"] if status == 201 else None
    paths = ["/api/health", f"/api/models/{model}"]
    attacks: dict[str, tuple[str, ...]] = {
        "none": (),
        "generate flood (16 threads, new names)": (
            "generate",
            "--spec",
            spec_file,
            "--threads",
            "16",
        ),
        "slow clients (64 sockets)": ("slow", "--sockets", "64"),
    }
    if big is not None:
        attacks["big page (16 threads)"] = ("page", "--path", f"/m/{big}", "--threads", "16")
    results: dict[str, Any] = {"big_model_stored": big is not None}
    for name, attack in attacks.items():
        if not attack:
            seen = probe(base, paths, seconds)
            counts: dict[str, Any] = {}
        else:
            with attack_process(attack[0], base, seconds + 5, *attack[1:]) as counts:
                seen = probe(base, paths, seconds)
        results[name] = {
            "health": seen[paths[0]].summary(),
            "model": seen[paths[1]].summary(),
            "attacker": counts,
        }
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one attack on a loopback server, or all")
    parser.add_argument("kind", choices=["slow", "generate", "page", "report"])
    parser.add_argument("base")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--sockets", type=int, default=64)
    parser.add_argument("--spec", help="spec file for generate")
    parser.add_argument("--path", help="page path for page")
    parser.add_argument("--big-spec", help="spec file of the big model (report)")
    args = parser.parse_args(argv)
    if args.kind == "report":
        print(json.dumps(report(args.base, args.spec, args.big_spec, args.seconds), indent=1))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    counts: Counter[Any]
    if args.kind == "slow":
        manager: Any = slow_clients(args.base, args.sockets)
    elif args.kind == "generate":
        body = _renamed_spec(args.spec)
        manager = flood(args.base, "POST", "/api/generate", body, threads=args.threads)
    else:
        manager = flood(args.base, "GET", args.path, lambda n: None, threads=args.threads)
    with manager as counts:
        stop.wait(args.seconds)
    print(json.dumps({str(k): v for k, v in counts.items()}))


if __name__ == "__main__":
    main()
