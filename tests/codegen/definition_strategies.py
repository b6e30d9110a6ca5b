"""Random definitions for valid specs: a piece of graph grown like the graph around it, put
in `modules`, and used there as an instance (sometimes repeated, sometimes twice side by
side, sometimes inside another definition).

Some of the piece's parameter values become expressions of declared parameters that give
the same values for the instance (`planes * 2 + 1` with planes 3 for a 7), so the shapes
the builder tracked still hold.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from codegen.registry import BLOCKS
from codegen.registry.base import Expression

MAX_DEPTH = 2
DEFINITION_NAMES = ("Block", "Residual", "Stage", "Unit", "Cell")
INPUT_NAMES = ("x", "x", "inp", "features")


def _int_expression(draw: Any, name: str, value: int, target: int) -> str:
    """An expression of the parameter `name` (whose value is `value` >= 1) equal to `target`."""
    forms = [f"{target + value} - {name}"]
    if target >= 0:
        forms.append(f"{name} * {target // value} + {target % value}")
    if target >= value:
        forms += [f"{name} % {value + 1} + {target - value}", f"({name} + {target}) - {name}"]
    if target == value:
        forms.append(name)
    return draw(st.sampled_from(forms))


def _declared_kind(node_type: str, param: str, modules: dict[str, Any]) -> dict[str, Any] | None:
    """How a parameter of a block or an instance may be declared in a definition, or None
    when it must stay a value (it is used in forward)."""
    block = BLOCKS.get(node_type)
    if block is None:
        declared = modules[node_type]["params"].get(param)
        return {"kind": declared["kind"], "choices": declared.get("choices")} if declared else None
    found = block.param(param)
    if found is None or found.in_forward or isinstance(block.emission, Expression):
        return None
    return {"kind": found.kind, "choices": list(found.choices) if found.choices else None}


def parametrise(
    draw: Any, nodes: list[dict[str, Any]], modules: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn some parameter values of `nodes` (in place) into expressions; returns the declared
    parameters and the instance's values for them."""
    declared: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for node in nodes:
        for name, value in list(node.get("params", {}).items()):
            kind = _declared_kind(node["type"], name, modules)
            if kind is None or draw(st.integers(0, 2)) != 0:
                continue
            param = f"p{len(declared)}"
            if isinstance(value, bool) and kind["kind"] == "bool":
                declared[param] = {"kind": "bool", "default": draw(st.booleans())}
                values[param], expression = value, param
            elif isinstance(value, int) and not isinstance(value, bool):
                instance = draw(st.integers(1, 6))
                declared[param] = {"kind": "int", "default": draw(st.integers(1, 6)), "min": 1}
                values[param] = instance
                expression = _int_expression(draw, param, instance, value)
            elif isinstance(value, float) and kind["kind"] == "float":
                declared[param] = {"kind": "float", "default": 0.5, "doc": "a float"}
                values[param], expression = value, param
            elif isinstance(value, str) and kind["choices"]:
                declared[param] = {"kind": "choice", "default": value, "choices": kind["choices"]}
                values[param], expression = value, param
            else:
                continue
            node["params"][name] = {"expr": expression}
    return declared, values


def instance(builder: Any, source: str, layer: Any, stack: Any) -> str:
    """A new definition grown on `source`'s shape with `stack` and `layer`, and an instance
    of it (or two side by side, added) fed from `source`; returns the node that ends it."""
    draw = builder.draw
    shape = builder.shapes[source]
    name = f"{draw(st.sampled_from(DEFINITION_NAMES))}{len(builder.modules)}"
    builder.modules[name] = {}  # taken, before the definitions inside it are named
    input_name = draw(st.sampled_from(INPUT_NAMES))
    inner = builder.nested(input_name, shape)
    end = stack(inner, input_name, layer, draw(st.integers(1, 3)))
    if inner.shapes[end] == shape and draw(st.booleans()):  # a residual block
        end = inner.add([end, input_name], "Add", {}, shape)
        inner.merged = True
    params, values = parametrise(draw, inner.nodes, builder.modules)
    definition: dict[str, Any] = {"params": params, "nodes": inner.nodes}
    if input_name != "x" or draw(st.booleans()):
        definition["inputs"] = [input_name]
    if inner.merged or draw(st.booleans()):
        definition["edges"] = inner.edges
        if draw(st.booleans()):
            definition["output"] = end
    if draw(st.integers(0, 3)) == 0:
        definition["description"] = draw(st.sampled_from(["A block.", 'Say "hi" \\ """']))
    builder.modules[name] = definition
    out = inner.shapes[end]
    given = {k: v for k, v in values.items() if v != params[k]["default"] or draw(st.booleans())}
    repeat = draw(st.integers(1, 3)) if out == shape else 1
    first = builder.add([source], name, given, out)
    if repeat > 1:
        builder.nodes[-1]["repeat"] = repeat
    elif out == shape and draw(st.integers(0, 3)) == 0:  # the same definition twice
        second = builder.add([source], name, given, out)
        builder.merged = True
        return builder.add([first, second], "Add", {}, out)
    return first


def nestable(builder: Any) -> bool:
    return builder.depth < MAX_DEPTH
