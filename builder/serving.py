"""The production server: gunicorn with gevent workers (`torchcanvas serve --workers N`).

Why gevent (docs/deploy.md has the measurements): each connection is a greenlet, not a
thread, so a slow client costs a little memory instead of a thread, a worker holds
hundreds of open event streams (Server-Sent Events) at once, and a request's line and
headers must arrive within `keepalive` seconds or the connection is closed (slowloris).
CPU-heavy work leaves the event loop for a native thread (workload.py). gevent patches
the standard library in each worker; psycopg 3 (>= 3.1.14) cooperates with it, SQLite
calls are short and block only their own worker.

gunicorn answers some malformed requests itself (400, 414, 431, ...) before the app sees
them; `SecureWorker` makes those answers JSON errors with the app's security headers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.ggevent import GeventWorker

from .security import CSP, HEADERS

SWITCH_INTERVAL_S = 0.001
KEEPALIVE_S = 5
"""Seconds a client has to send a request's line and headers (and an idle keep-alive)."""

HINTS = {
    400: "the request line or its headers are malformed",
    403: "the request was refused",
    414: "the URL is too long: send the data in a POST body",
    417: "send no Expect header, or Expect: 100-continue",
    431: "send fewer or shorter headers",
    501: "send the body with Content-Length or Transfer-Encoding: chunked",
}


def error_bytes(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP response: the app's JSON error body and security headers."""
    item = {"path": "", "message": message or reason, "hint": HINTS.get(status, "")}
    body = json.dumps({"errors": [item]}).encode("ascii")  # ensure_ascii: no raw bytes
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        "Content-Security-Policy": CSP,
        **HEADERS,
    }
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode("latin-1") + body


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    util.write_nonblock(sock, error_bytes(status_int, reason, mesg))


class SecureWorker(GeventWorker):  # type: ignore[misc]
    """gunicorn's gevent worker whose own error answers carry the app's headers."""

    def init_process(self) -> None:
        util.write_error = write_error  # the function gunicorn's handle_error calls
        # The event loop and a CPU job's native thread share the GIL; by default the loop
        # waits 5 ms (often far more) for it each time it wakes up. 1 ms keeps cheap
        # requests fast while black runs (health p50 under a generate flood: see deploy.md).
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        super().init_process()


def options(
    bind: str, workers: int, connections: int, timeout: int, access_log: bool
) -> dict[str, Any]:
    """gunicorn settings of `torchcanvas serve --workers N`."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": SecureWorker,
        "worker_connections": connections,
        "keepalive": KEEPALIVE_S,
        "timeout": timeout,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "proc_name": "torchcanvas",
        # one shared default path would clash between several servers on a machine
        "control_socket_disable": True,
    }


def serve(settings: dict[str, Any], load: Callable[[], Any]) -> None:
    """Run gunicorn with `settings`; each worker builds its own app with `load()`."""

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                if key in self.cfg.settings:  # e.g. control sockets are new in gunicorn 25
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return load()

    Server().run()
