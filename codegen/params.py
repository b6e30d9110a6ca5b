"""Declared parameters and the checking of values given for them.

A `Param` is named exactly as the torch constructor argument. `check_value` turns a
JSON value into a value of the declared kind, or explains why it cannot.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

ParamKind = Literal["int", "float", "bool", "str", "choice", "int_tuple", "int_list", "float_tuple"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a parameter the user must give."""

MAX_STR_LEN = 500
MAX_INT = 10**9


@dataclass(frozen=True)
class Param:
    """One constructor argument of a block, loss, optimizer, scheduler, dataset, ..."""

    name: str
    kind: ParamKind
    default: Any = None
    doc: str = ""
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    choices: tuple[Any, ...] | None = None
    length: int | None = None
    nullable: bool = False
    inferred: bool = False
    positional: bool = False
    data_path: bool = False
    """A file or folder of the dataset: relative to `--data-dir`, never absolute or with '..'."""
    in_forward: bool = False
    """Used in `forward` (e.g. a causal mask), not passed to the constructor."""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class ParamValueError(ValueError):
    """A value does not fit its parameter; the message says what is expected."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    if _is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _check_range(param: Param, value: float, what: str = "") -> None:
    label = what or f"'{param.name}'"
    if param.min is not None:
        too_small = value <= param.min if param.exclusive_min else value < param.min
        if too_small:
            relation = "greater than" if param.exclusive_min else "at least"
            raise ParamValueError(
                f"{label} must be {relation} {_fmt(param.min)}, got {_fmt(value)}",
                f"use a value {relation} {_fmt(param.min)}",
            )
    if param.max is not None and value > param.max:
        raise ParamValueError(
            f"{label} must be at most {_fmt(param.max)}, got {_fmt(value)}",
            f"use a value of at most {_fmt(param.max)}",
        )
    if abs(value) > MAX_INT:
        raise ParamValueError(
            f"{label} is too large: {_fmt(value)}", f"use a value of at most {MAX_INT:,}"
        )


def _fmt(value: float) -> str:
    """A number for a message: huge ones shortened (400 digits help nobody)."""
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 20 else f"{text[:6]}...({len(text)} digits)"
    return str(int(value)) if value.is_integer() and abs(value) < 1e20 else repr(value)


def _int(param: Param, value: Any, what: str = "") -> int:
    number = _as_int(value)
    if number is None:
        raise ParamValueError(
            f"'{param.name}' must be a whole number, got {_describe(value)}",
            "enter an integer such as 1, 3 or 64",
        )
    _check_range(param, number, what)
    return number


def _float(param: Param, value: Any, what: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamValueError(
            f"'{param.name}' must be a number, got {_describe(value)}",
            "enter a number such as 0.1 or 1e-3",
        )
    if isinstance(value, int):  # compared exactly, before float() could overflow
        _check_range(param, value, what)
        return float(value)
    number = float(value)
    if not math.isfinite(number):
        raise ParamValueError(f"'{param.name}' must be a finite number", "enter a finite number")
    _check_range(param, number, what)
    return number


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def check_value(param: Param, value: Any) -> Any:
    """Return `value` converted to the kind of `param`, or raise ParamValueError."""
    if value is None:
        if param.nullable or param.inferred:
            return None
        raise ParamValueError(f"'{param.name}' cannot be null", "give a value or remove the key")
    kind = param.kind
    if kind == "int":
        return _int(param, value)
    if kind == "float":
        return _float(param, value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ParamValueError(
                f"'{param.name}' must be true or false, got {_describe(value)}", "use true or false"
            )
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ParamValueError(f"'{param.name}' must be a string, got {_describe(value)}")
        if len(value) > MAX_STR_LEN:
            raise ParamValueError(
                f"'{param.name}' is longer than {MAX_STR_LEN} characters", "shorten it"
            )
        if "\x00" in value:
            raise ParamValueError(f"'{param.name}' contains a NUL character", "remove it")
        if has_lone_surrogate(value):
            raise ParamValueError(
                f"'{param.name}' contains an unpaired UTF-16 surrogate (not valid Unicode)",
                "escape only complete characters, e.g. \\ud83d\\ude00, or remove it",
            )
        if param.data_path:
            _check_data_path(param, value)
        return value
    if kind == "choice":
        assert param.choices is not None
        # 1.0 or true must not pass for the choice 1: the type has to match too
        if not any(type(value) is type(c) and value == c for c in param.choices):
            options = ", ".join(repr(c) for c in param.choices)
            raise ParamValueError(
                f"'{param.name}' must be one of {options}; got {_describe(value)}",
                f"choose one of {options}",
            )
        return value
    if kind == "int_tuple":
        return _int_tuple(param, value)
    if kind == "int_list":
        if not isinstance(value, (list, tuple)) or not value:
            raise ParamValueError(
                f"'{param.name}' must be a non-empty list of whole numbers",
                "write it like [2, 4]",
            )
        if len(value) > 64:
            raise ParamValueError(f"'{param.name}' has more than 64 entries", "shorten the list")
        return tuple(_int(param, v, f"each entry of '{param.name}'") for v in value)
    if kind == "float_tuple":
        if not isinstance(value, (list, tuple)) or len(value) != param.length:
            raise ParamValueError(
                f"'{param.name}' must be a list of {param.length} numbers",
                "write it like [0.9, 0.999]",
            )
        return tuple(_float(param, v, f"each entry of '{param.name}'") for v in value)
    raise AssertionError(f"unknown parameter kind {kind}")


def has_lone_surrogate(text: str) -> bool:
    """True for text with an unpaired surrogate: JSON allows "\\ud800", UTF-8 cannot hold it."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_data_path(param: Param, value: str) -> None:
    """Data paths in a spec are relative to `--data-dir`: a shared spec must not choose
    which folder of the user's machine the generated code reads."""
    hint = (
        f"write '{param.name}' relative to the data folder, without '..'; to read data from "
        "elsewhere, run `python train.py --data-dir /path/to/data`"
    )
    parts = re.split(r"[\\/]", value)
    if value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value):
        raise ParamValueError(f"'{param.name}' must be a relative path, got {value!r}", hint)
    if ".." in parts:
        raise ParamValueError(f"'{param.name}' must not contain '..', got {value!r}", hint)


def _int_tuple(param: Param, value: Any) -> int | tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        return _int(param, value)
    if len(value) != param.length:
        raise ParamValueError(
            f"'{param.name}' must be one whole number or a list of {param.length}, "
            f"got {len(value)} values",
            f"write it like 3 or {list(range(3, 3 + (param.length or 1)))}",
        )
    items = tuple(_int(param, v, f"each entry of '{param.name}'") for v in value)
    if len(set(items)) == 1:
        return items[0]
    return items


def expand(value: int | tuple[int, ...], length: int) -> tuple[int, ...]:
    """`3` -> `(3, 3)`; a tuple stays as it is."""
    if isinstance(value, tuple):
        return value
    return (value,) * length
