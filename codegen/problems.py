"""Errors as data: every problem names where it is (a JSON pointer) and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec, located by a JSON pointer into it."""

    path: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def pointer(*parts: Any) -> str:
    """Build a JSON pointer (RFC 6901) from path parts."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "".join("/" + p for p in escaped)


class SpecError(Exception):
    """Raised when a spec cannot be turned into code; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.path or '/'}: {p.message}" for p in problems))


class ShapeError(Exception):
    """Raised by a block's shape rule; `param` names the parameter at fault, if any."""

    def __init__(self, message: str, hint: str = "", param: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.param = param
