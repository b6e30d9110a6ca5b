"""Rate limits (Flask-Limiter), per client address: a budget of writes and one of work.

- **Writes** to the models API (save, update, delete, fork) share one budget:
  `TORCHCANVAS_RATELIMIT_WRITES` (default "60/minute").
- **Work**: validate, generate, the model pages, the gallery and downloads share a budget
  in *work units* (`TORCHCANVAS_RATELIMIT_WORK`, default "150/10 seconds;900/minute"). A
  request costs one unit plus one for each 10 ms of CPU it took (measured, see
  workload.py): a cached answer costs 1, validating LeNet 2, generating it after a layer
  edit 4, generating a 500-node model 20 or more. So one client gets at most 1.5 s of CPU
  in 10 s and 9 s in a minute (per process with `memory://`). The budget is tested before
  the view runs and charged after it: an expensive request can take a client over its
  budget, and its next requests get 429 until the window has passed.

Several limits are separated by ";". `TORCHCANVAS_RATELIMIT_STORAGE_URI` (default
`memory://`, counted per process; `redis://host:6379` counts across gunicorn workers and
servers) and `TORCHCANVAS_RATELIMIT_ENABLED=false` switches every limit off. A client
over a limit gets 429 with the usual error body and a Retry-After header.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_WRITES = "60/minute"
DEFAULT_WORK = "150/10 seconds;900/minute"
CPU_SECONDS_PER_UNIT = 0.01

limiter = Limiter(get_remote_address)


def write_limit() -> str:
    return str(current_app.config.get("RATELIMIT_WRITES") or DEFAULT_WRITES)


def _write_message() -> str:
    return f"too many writes from your address (the limit is {write_limit()})"


def work_limit() -> str:
    return str(current_app.config.get("RATELIMIT_WORK") or DEFAULT_WORK)


def work_cost() -> int:
    """One unit per request and one per 10 ms of CPU (none before the view has run)."""
    return 1 + int(g.get("cpu_seconds", 0.0) / CPU_SECONDS_PER_UNIT)


def _work_message() -> str:
    return (
        f"too much work asked from your address (the limit is {work_limit()} work units; "
        "a request costs 1 unit plus 1 per 10 ms of server time)"
    )


writes = limiter.shared_limit(write_limit, scope="writes", error_message=_write_message)
work = limiter.shared_limit(
    work_limit,
    scope="work",
    cost=work_cost,
    deduct_when=lambda response: True,  # charged after the view, at its measured cost
    error_message=_work_message,
)


def _retry_after_only_when_limited(response: Response) -> Response:
    """Flask-Limiter sends Retry-After with every limited response; keep it on 429/503."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_WRITES", DEFAULT_WRITES)
    app.config.setdefault("RATELIMIT_WORK", DEFAULT_WORK)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # registered first, so it runs after the limiter's own after_request hook
    app.after_request(_retry_after_only_when_limited)
    limiter.init_app(app)
