"""Checking the parameters given for a registry entry (block or training component)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from .params import Param, ParamValueError, check_value
from .problems import Problem, pointer


def check_params(
    declared: Iterable[Param],
    given: dict[str, Any],
    path: tuple[Any, ...],
    owner: str,
    deferred: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[Problem]]:
    """Fill defaults and convert given values; report unknown, missing and bad values.

    Returns the resolved parameters in declaration order (required ones that are
    missing or bad are left out) and the problems, each pointing at
    `<path>/params/<name>`. `deferred` names given values that are checked later (the
    expressions of a definition, once per instance): they are neither converted nor missing.
    """
    declared = tuple(declared)
    names = [p.name for p in declared]
    problems: list[Problem] = []
    for name in given:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else _known(names)
            problems.append(
                Problem(pointer(*path, "params", name), f"{owner} has no parameter '{name}'", hint)
            )
    resolved: dict[str, Any] = {}
    for param in declared:
        where = pointer(*path, "params", param.name)
        if param.name in deferred:
            continue
        if param.name not in given:
            if param.required:
                problems.append(
                    Problem(
                        where, f"{owner} needs '{param.name}'", f"set {param.name}: {param.doc}"
                    )
                )
            else:
                resolved[param.name] = param.default
            continue
        try:
            resolved[param.name] = check_value(param, given[param.name])
        except ParamValueError as exc:
            problems.append(Problem(where, exc.message, exc.hint))
    return resolved, problems


def _known(names: list[str]) -> str:
    return "known parameters: " + ", ".join(names) if names else "it takes no parameters"


def unknown_type(kind: str, value: str, known: Iterable[str]) -> tuple[str, str]:
    """Message and hint for a type name that is not in the registry."""
    known = list(known)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
    lower = {k.lower(): k for k in known}
    if value.lower() in lower:
        close = [lower[value.lower()]]
    hint = f"did you mean '{close[0]}'?" if close else "choose one of: " + ", ".join(known)
    return f"unknown {kind} '{value}'", hint
