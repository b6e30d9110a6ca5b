"""Random *invalid* specs (mutations of valid ones, their definitions too, and JSON garbage)
must never make `analyze()` raise; every problem must carry a JSON pointer into the
submitted document (or to a missing field of an existing object) and a message.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from codegen_support import parent_pointer, resolve_pointer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invalid_definitions import mutate_definitions
from spec_builder import valid_specs

from codegen.analysis import analyze
from codegen.registry import BLOCKS

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)

BAD_IDS = (
    "class",
    "def",
    "match",
    "forward",
    "self",
    "input",
    "x",
    "torch",
    "parameters",
    "training",
    "1abc",
    "a-b",
    "a b",
    "",
    "é",
    "_private",
    "__init__",
    "a" * 65,
    "x; import os",
    "a\nimport os",
)
UNKNOWN_TYPES = ("Conv4d", "linear", "Linearr", "", "nn.Linear", "Transformer", "__import__('os')")
# Values no parameter of the kind accepts.
BAD_VALUES = {
    "int": ["8", 2.5, True, None, [], {"a": 1}, 10**12, float("nan"), float("inf")],
    "float": ["0.1", True, None, [], float("nan"), float("inf"), -float("inf"), 1e12],
    "bool": ["true", 1, 0, None, []],
    "choice": ["no such choice", 1, True, None],
    "int_tuple": ["3", [1, 2, 3, 4, 5], -5, 2.5, None, {}, [True, 1]],
    "int_list": [[], "x", [0], [1.5], None, 7],
    "float_tuple": [[0.1], "x", None],
}


INFERRED_NAMES = {
    "Linear": "in_features",
    "Conv1d": "in_channels",
    "Conv2d": "in_channels",
    "ConvTranspose2d": "in_channels",
    "GroupNorm": "num_channels",
    "BatchNorm1d": "num_features",
    "BatchNorm2d": "num_features",
    "InstanceNorm1d": "num_features",
    "InstanceNorm2d": "num_features",
}
WINDOWED = ("Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")


def _materialise_edges(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(spec.get("edges"), list):
        ids = ["input", *(n["id"] for n in spec["nodes"])]
        spec["edges"] = [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]
    return spec["edges"]


def _output_id(spec: dict[str, Any]) -> str:
    analysis = analyze(copy.deepcopy(spec))
    assert analysis.output is not None
    return analysis.output


@st.composite
def mutated_specs(draw: Any) -> dict[str, Any]:
    spec = copy.deepcopy(draw(valid_specs(definitions=draw(st.integers(0, 2)) == 0)))
    nodes = spec["nodes"]
    blocks = [k for k, n in enumerate(nodes) if n["type"] in BLOCKS]
    if not blocks or (spec.get("modules") and draw(st.booleans())):
        assert mutate_definitions(draw, spec)
        return spec
    index = draw(st.sampled_from(blocks))
    node = nodes[index]
    mutation = draw(
        st.sampled_from(
            [
                "unknown_type",
                "type_not_string",
                "bad_param",
                "unknown_param",
                "params_not_object",
                "missing_param",
                "inferred_mismatch",
                "too_large_window",
                "bad_groups",
                "cycle",
                "self_loop",
                "dangling_edge",
                "edge_into_input",
                "duplicate_id",
                "bad_id",
                "missing_field",
                "wrong_type",
                "merge_one_input",
                "two_inputs",
                "loose_end",
                "bad_output",
                "bad_training",
                "garbage_node",
                "garbage_params",
            ]
        )
    )
    block = BLOCKS[node["type"]]
    settable = [p for p in block.params if not p.inferred]
    if mutation == "unknown_type":
        node["type"] = draw(st.sampled_from(UNKNOWN_TYPES))
    elif mutation == "type_not_string":
        node["type"] = draw(st.sampled_from([5, None, [], {}, True]))
    elif mutation == "bad_param" and settable:
        param = draw(st.sampled_from(settable))
        value = draw(st.sampled_from(BAD_VALUES[param.kind]))
        if value is None and param.nullable:
            value = "null is fine here, a string is not"
        node.setdefault("params", {})[param.name] = value
    elif mutation == "unknown_param":
        name = draw(st.sampled_from(["not_a_param", "kernel", "out", "in", "bias_", "~/x"]))
        node.setdefault("params", {})[name] = draw(json_values)
    elif mutation == "params_not_object":
        node["params"] = draw(st.sampled_from([[], "x", 3, [["out_features", 3]]]))
    elif mutation == "missing_param" and any(p.required for p in block.params):
        for param in block.params:
            if param.required:
                node.get("params", {}).pop(param.name, None)
    elif mutation == "inferred_mismatch" and node["type"] in INFERRED_NAMES:
        info = analyze(copy.deepcopy(spec)).nodes[node["id"]]
        name = INFERRED_NAMES
        actual = info.input_shapes[0][-1 if node["type"] == "Linear" else 0]
        node.setdefault("params", {})[name[node["type"]]] = actual + 1
    elif mutation == "too_large_window" and node["type"] in WINDOWED:
        node["params"]["kernel_size"] = 50
        if "Pool" in node["type"]:
            node["params"]["padding"] = 0
    elif mutation == "bad_groups" and node["type"] == "GroupNorm":
        info = analyze(copy.deepcopy(spec)).nodes[node["id"]]
        node["params"]["num_groups"] = info.input_shapes[0][0] + 1
    elif mutation == "cycle":
        output = _output_id(spec)
        edges = _materialise_edges(spec)
        first = next(e["target"] for e in edges if e["source"] == "input")
        edges.append({"source": output, "target": first})
    elif mutation == "self_loop":
        _materialise_edges(spec).append({"source": node["id"], "target": node["id"]})
    elif mutation == "dangling_edge":
        end = draw(st.sampled_from(["source", "target"]))
        edge = {
            "source": node["id"],
            "target": node["id"],
            end: draw(st.sampled_from(["ghost", "", "Input"])),
        }
        _materialise_edges(spec).append(edge)
    elif mutation == "edge_into_input":
        _materialise_edges(spec).append({"source": node["id"], "target": "input"})
    elif mutation == "duplicate_id" and len(nodes) > 1:
        other = draw(st.integers(0, len(nodes) - 1).filter(lambda k: k != index))
        nodes[other]["id"] = node["id"]
    elif mutation == "bad_id":
        new = draw(st.sampled_from(BAD_IDS))
        for edge in spec.get("edges") or []:
            for end in ("source", "target"):
                if edge[end] == node["id"]:
                    edge[end] = new
        if spec.get("output") == node["id"]:
            spec["output"] = new
        node["id"] = new
    elif mutation == "missing_field":
        where = draw(st.sampled_from(["input", "nodes", "shape", "id", "type", "edge"]))
        if where in ("input", "nodes"):
            del spec[where]
        elif where == "shape":
            del spec["input"]["shape"]
        elif where in ("id", "type"):
            del node[where]
        else:
            edge = draw(st.sampled_from(_materialise_edges(spec)))
            del edge[draw(st.sampled_from(["source", "target"]))]
    elif mutation == "wrong_type":
        field, value = draw(
            st.sampled_from(
                [
                    ("input", "x"),
                    ("input", []),
                    ("nodes", {}),
                    ("nodes", []),
                    ("nodes", "x"),
                    ("edges", {}),
                    ("edges", "x"),
                    ("edges", [1]),
                    ("output", 5),
                    ("name", ""),
                    ("name", 5),
                    ("name", "a" * 121),
                    ("version", 2),
                    ("version", "1"),
                    ("format", "other"),
                    ("tags", "x"),
                    ("tags", [1]),
                    ("description", 5),
                    ("training", []),
                    ("layout", []),
                    ("layout", {"n0": "here"}),
                    ("extra_field", 1),
                    ("shape", "3"),
                    ("shape", []),
                    ("shape", [0]),
                    ("shape", [-1]),
                    ("shape", [2.5]),
                    ("shape", ["a"]),
                    ("shape", [1, 2, 3, 4, 5]),
                    ("shape", [float("nan")]),
                    ("shape", [10**6]),
                ]
            )
        )
        if field == "shape":
            spec["input"]["shape"] = value
        else:
            spec[field] = value
    elif mutation == "merge_one_input":
        layers = [n for n in nodes if n["type"] not in BLOCKS or BLOCKS[n["type"]].is_module]
        chosen = draw(st.sampled_from(layers))
        chosen["type"] = draw(st.sampled_from(["Add", "Concat"]))
        chosen.pop("params", None)
    elif mutation == "two_inputs":
        edges = _materialise_edges(spec)
        sources = {e["source"] for e in edges if e["target"] == node["id"]}
        if not BLOCKS[node["type"]].is_module or "input" in sources:
            edges.append({"source": "input", "target": "input"})
        else:
            edges.append({"source": "input", "target": node["id"]})
    elif mutation == "loose_end":
        _materialise_edges(spec).append({"source": "input", "target": "loose"})
        nodes.append({"id": "loose", "type": "ReLU"})
    elif mutation == "bad_output":
        spec["output"] = draw(st.sampled_from(["ghost", "input", "", "x" * 65]))
    elif mutation == "bad_training":
        spec["training"] = draw(
            st.sampled_from(
                [
                    {"epochs": 0},
                    {"batch_size": "64"},
                    {"val_split": float("nan")},
                    {"val_split": 2},
                    {"seed": -1},
                    {"device": "tpu"},
                    {"unknown": 1},
                    {"dataset": {"kind": "nope"}},
                    {"dataset": {"kind": "csv"}},
                    {"dataset": {"kind": "synthetic-regression", "params": {"n_samples": 1}}},
                    {"dataset": {"kind": "synthetic-regression", "params": {"function": "exp"}}},
                    {"loss": {"type": "NopeLoss"}},
                    {"loss": {}},
                    {"optimizer": {"type": "Nope"}},
                    {"optimizer": {"type": "SGD", "params": {"lr": -1}}},
                    {"optimizer": {"type": "SGD", "params": {"lr": float("inf")}}},
                    {"optimizer": {"type": "Adam", "params": {"betas": [0.9]}}},
                    {"scheduler": {"type": "NopeLR"}},
                    {"init": {"type": "nope"}},
                    {"early_stopping": {"patience": 0}},
                    {"augmentations": [{"type": "RandomCrop"}]},
                ]
            )
        )
    elif mutation == "garbage_node":
        nodes[index] = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    elif mutation == "garbage_params":
        names = {p.name for p in block.params}
        node["params"] = draw(
            st.dictionaries(
                st.text(max_size=8).filter(lambda k: k not in names), json_values, min_size=1
            )
        )
    else:
        # the chosen mutation does not apply to this node: an unknown block type does
        node["type"] = "NoSuchBlock"
    return spec


invalid_specs = st.one_of(
    mutated_specs(),
    json_values.filter(lambda v: not isinstance(v, dict)),
    st.dictionaries(st.text(max_size=8), json_values, max_size=5),
)


def _check_problems(document: Any) -> None:
    before = copy.deepcopy(document) if _comparable(document) else None
    analysis = analyze(document)
    assert not analysis.valid
    assert analysis.problems
    for problem in analysis.problems:
        assert isinstance(problem.path, str)
        assert problem.path == "" or problem.path.startswith("/"), problem
        assert problem.message.strip(), problem
        found, _ = resolve_pointer(document, problem.path)
        if found:
            continue
        # a missing field: its parent object must exist ...
        parent_path = parent_pointer(problem.path)
        parent_found, parent = resolve_pointer(document, parent_path)
        if not parent_found and parent_path.endswith("/params"):
            # ... or, for a missing parameter, the owner of the optional `params` object
            parent_found, parent = resolve_pointer(document, parent_pointer(parent_path))
        assert parent_found and isinstance(parent, dict), problem
    if before is not None:
        assert document == before  # analyze() does not change what it is given


def _comparable(value: Any) -> bool:
    """False when the value holds a NaN (NaN != NaN would spoil the equality check)."""
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, list):
        return all(_comparable(v) for v in value)
    if isinstance(value, dict):
        return all(_comparable(v) for v in value.values())
    return True


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=invalid_specs)
def test_invalid_specs_give_located_problems(document: Any) -> None:
    _check_problems(document)


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "spec",
        {},
        {"input": {"shape": [3]}},
        {"nodes": [{"id": "a", "type": "ReLU"}]},
        {  # a (3, 2) output for MSELoss on the default synthetic data: invalid with training
            "input": {"shape": [3, 4]},
            "nodes": [{"id": "fc", "type": "Linear", "params": {"out_features": 2}}],
            "training": {},
        },
        {
            "input": {"shape": [3, 8, 8]},
            "nodes": [
                {
                    "id": "c",
                    "type": "Conv2d",
                    "params": {"out_channels": 2, "kernel_size": 3, "stride": "abc"},
                },
                {"id": "f", "type": "Flatten"},
            ],
        },
    ],
)
def test_hand_written_invalid_documents(document: Any) -> None:
    _check_problems(document)
