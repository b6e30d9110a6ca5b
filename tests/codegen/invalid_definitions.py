"""Mutations that break the definitions of a valid spec (`test_invalid_specs.py`): recursion,
broken nodes inside, bad expressions (code injection among them), bad repeats, bad
declarations, names and inputs, and garbage in `modules`."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

BAD_EXPRESSIONS = (
    "",
    "   ",
    "plns",
    "p0 / 2",
    "p0 ** 2",
    "__import__('os').system('touch /tmp/pwned')",
    "p0.real",
    "[p0]",
    "p0 if p0 else 1",
    "lambda: 1",
    "(" * 300,
    "1e400",
    "2.5",
    "True",
    "'a'",
    "p0 // 0",
    "7 % (p0 - p0)",
    "99999999 * 99999999 * 99999999",
    "_in0_0",
    "p0; import os",
    "p0\n+1",
    "f'{p0}'",
)
BAD_EXPRESSION_OBJECTS = ({"expr": 5}, {"expr": None}, {"expr": ["p0"]}, {"expr": "p0", "x": 1})
BAD_REPEATS = (0, -1, "2", 2.5, True, None, 10**6, 1001, 2)
BAD_DECLARATIONS = (
    {"kind": "tensor", "default": 1},
    {"kind": "int", "default": "8"},
    {"kind": "int", "default": 0, "min": 1},
    {"kind": "int"},
    {"kind": "bool", "default": True, "min": 0},
    {"kind": "int", "default": 1, "choices": [1, 2]},
    {"kind": "choice", "default": "a"},
    {"kind": "choice", "default": "c", "choices": ["a", "b"]},
    {"kind": "choice", "default": "a", "choices": [["a"]]},
    {"kind": "float", "default": float("inf")},
    {"kind": "int", "default": 1, "extra": True},
    "int",
)
BAD_NAMES = ("block", "Linear", "Tensor", "", "A/B~C", "None", "Exception", "B" * 65, "1Block")
BAD_PARAM_NAMES = ("input", "self", "Planes", "_p", "class", "range", "nn", "x", "a-b")
BAD_INPUTS = ([], ["1x"], ["x", "x"], "x", ["self"], ["x", "unused"], [5])


def _instances(spec: dict[str, Any]) -> list[dict[str, Any]]:
    modules = spec["modules"]
    graphs = [spec["nodes"], *(d["nodes"] for d in modules.values())]
    return [n for nodes in graphs for n in nodes if isinstance(n, dict) and n["type"] in modules]


def mutate_definitions(draw: Any, spec: dict[str, Any]) -> bool:
    """Break one thing about the spec's definitions; False when it has none."""
    modules = spec.get("modules")
    if not modules:
        return False
    name = draw(st.sampled_from(sorted(modules)))
    definition = modules[name]
    nodes = definition["nodes"]
    node = draw(st.sampled_from(nodes))
    mutation = draw(
        st.sampled_from(
            [
                "uses_itself",
                "uses_each_other",
                "unknown_inner_type",
                "bad_expression",
                "bad_expression_object",
                "expression_outside",
                "bad_repeat",
                "bad_declaration",
                "bad_param_name",
                "bad_name",
                "bad_inputs",
                "extra_instance_edge",
                "inner_cycle",
                "garbage",
            ]
        )
    )
    if mutation == "uses_each_other" and len(modules) > 1:
        other = draw(st.sampled_from(sorted(set(modules) - {name})))
        node["type"] = other
        draw(st.sampled_from(modules[other]["nodes"]))["type"] = name
    elif mutation == "unknown_inner_type":
        node["type"] = draw(st.sampled_from(["Conv4d", "block", "__import__('os')", "Model"]))
    elif mutation == "bad_expression":
        params = node.setdefault("params", {})
        target = draw(st.sampled_from(sorted(params) or ["out_features"]))
        params[target] = {"expr": draw(st.sampled_from(BAD_EXPRESSIONS))}
    elif mutation == "bad_expression_object":
        params = node.setdefault("params", {})
        target = draw(st.sampled_from(sorted(params) or ["out_features"]))
        params[target] = draw(st.sampled_from(BAD_EXPRESSION_OBJECTS))
    elif mutation == "expression_outside":
        top = draw(st.sampled_from(spec["nodes"]))
        top.setdefault("params", {})["p0"] = {"expr": "p0"}
    elif mutation == "bad_repeat":
        target = draw(st.sampled_from(_instances(spec) or nodes))
        target["repeat"] = draw(st.sampled_from(BAD_REPEATS))
        if target["repeat"] == 2 and target["type"] in modules:
            _widen(modules[target["type"]])
    elif mutation == "bad_declaration":
        params = definition.setdefault("params", {})
        target = draw(st.sampled_from(sorted(params) or ["p0"]))
        params[target] = draw(st.sampled_from(BAD_DECLARATIONS))
    elif mutation == "bad_param_name":
        params = definition.setdefault("params", {})
        params[draw(st.sampled_from(BAD_PARAM_NAMES))] = {"kind": "int", "default": 1}
    elif mutation == "bad_name":
        modules[draw(st.sampled_from(BAD_NAMES))] = modules.pop(name)
    elif mutation == "bad_inputs":
        definition["inputs"] = draw(st.sampled_from(BAD_INPUTS))
    elif mutation == "extra_instance_edge" and any(n["type"] in modules for n in spec["nodes"]):
        target = draw(st.sampled_from([n for n in spec["nodes"] if n["type"] in modules] or nodes))
        spec.setdefault("edges", None)
        if spec["edges"] is None:
            ids = ["input", *(n["id"] for n in spec["nodes"])]
            spec["edges"] = [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]
        spec["edges"].append({"source": "input", "target": target["id"]})
    elif mutation == "garbage":
        modules[name] = draw(st.sampled_from([[], "x", 5, {}, {"nodes": []}, {"nodes": "x"}]))
    elif mutation == "inner_cycle":
        first = definition.get("inputs", ["x"])[0]
        if definition.get("edges") is None:
            ids = [first, *(n["id"] for n in nodes)]
            definition["edges"] = [
                {"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)
            ]
        definition["edges"].append({"source": nodes[-1]["id"], "target": nodes[0]["id"]})
    else:  # the chosen mutation does not apply here: a definition that uses itself does
        node["type"] = name
    return True


def _widen(definition: dict[str, Any]) -> None:
    """A Linear of 97 features after the definition's output: it no longer fits its input."""
    nodes = definition["nodes"]
    output = definition.get("output") or nodes[-1]["id"]
    nodes.append({"id": "widen", "type": "Linear", "params": {"out_features": 97}})
    definition["output"] = "widen"
    if definition.get("edges") is not None:
        definition["edges"].append({"source": output, "target": "widen"})
    else:  # a stack in list order: the new node comes after the last
        definition["output"] = "widen"
