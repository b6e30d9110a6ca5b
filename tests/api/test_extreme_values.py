"""Extreme numbers and hostile unicode in every parameter of every block and component.

Whatever the value, /api/validate and /api/generate answer 200 or 422 (never 5xx) and
`torchcanvas validate` / `generate` exit 0 or 2 (never 1, never a traceback). The values
are sent as JSON text, so 400-digit integers and 1e400 (which parses as infinity) arrive
exactly as an attacker would send them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.cli import main as cli
from codegen.registry import (
    AUGMENTATION_TYPES,
    BLOCKS,
    DATASET_KINDS,
    INIT_TYPES,
    LOSS_TYPES,
    OPTIMIZER_TYPES,
    SCHEDULER_TYPES,
    TRAINING_FIELDS,
)
from tests.conftest import load_example

LITERALS = [
    "1" + "0" * 400,
    "-" + "9" * 400,
    "1e400",
    "-1e400",
    "1e-400",
    "9223372036854775808",
    "18446744073709551616",
    "1.7976931348623157e308",
    "5e-324",
    "-0.0",
    '"\\ud800"',
    '"a\\udfff b"',
    '"\\u0000"',
    '"\\u202e\\u2028\\ufeff"',
    '"' + "\\ud83d\\ude00" * 300 + '"',
    "[1e400]",
    '["\\ud800"]',
    "[" + "1" * 400 + ", 2]",
    "true",
    "1.0",
    "{}",
]
"""JSON texts: numbers beyond every range, lone surrogates, NUL, bidi controls, lists."""

MARK = "@@literal@@"


def base(kind: str, name: str) -> dict[str, Any]:
    """A spec that uses the block or component `name` of `kind` ("block", "loss", ...)."""
    spec = load_example("lenet-batchnorm")
    if kind == "block":
        spec["input"] = {"shape": [3, 16, 16]}
        spec["nodes"] = [{"id": "n", "type": name, "params": {}}]
        spec.pop("edges", None)
        spec.pop("output", None)
        spec.pop("training")
    elif kind == "dataset":
        spec["training"]["dataset"] = {"kind": name, "params": {}}
    elif kind == "augmentation":
        spec["training"]["augmentations"] = [{"type": name, "params": {}}]
    elif kind == "training":
        pass
    else:
        spec["training"][kind] = {"type": name, "params": {}}
    return spec


def params_of(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind == "block":
        return spec["nodes"][0]["params"]  # type: ignore[no-any-return]
    if kind == "training":
        return spec["training"]  # type: ignore[no-any-return]
    if kind == "augmentation":
        return spec["training"]["augmentations"][0]["params"]  # type: ignore[no-any-return]
    return spec["training"][kind]["params"]  # type: ignore[no-any-return]


TARGETS = (
    [("block", b.type, p.name) for b in BLOCKS.values() for p in b.params]
    + [("loss", c.type, p.name) for c in LOSS_TYPES.values() for p in c.params]
    + [("optimizer", c.type, p.name) for c in OPTIMIZER_TYPES.values() for p in c.params]
    + [("scheduler", c.type, p.name) for c in SCHEDULER_TYPES.values() for p in c.params]
    + [("init", c.type, p.name) for c in INIT_TYPES.values() for p in c.params]
    + [("dataset", c.type, p.name) for c in DATASET_KINDS.values() for p in c.params]
    + [("augmentation", c.type, p.name) for c in AUGMENTATION_TYPES.values() for p in c.params]
    + [("training", "", p.name) for p in TRAINING_FIELDS]
)


def body_with(kind: str, name: str, param: str, literal: str) -> str:
    spec = base(kind, name)
    params_of(spec, kind)[param] = MARK
    return json.dumps(spec).replace(json.dumps(MARK), literal)


def check_api(client: Any, body: str) -> None:
    """validate, and generate where validate finds the spec valid (else both say 422)."""
    for url in ("/api/validate", "/api/generate?format=json"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code in (200, 400, 422), (url, body[:300], response.data[:500])
        if response.status_code != 200:
            errors = response.get_json()["errors"]
            assert errors and all(e["message"] for e in errors)
            return


def check_cli(tmp_path: Path, body: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(body, encoding="utf-8")
    assert cli(["validate", str(spec)]) in (0, 2)
    assert cli(["generate", str(spec), "-o", str(tmp_path / "out")]) in (0, 2)


def test_every_parameter_is_reached() -> None:
    assert len(TARGETS) > 100
    assert {kind for kind, _, _ in TARGETS} == {
        "block", "loss", "optimizer", "scheduler", "init", "dataset", "augmentation", "training"
    }  # fmt: skip


@pytest.mark.parametrize("literal", LITERALS, ids=range(len(LITERALS)))
def test_each_extreme_value_in_every_parameter_gives_no_5xx(client, literal) -> None:
    for kind, name, param in TARGETS:
        check_api(client, body_with(kind, name, param, literal))


def test_each_extreme_value_in_every_parameter_exits_0_or_2(tmp_path, capsys) -> None:
    for kind, name, param in TARGETS:
        for literal in ("1" + "0" * 400, "1e400", '"\\ud800"', '"\\u0000"'):
            check_cli(tmp_path, body_with(kind, name, param, literal))
    capsys.readouterr()


def test_extreme_values_outside_parameters(client, tmp_path, capsys) -> None:
    """The same values in the spec's own fields: layout, shape, name, tags, version, ids."""
    places = [
        ("layout", lambda s: s.setdefault("layout", {}).setdefault("conv1", {}), "x"),
        ("input shape", lambda s: s["input"], "shape"),
        ("name", lambda s: s, "name"),
        ("description", lambda s: s, "description"),
        ("version", lambda s: s, "version"),
        ("label", lambda s: s["nodes"][0], "label"),
        ("id", lambda s: s["nodes"][0], "id"),
        ("early stopping", lambda s: s["training"].setdefault("early_stopping", {}), "patience"),
        ("exempt", lambda s: s["training"]["optimizer"], "exempt_bias_and_norm"),
    ]
    for _, where, key in places:
        for literal in LITERALS:
            spec = load_example("lenet-batchnorm")
            where(spec)[key] = MARK
            body = json.dumps(spec).replace(json.dumps(MARK), literal)
            check_api(client, body)
            if literal in ("1e400", '"\\ud800"'):
                check_cli(tmp_path, body)
    capsys.readouterr()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**450), max_value=10**450)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from(TARGETS),
    value=JSON_VALUES,
    literal=st.sampled_from(LITERALS),
    use_literal=st.booleans(),
)
def test_random_values_in_random_parameters_give_no_5xx(
    client, target, value, literal, use_literal
) -> None:
    kind, name, param = target
    spec = base(kind, name)
    params_of(spec, kind)[param] = MARK if use_literal else copy.deepcopy(value)
    # surrogates are what hypothesis' text() can make too: send them as \\u escapes
    body = json.dumps(spec).replace(json.dumps(MARK), literal)
    check_api(client, body)
