"""Definitions by hand (docs/spec.md, "Reusable blocks"): the classes model.py gets, what
their instances infer, and the problems of recursive or broken definitions, each at its
place in the spec and naming the instances it was found in."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from codegen_support import import_file, write_project

from codegen import expressions
from codegen.analysis import analyze
from codegen.definitions import MAX_EXPANDED_NODES, graph_size
from codegen.expressions import ExprError
from codegen.render import generate
from tests.conftest import load_example

torch = pytest.importorskip("torch")


def edges(*pairs: str) -> list[dict[str, str]]:
    return [{"source": a, "target": b} for a, b in (p.split(">") for p in pairs)]


SQUEEZE = {
    "params": {"channels": {"kind": "int", "default": 8}, "reduction": {"kind": "int", "default": 4}},
    "nodes": [
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
        {"id": "fc1", "type": "Conv2d", "params": {"out_channels": {"expr": "channels // reduction"}, "kernel_size": 1}},
        {"id": "act", "type": "ReLU"},
        {"id": "fc2", "type": "Conv2d", "params": {"out_channels": {"expr": "channels"}, "kernel_size": 1}},
        {"id": "gate", "type": "Sigmoid"},
        {"id": "scale", "type": "Multiply"},
    ],
    "edges": edges("x>pool", "pool>fc1", "fc1>act", "act>fc2", "fc2>gate", "x>scale", "gate>scale"),
}  # fmt: skip
BOTTLENECK = {
    "description": "A bottleneck with squeeze-excitation before the residual sum.",
    "params": {"planes": {"kind": "int", "default": 4, "min": 1}},
    "nodes": [
        {"id": "reduce", "type": "Conv2d", "params": {"out_channels": {"expr": "planes"}, "kernel_size": 1}},
        {"id": "conv", "type": "Conv2d", "params": {"out_channels": {"expr": "planes"}, "kernel_size": 3, "padding": 1}},
        {"id": "expand", "type": "Conv2d", "params": {"out_channels": {"expr": "planes * 4"}, "kernel_size": 1}},
        {"id": "se", "type": "Squeeze", "params": {"channels": {"expr": "planes * 4"}, "reduction": 2}},
        {"id": "add", "type": "Add"},
    ],
    "edges": edges("x>reduce", "reduce>conv", "conv>expand", "expand>se", "se>add", "x>add"),
}  # fmt: skip


def model(
    nodes: list[dict[str, Any]], modules: dict[str, Any], shape: list[int], **more: Any
) -> dict[str, Any]:
    return {"name": "Nested", "input": {"shape": shape}, "modules": modules, "nodes": nodes, **more}


def nested() -> dict[str, Any]:
    return model(
        [
            {"id": "stem", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 1}},
            {"id": "blocks", "type": "Bottleneck", "params": {"planes": 4}, "repeat": 2},
            {"id": "flat", "type": "Flatten"},
        ],
        {"Squeeze": copy.deepcopy(SQUEEZE), "Bottleneck": copy.deepcopy(BOTTLENECK)},
        [3, 6, 6],
    )


def problems(spec: dict[str, Any]) -> dict[str, str]:
    analysis = analyze(spec)
    assert not analysis.valid
    return {p.path: p.message for p in analysis.problems}


def built(spec: dict[str, Any], folder: Path) -> Any:
    files = generate(spec)
    write_project({"model.py": files["model.py"]}, folder)
    return files["model.py"], import_file(folder / "model.py").build_model().eval()


# ---------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("text", "value"),
    [("planes", 3), ("planes * 4", 12), ("(planes + 1) // 2 % 3", 2), ("-planes + 10", 7)],
)
def test_expressions_are_integer_arithmetic_of_parameters(text: str, value: int) -> None:
    assert expressions.evaluate(expressions.parse(text), {"planes": 3}) == value


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "planes.bit_length()",
        "planes / 2",
        "planes ** 2",
        "[planes]",
        "lambda: 1",
        "planes if planes else 1",
        "2.5",
        "True",
        "'a'",
        "_secret",
        "planes; 1",
        "(" * 300 + "1" + ")" * 300,
        "",
    ],
)
def test_anything_else_is_refused_without_evaluating_it(text: str) -> None:
    with pytest.raises(ExprError) as raised:
        expressions.parse(text)
    assert raised.value.message and raised.value.hint


def test_a_division_by_zero_is_an_error_not_an_exception() -> None:
    with pytest.raises(ExprError, match="divides by zero"):
        expressions.evaluate(expressions.parse("4 // (planes - planes)"), {"planes": 3})


# ---------------------------------------------------------------- classes


def test_residual_blocks_read_like_torchvision() -> None:
    code = generate(load_example("resnet18"))["model.py"]
    assert "def __init__(self, planes: int = 64) -> None:" in code  # the sum fixes the input
    assert "nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)" in code
    assert "def __init__(self, in_channels: int, planes: int = 128, stride: int = 2)" in code
    assert "self.layer1 = nn.Sequential(*(BasicBlock(planes=64) for _ in range(2)))" in code
    assert "self.layer2_0 = DownsampleBlock(64, planes=128)" in code
    assert "out = out + x" in code
    # a class per definition, each once, before the model's
    assert code.index("class BasicBlock(") < code.index("class DownsampleBlock(")
    assert code.index("class DownsampleBlock(") < code.index("class ResNet18(")
    assert code.count("class BasicBlock(") == 1


def test_nested_definitions_pass_expressions_down(tmp_path: Path) -> None:
    spec = nested()
    analysis = analyze(spec)
    assert analysis.valid, analysis.problems
    code, built_model = built(spec, tmp_path)
    assert "self.se = Squeeze(channels=planes * 4, reduction=2)" in code
    assert "self.reduce = nn.Conv2d(planes * 4, planes, kernel_size=1)" in code
    assert "nn.Conv2d(channels, channels // reduction, kernel_size=1)" in code
    assert code.index("class Squeeze(") < code.index("class Bottleneck(")
    assert sum(p.numel() for p in built_model.parameters()) == analysis.total_params
    with torch.no_grad():
        out = built_model(torch.randn(2, 3, 6, 6))
    assert tuple(out.shape) == (2, *analysis.output_shape) == (2, 16 * 36)
    blocks = analysis.nodes["blocks"]
    assert blocks.param_count == 2 * sum(n.param_count for n in blocks.run.nodes.values())


def test_validate_gives_the_nodes_inside_an_instance() -> None:
    found = analyze(nested()).to_dict()["nodes"]["blocks"]
    assert found["repeat"] == 2 and found["output_shape"] == [16, 6, 6]
    inner = found["inner"]
    assert list(inner) == ["reduce", "conv", "expand", "se", "add"]
    assert inner["expand"]["output_shape"] == [16, 6, 6]
    assert inner["expand"]["resolved_params"]["out_channels"] == 16
    assert inner["se"]["inner"]["fc1"]["output_shape"] == [8, 1, 1]
    assert "inner" not in analyze(nested()).to_dict()["nodes"]["stem"]


def test_norms_inside_definitions_take_no_weight_decay_and_weights_are_initialised() -> None:
    spec = nested()
    del spec["nodes"][0]  # only instances and a Flatten at the top
    spec["input"]["shape"] = [16, 6, 6]
    block = spec["modules"]["Bottleneck"]
    block["nodes"].insert(1, {"id": "norm", "type": "BatchNorm2d"})
    block["edges"][1:2] = edges("reduce>norm", "norm>conv")
    spec["training"] = {
        "dataset": {"kind": "synthetic-classification"},
        "optimizer": {
            "type": "AdamW",
            "params": {"weight_decay": 0.1},
            "exempt_bias_and_norm": True,
        },
        "init": {"type": "kaiming_normal"},
    }
    files = generate(spec)
    assert 'if "bias" in name or isinstance(module, nn.BatchNorm2d):' in files["train.py"]
    assert "if isinstance(module, nn.Conv2d):" in files["model.py"]


def test_a_model_named_like_a_definition_gets_another_class_name() -> None:
    spec = nested()
    spec["name"] = "Bottleneck"
    code = generate(spec)["model.py"]
    assert "class BottleneckModel(nn.Module):" in code
    assert "def build_model() -> BottleneckModel:" in code


def test_an_unused_definition_is_checked_but_not_written() -> None:
    spec = nested()
    spec["modules"]["Spare"] = {"nodes": [{"id": "act", "type": "ReLU"}]}
    assert analyze(spec).valid
    assert "class Spare" not in generate(spec)["model.py"]
    spec["modules"]["Spare"]["nodes"][0]["type"] = "Relu"
    assert problems(spec) == {"/modules/Spare/nodes/0/type": "unknown block type 'Relu'"}


# ---------------------------------------------------------------- problems


def test_a_definition_that_uses_itself_is_located() -> None:
    spec = nested()
    spec["modules"]["Squeeze"]["nodes"][2] = {"id": "act", "type": "Bottleneck"}
    found = problems(spec)  # at the use that closes the loop
    loop = "Squeeze uses itself through Squeeze -> Bottleneck -> Squeeze"
    assert found["/modules/Bottleneck/nodes/3/type"] == loop
    assert "cannot be used" in found["/nodes/1"]
    spec = nested()
    spec["modules"]["Squeeze"]["nodes"][2] = {"id": "act", "type": "Squeeze"}
    assert problems(spec)["/modules/Squeeze/nodes/2/type"] == "Squeeze uses itself"


def test_a_problem_inside_instances_points_into_the_definition_and_names_them() -> None:
    spec = nested()
    spec["nodes"].insert(1, {"id": "wide", "type": "Bottleneck", "params": {"planes": 1}})
    spec["modules"]["Squeeze"]["params"]["reduction"]["default"] = 4
    spec["modules"]["Bottleneck"]["nodes"][3]["params"]["reduction"] = 64  # 16 // 64 = 0
    spec["nodes"][0]["params"]["out_channels"] = 4
    found = problems(spec)
    inside = "/modules/Squeeze/nodes/1/params/out_channels"
    assert re.search(r"must be at least 1, got 0 \(from channels // reduction = 0\)", found[inside])
    assert found[inside].endswith("(in instance wide.se)")
    assert found["/modules/Bottleneck/nodes/3"].startswith("inside Squeeze:")
    assert found["/nodes/1"].startswith("inside Bottleneck: 'out_channels' must be at least 1")


def test_the_same_problem_in_several_instances_is_reported_once() -> None:
    spec = nested()
    spec["modules"]["Bottleneck"]["nodes"][1]["params"]["kernel_size"] = 9
    spec["modules"]["Bottleneck"]["nodes"][1]["params"]["padding"] = 0
    spec["nodes"].insert(1, {"id": "first", "type": "Bottleneck", "params": {"planes": 4}})
    analysis = analyze(spec)
    inside = [p for p in analysis.problems if p.path.startswith("/modules/")]
    assert len(inside) == 1
    assert inside[0].path == "/modules/Bottleneck/nodes/1/params/kernel_size"
    assert inside[0].message.endswith("(in instance first)")


def test_a_repeat_must_give_back_its_input() -> None:
    spec = load_example("resnet18")
    spec["nodes"][5]["repeat"] = 2  # layer2_0 halves the size and doubles the channels
    found = problems(spec)
    assert "turns (64, 56, 56) into (128, 28, 28)" in found["/nodes/5/repeat"]
    spec = load_example("resnet18")
    spec["nodes"][0]["repeat"] = 3
    assert "repeat applies to instances" in problems(spec)["/nodes/0/repeat"]


@pytest.mark.parametrize(
    ("node", "param", "text"),
    [
        (
            {"id": "attn", "type": "MultiheadAttention", "params": {"num_heads": 1}},
            "causal",
            "flag",
        ),
        ({"id": "mean", "type": "Mean"}, "dim", "axis"),
    ],
)
def test_what_forward_uses_cannot_come_from_a_parameter(
    node: dict[str, Any], param: str, text: str
) -> None:
    node = {**node, "params": {**node.get("params", {}), param: {"expr": text}}}
    spec = model(
        [{"id": "block", "type": "Seq"}],
        {"Seq": {"params": {text: {"kind": "int", "default": 1}}, "nodes": [node]}},
        [4, 8],
    )
    message = problems(spec)[f"/modules/Seq/nodes/0/params/{param}"]
    assert "is used in forward()" in message


def test_expressions_outside_definitions_are_refused() -> None:
    spec = load_example("digits-mlp")
    spec["nodes"][0]["params"]["out_features"] = {"expr": "128"}
    assert "inside definitions only" in problems(spec)["/nodes/0/params/out_features"]


def test_instances_that_would_need_two_classes_are_a_problem() -> None:
    """Attention from a query to a memory of its own width needs no `kdim`; to a narrower
    memory it does: one class cannot serve both."""
    attend = {
        "inputs": ["query", "memory"],
        "nodes": [{"id": "attn", "type": "MultiheadAttention", "params": {"num_heads": 1}}],
        "edges": edges("query>attn", "memory>attn"),
    }
    spec = model(
        [
            {"id": "narrow", "type": "Linear", "params": {"out_features": 3}},
            {"id": "copy", "type": "Identity"},
            {"id": "same", "type": "Attend"},
            {"id": "other", "type": "Attend"},
        ],
        {"Attend": attend},
        [5, 4],
        edges=edges(
            "input>narrow", "input>copy", "input>same", "copy>same", "same>other", "narrow>other"
        ),
    )
    message = problems(spec)["/modules/Attend"]
    assert message.startswith("the instances of Attend need different code")
    assert "memory_embed_dim" in message  # the kdim of the narrower memory


def test_instances_and_repeats_count_against_the_size_limit() -> None:
    leaf = {"nodes": [{"id": "act", "type": "ReLU"}]}
    spec = model(
        [{"id": "deep", "type": "Outer", "repeat": 1000}],
        {
            "Leaf": leaf,
            "Inner": {"nodes": [{"id": "leaf", "type": "Leaf", "repeat": 1000}]},
            "Outer": {"nodes": [{"id": "inner", "type": "Inner"}]},
        },
        [4],
    )
    message = problems(spec)["/nodes/0"]
    assert f"more than {MAX_EXPANDED_NODES:,}" in message and "1,000,000" in message
    nodes, wires = graph_size(spec)
    assert nodes == 1000 * 1000 and wires >= nodes - 3
    assert graph_size(load_example("resnet18"))[0] == 4 + 2 * 7 + 3 * (9 + 7) + 3
    assert graph_size({"modules": {"A": {"nodes": [{"type": "A"}]}}, "nodes": [{"type": "A"}]})
