"""The app with one extra route that streams events with builder.streaming, served by the
production server exactly as `torchcanvas serve --workers 2` serves (builder/serving.py).

    python -m tests.server.sse_app PORT

GET /test/events?count=N&interval=S sends N events S seconds apart, then ends; between
them the stream idles (heartbeats every 0.5 s).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, request

from builder import create_app, serving
from builder.streaming import Event, event_stream

bp = Blueprint("test_events", __name__)


@bp.get("/test/events")
def events() -> Response:
    count = int(request.args.get("count", "3"))
    interval = float(request.args.get("interval", "1"))

    def source(last_id: str | None) -> Iterator[Event | None]:
        start = int(last_id) + 1 if last_id else 0
        for number in range(start, count):
            yield Event({"number": number}, event="tick", id=str(number))
            deadline = time.monotonic() + interval
            while time.monotonic() < deadline:
                yield None
                time.sleep(0.05)

    return event_stream(source, heartbeat=0.5)


def create() -> Any:
    app = create_app()
    app.register_blueprint(bp)
    return app


if __name__ == "__main__":
    port = int(sys.argv[1])
    serving.serve(serving.options(f"127.0.0.1:{port}", 2, 1000, 60, False), create)
