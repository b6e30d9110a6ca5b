"""Server-Sent Events: a streaming response that nothing buffers, with heartbeats.

    from builder.streaming import Event, event_stream

    @bp.get("/api/runs/<run_id>/events")
    def run_events(run_id):
        def events(last_id: str | None):
            while True:
                rows = new_rows(run_id, after=last_id)   # whatever the source is
                for row in rows:
                    yield Event(row.data, id=str(row.id), event="progress")
                if finished(run_id):
                    return
                yield None            # nothing new: the stream sends a heartbeat if due
                time.sleep(1)         # cooperative under gevent (monkey-patched)
        return event_stream(events)

`event_stream` calls `events(last_event_id)` (the browser's `Last-Event-ID` header on a
reconnection) and sends each `Event` as soon as it is yielded; a `None` sends a comment
line when `heartbeat` seconds have passed without output, so proxies keep the
connection open and a vanished client is noticed (the write fails and the generator is
closed: put clean-up in `finally`). After `max_seconds` the stream ends; the browser's
EventSource reconnects by itself after `retry` milliseconds, with `Last-Event-ID`.

The production server (serving.py) holds each stream in a greenlet, so hundreds of open
streams cost no threads; the headers below stop nginx and other proxies from buffering.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, request, stream_with_context

HEARTBEAT_S = 15.0
MAX_SECONDS = 3600.0
RETRY_MS = 3000


@dataclass(frozen=True)
class Event:
    """One event: `data` is sent as JSON unless it is a string already."""

    data: Any
    event: str | None = None
    id: str | None = None

    def encode(self) -> str:
        text = self.data if isinstance(self.data, str) else json.dumps(self.data)
        lines = []
        if self.event:
            lines.append(f"event: {_one_line(self.event)}")
        if self.id is not None:
            lines.append(f"id: {_one_line(self.id)}")
        lines += [f"data: {line}" for line in text.split("\n")]
        return "\n".join(lines) + "\n\n"


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ").replace("\x00", "")


def event_stream(
    events: Callable[[str | None], Iterable[Event | None]],
    heartbeat: float = HEARTBEAT_S,
    max_seconds: float = MAX_SECONDS,
    retry_ms: int = RETRY_MS,
) -> Response:
    """A `text/event-stream` response of what `events(last_event_id)` yields."""
    last_id = request.headers.get("Last-Event-ID")

    def generate() -> Iterator[str]:
        started = last_output = time.monotonic()
        yield f"retry: {int(retry_ms)}\n\n"
        source = iter(events(last_id))
        try:
            for item in source:
                now = time.monotonic()
                if item is not None:
                    yield item.encode()
                    last_output = now
                elif now - last_output >= heartbeat:
                    yield ": heartbeat\n\n"
                    last_output = now
                if now - started >= max_seconds:
                    return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
