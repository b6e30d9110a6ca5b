"""The built-in library of definitions (examples/library, `library` in the catalog): each
entry analyses and builds on its sample input, and the ResNet, squeeze-excitation and
MobileNetV2 blocks compute exactly what torchvision's own modules compute."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from codegen_support import import_file, write_project

from codegen.analysis import analyze
from codegen.library import library_entries, library_spec
from codegen.registry.catalog import build_catalog
from codegen.render import generate

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
from torch import nn  # noqa: E402
from torchvision.models.mobilenetv2 import InvertedResidual  # noqa: E402
from torchvision.models.resnet import BasicBlock, Bottleneck  # noqa: E402
from torchvision.ops import SqueezeExcitation  # noqa: E402

ENTRIES = {entry["name"]: entry for entry in library_entries()}
DOWNSAMPLE = {".downsample.0.": ".downsample.", ".downsample.1.": ".downsample_bn."}
MOBILENET = {
    ".conv.0.0.": ".expand.",
    ".conv.0.1.": ".expand_bn.",
    ".conv.1.0.": ".depthwise.",
    ".conv.1.1.": ".depthwise_bn.",
    ".conv.2.": ".project.",
    ".conv.3.": ".project_bn.",
}


def projection(inputs: int, outputs: int, stride: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs)
    )


TORCHVISION: dict[str, tuple[Callable[[], nn.Module], dict[str, str]]] = {
    "BasicBlock": (lambda: BasicBlock(64, 64), {}),
    "DownsampleBlock": (lambda: BasicBlock(64, 128, 2, projection(64, 128, 2)), DOWNSAMPLE),
    "Bottleneck": (lambda: Bottleneck(256, 64), {}),
    "DownsampleBottleneck": (lambda: Bottleneck(64, 64, 1, projection(64, 256, 1)), DOWNSAMPLE),
    "SqueezeExcitation": (lambda: SqueezeExcitation(64, 16), {}),
    "InvertedResidual": (lambda: InvertedResidual(32, 32, 1, 6), MOBILENET),
}


def test_the_library_has_the_common_blocks() -> None:
    assert set(ENTRIES) == {*TORCHVISION, "TransformerBlock"}
    catalog = build_catalog().model_dump(mode="json")
    assert [e["name"] for e in catalog["library"]] == sorted(ENTRIES)
    for entry in catalog["library"]:  # served as data a spec takes as it is
        spec = library_spec(entry)
        assert analyze(spec).valid, entry["name"]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_definition_builds_with_the_inferred_shape_and_count(
    name: str, tmp_path: Path
) -> None:
    entry = ENTRIES[name]
    assert entry["definition"]["description"] and entry["doc"] and entry["title"]
    spec = library_spec(entry)
    analysis = analyze(spec)
    assert analysis.valid, analysis.problems
    files = generate(spec)
    assert f"class {name}(nn.Module):" in files["model.py"]
    folder = write_project({"model.py": files["model.py"]}, tmp_path)
    model = import_file(folder / "model.py").build_model().eval()
    with torch.no_grad():
        out = model(torch.randn(2, *entry["input"]["shape"]))
    assert tuple(out.shape) == (2, *analysis.output_shape)
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params


def _renamed(key: str, names: dict[str, str]) -> str:
    key = "block." + key
    for theirs, ours in names.items():
        key = key.replace(theirs, ours)
    return key


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_definition_computes_what_torchvision_computes(name: str, tmp_path: Path) -> None:
    entry = ENTRIES[name]
    factory, names = TORCHVISION[name]
    torch.manual_seed(0)
    reference = factory().eval()
    folder = write_project({"model.py": generate(library_spec(entry))["model.py"]}, tmp_path)
    model: Any = import_file(folder / "model.py").build_model().eval()
    state = {_renamed(k, names): v for k, v in reference.state_dict().items()}
    assert set(state) == set(model.state_dict())
    model.load_state_dict(state)
    x = torch.randn(2, *entry["input"]["shape"])
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x))
