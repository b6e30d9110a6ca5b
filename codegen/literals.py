"""Safe emission: every value from a spec reaches generated code only through here.

Values are emitted with `repr()` of a value of the declared type; free text goes only
into comments and docstrings after escaping, never into code.
"""

from __future__ import annotations

import math
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")


def py(value: Any) -> str:
    """A Python literal for a checked parameter value (int, float, bool, str, tuple, None)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite numbers are never emitted")
        return repr(float(value))
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, (tuple, list)):
        items = [py(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    raise TypeError(f"cannot emit a value of type {type(value).__name__}")


def one_line(text: str, limit: int = 200) -> str:
    """Free text as a single printable line (for comments)."""
    line = _CONTROL.sub(" ", text).strip()
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def docstring_line(text: str, limit: int = 200) -> str:
    """Free text as a single line inside a docstring (quotes and backslashes escaped)."""
    return docstring_text(one_line(text, limit))


def docstring_text(text: str, limit: int = 2000) -> str:
    """Free text made safe inside a triple-quoted docstring."""
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text[:limit].splitlines()]
    body = "\n".join(lines).strip()
    return body.replace("\\", "\\\\").replace('"', '\\"')


def markdown_text(text: str, limit: int = 2000) -> str:
    """Free text for the generated README: no raw HTML, no control characters."""
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text[:limit].splitlines()]
    body = "\n".join(lines).strip()
    return body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
