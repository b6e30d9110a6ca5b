"""Rate limits (Flask-Limiter): writes to the models API share one budget per client.

Configured from the environment like every setting:
`TORCHCANVAS_RATELIMIT_WRITES` (default "60/minute"; several limits separated by ";",
e.g. "10/second;300/hour"), `TORCHCANVAS_RATELIMIT_STORAGE_URI` (default `memory://`,
counted per process; use e.g. `redis://host:6379` to count across gunicorn workers) and
`TORCHCANVAS_RATELIMIT_ENABLED=false` to switch limits off. A client over its limit gets
429 with the usual JSON error body and a Retry-After header.
"""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_WRITES = "60/minute"

limiter = Limiter(get_remote_address)


def write_limit() -> str:
    return str(current_app.config.get("RATELIMIT_WRITES") or DEFAULT_WRITES)


def _write_message() -> str:
    return f"too many writes from your address (the limit is {write_limit()})"


writes = limiter.shared_limit(write_limit, scope="writes", error_message=_write_message)


def _retry_after_only_when_limited(response: Response) -> Response:
    """Flask-Limiter sends Retry-After with every limited response; keep it on 429s."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_WRITES", DEFAULT_WRITES)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # registered first, so it runs after the limiter's own after_request hook
    app.after_request(_retry_after_only_when_limited)
    limiter.init_app(app)
