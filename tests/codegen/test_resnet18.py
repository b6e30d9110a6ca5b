"""The ResNet-18 example, built from BasicBlock and DownsampleBlock instances, is
torchvision's resnet18(): the same parameter count, and the same outputs once torchvision's
weights are copied over (its keys renamed where the example names things differently)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from codegen_support import import_file, write_project

from codegen.analysis import analyze
from codegen.render import generate
from tests.conftest import load_example

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")


def example_key(key: str) -> str:
    """torchvision's state_dict key -> the example's: `layer2.0.` is the node `layer2_0`
    (layer1 is one node, a repeat, so it keeps torchvision's `layer1.0.`), and a
    downsample's convolution and BatchNorm are the nodes `downsample` and `downsample_bn`."""
    key = re.sub(r"^layer([234])\.([01])\.", r"layer\1_\2.", key)
    return key.replace(".downsample.0.", ".downsample.").replace(
        ".downsample.1.", ".downsample_bn."
    )


def test_resnet18_example_is_torchvisions_resnet18(tmp_path: Path) -> None:
    spec = load_example("resnet18")
    analysis = analyze(spec)
    assert analysis.valid, analysis.problems
    assert len(spec["nodes"]) <= 15
    assert {n["type"] for n in spec["nodes"]} >= {"BasicBlock", "DownsampleBlock"}

    reference = torchvision.models.resnet18().eval()
    folder = write_project({"model.py": generate(spec)["model.py"]}, tmp_path)
    model = import_file(folder / "model.py").build_model().eval()
    count = sum(p.numel() for p in reference.parameters())
    assert count == 11_689_512
    assert analysis.total_params == count
    assert sum(p.numel() for p in model.parameters()) == count

    state = {example_key(k): v for k, v in reference.state_dict().items()}
    assert set(state) == set(model.state_dict())
    model.load_state_dict(state)
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-5)
