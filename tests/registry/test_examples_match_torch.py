"""Every example against a torch module written out by hand, as a PyTorch engineer would.

For each `examples/*.json` the hand-written module below must have the parameter count
and output shape that `codegen.analysis.analyze` reports, and the generated model.py
must match it too: it loads the hand-written state_dict (same layer names, same
parameter shapes) and computes the same outputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from codegen.analysis import analyze
from codegen.render import generate
from tests.codegen.codegen_support import import_file, write_project
from tests.conftest import EXAMPLES


class CifarTutorialNet(nn.Module):
    """The network of PyTorch's "Training a classifier" tutorial."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNetBatchNorm(nn.Module):
    """LeNet-5 with BatchNorm after every convolution and the first hidden Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, kernel_size=5)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.bn3 = nn.BatchNorm1d(120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.bn3(self.fc1(x)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MLP(nn.Module):
    """Linear layers fc1, fc2, ... and `out`, with ReLU (then dropout) after each hidden one."""

    def __init__(self, sizes: list[int], dropout: list[float] | None = None) -> None:
        super().__init__()
        self.hidden = [f"fc{k}" for k in range(1, len(sizes) - 1)]
        self.dropout = dropout or [0.0] * len(self.hidden)
        for name, n_in, n_out in zip(self.hidden, sizes, sizes[1:], strict=False):
            setattr(self, name, nn.Linear(n_in, n_out))
        self.out = nn.Linear(sizes[-2], sizes[-1])

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(x, 1)
        for name, p in zip(self.hidden, self.dropout, strict=True):
            x = F.dropout(F.relu(getattr(self, name)(x)), p, self.training)
        return self.out(x)


class DigitsResNet(nn.Module):
    """A stem convolution, one residual block with GroupNorm, pooling to 2x2, a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.conv_a = nn.Conv2d(16, 16, 3, padding=1)
        self.norm_a = nn.GroupNorm(4, 16)
        self.conv_b = nn.Conv2d(16, 16, 3, padding=1)
        self.norm_b = nn.GroupNorm(4, 16)
        self.classifier = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x: Tensor) -> Tensor:
        skip = F.relu(self.stem(x))
        x = F.relu(self.norm_a(self.conv_a(skip)))
        x = self.norm_b(self.conv_b(x))
        x = F.relu(x + skip)
        x = F.adaptive_avg_pool2d(x, 2).flatten(1)
        return self.classifier(x)


class LSTMClassifier(nn.Module):
    """Byte embeddings, an LSTM, and a classifier on its output at the last step."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(256, 64, padding_idx=0)
        self.lstm = nn.LSTM(64, 128, batch_first=True)
        self.drop = nn.Dropout(0.2)
        self.classifier = nn.Linear(128, 3)

    def forward(self, ids: Tensor) -> Tensor:
        outputs, _ = self.lstm(self.embed(ids))
        return self.classifier(self.drop(outputs[:, -1]))


class DigitsViT(nn.Module):
    """A Vision Transformer on 8x8 images: 2x2 patches, learned positions, two pre-norm
    encoder layers, the mean over the patches, a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.patches = nn.Conv2d(1, 64, kernel_size=2, stride=2)
        self.positions = nn.Embedding(16, 64)  # used through its weight
        for name in ("encoder1", "encoder2"):
            layer = nn.TransformerEncoderLayer(
                64, 4, 128, 0.1, "gelu", batch_first=True, norm_first=True
            )
            setattr(self, name, layer)
        self.norm = nn.LayerNorm(64)
        self.head = nn.Linear(64, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = self.patches(x).flatten(2).transpose(1, 2) + self.positions.weight
        x = self.encoder2(self.encoder1(x))
        return self.head(self.norm(x).mean(dim=1))


class DigitsMobileNet(nn.Module):
    """MobileNetV2's inverted residuals on 8x8 images, written out layer by layer."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(16)
        for k, (inputs, outputs, stride) in enumerate([(16, 16, 1), (16, 32, 2)], start=1):
            setattr(self, f"expand{k}", nn.Conv2d(inputs, 64, 1, bias=False))
            setattr(self, f"expand{k}_bn", nn.BatchNorm2d(64))
            depthwise = nn.Conv2d(64, 64, 3, stride=stride, padding=1, groups=64, bias=False)
            setattr(self, f"depthwise{k}", depthwise)
            setattr(self, f"depthwise{k}_bn", nn.BatchNorm2d(64))
            setattr(self, f"project{k}", nn.Conv2d(64, outputs, 1, bias=False))
            setattr(self, f"project{k}_bn", nn.BatchNorm2d(outputs))
        self.drop = nn.Dropout(0.2)
        self.classifier = nn.Linear(32, 10)

    def inverted_residual(self, x: Tensor, k: int) -> Tensor:
        x = F.relu6(getattr(self, f"expand{k}_bn")(getattr(self, f"expand{k}")(x)))
        x = F.relu6(getattr(self, f"depthwise{k}_bn")(getattr(self, f"depthwise{k}")(x)))
        return getattr(self, f"project{k}_bn")(getattr(self, f"project{k}")(x))

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu6(self.stem_bn(self.stem(x)))
        x = x + self.inverted_residual(x, 1)
        x = self.inverted_residual(x, 2)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(self.drop(x))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock without a downsample: two 3x3 convolutions, added to x."""

    def __init__(self, planes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + x)


class DownsampleBlock(nn.Module):
    """torchvision's BasicBlock with stride 2 and a 1x1 projection of the skip path."""

    def __init__(self, inplanes: int, planes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = nn.Conv2d(inplanes, planes, 1, stride=2, bias=False)
        self.downsample_bn = nn.BatchNorm2d(planes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.downsample_bn(self.downsample(x)))


class ResNet18(nn.Module):
    """ResNet-18 as torchvision builds it, with the example's names for the blocks
    (tests/codegen/test_resnet18.py compares the example with torchvision itself)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(BasicBlock(64), BasicBlock(64))
        for k, (inplanes, planes) in enumerate([(64, 128), (128, 256), (256, 512)], start=2):
            setattr(self, f"layer{k}_0", DownsampleBlock(inplanes, planes))
            setattr(self, f"layer{k}_1", BasicBlock(planes))
        self.fc = nn.Linear(512, 1000)

    def forward(self, x: Tensor) -> Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, stride=2, padding=1)
        x = self.layer1(x)
        for k in (2, 3, 4):
            x = getattr(self, f"layer{k}_1")(getattr(self, f"layer{k}_0")(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class CausalSelfAttention(nn.Module):
    """nanoGPT's attention: one projection to queries, keys and values, fused and causal."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.in_proj = nn.Linear(width, 3 * width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x: Tensor) -> Tensor:
        n, length, width = x.shape
        q, k, v = (
            t.reshape(n, length, self.heads, -1).transpose(1, 2)
            for t in self.in_proj(x).chunk(3, dim=-1)
        )
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out_proj(y.transpose(1, 2).reshape(n, length, width))


class NanoGPTBlock(nn.Module):
    """nanoGPT's Block, its attention the one above (the GPT examples' block; dropout aside)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 4 * width)
        self.fc2 = nn.Linear(4 * width, width)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    """A character-level GPT: token and position embeddings, `depth` blocks made by `block`,
    a final LayerNorm and a linear head over the 256 bytes."""

    def __init__(
        self, block: Callable[[int], nn.Module], depth: int, dropout: float, width: int = 128
    ) -> None:
        super().__init__()
        self.dropout = dropout
        self.tokens = nn.Embedding(256, width)
        self.positions = nn.Embedding(64, width)  # used through its weight
        self.blocks = nn.Sequential(*(block(width) for _ in range(depth)))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, 256)

    def forward(self, ids: Tensor) -> Tensor:
        x = self.tokens(ids) + self.positions.weight[: ids.size(1)]
        x = F.dropout(x, self.dropout, self.training)
        return self.head(self.norm(self.blocks(x)))


class LinearRegression(nn.Module):
    """d2l's linear regression: one Linear layer, y = Xw + b."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x)


HAND_WRITTEN: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    # example name: (hand-written module, input shape of one sample)
    "cifar10-tutorial-net": (CifarTutorialNet, (3, 32, 32)),
    "lenet-batchnorm": (LeNetBatchNorm, (3, 32, 32)),
    "cute-dl-regression-mlp": (lambda: MLP([1, 128, 256, 1], [0.0, 0.2]), (1,)),
    "weight-decay-mlp": (lambda: MLP([1, 200, 200, 200, 1]), (1,)),
    "d2l-linear-regression": (LinearRegression, (2,)),
    "d2l-mlp-dropout": (lambda: MLP([784, 256, 256, 10], [0.2, 0.5]), (1, 28, 28)),
    "digits-mlp": (lambda: MLP([64, 128, 10], [0.1]), (64,)),
    "digits-resnet": (DigitsResNet, (1, 8, 8)),
    "char-gpt": (lambda: GPT(lambda width: NanoGPTBlock(width, 4), 2, 0.0), (64,)),
    "lstm-text-classifier": (LSTMClassifier, (80,)),
    "digits-vit": (DigitsViT, (1, 8, 8)),
    "digits-mobilenet": (DigitsMobileNet, (1, 8, 8)),
    "resnet18": (ResNet18, (3, 224, 224)),
    "gpt-blocks": (lambda: GPT(lambda width: NanoGPTBlock(width, 4), 4, 0.1), (64,)),
    "house-prices-mlp": (lambda: MLP([330, 64, 1], [0.1]), (330,)),
    "iris-classifier": (lambda: MLP([4, 16, 3]), (4,)),
}

# Parameter counts everyone can check on paper (the seed models, docs/architecture.md).
KNOWN_COUNTS = {
    "cifar10-tutorial-net": 62006,
    "d2l-linear-regression": 3,
    "weight-decay-mlp": 200 * 2 + 2 * (200 * 200 + 200) + 201,
    "resnet18": 11_689_512,  # torchvision.models.resnet18()
}

EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.json"))


def _spec(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _batch(spec: dict[str, Any], size: int) -> Tensor:
    """Random inputs for the example: floats, or token ids below its vocabulary size."""
    given = spec["input"]
    if given.get("dtype") == "int64":
        return torch.randint(0, given["vocab_size"], (size, *given["shape"]))
    return torch.randn(size, *given["shape"])


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_every_example_has_a_hand_written_module() -> None:
    assert EXAMPLE_NAMES, "no examples found"
    assert set(HAND_WRITTEN) == set(EXAMPLE_NAMES), "write a torch module for each example"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_analysis_matches_the_hand_written_module(name: str) -> None:
    spec = _spec(name)
    factory, input_shape = HAND_WRITTEN[name]
    model = factory().eval()
    assert tuple(spec["input"]["shape"]) == input_shape
    analysis = analyze(spec)
    assert analysis.valid, analysis.problems
    with torch.no_grad():
        out = model(_batch(spec, 2))
    assert analysis.total_params == _count(model)
    assert (2, *analysis.output_shape) == tuple(out.shape)
    assert analysis.to_dict()["total_params"] == _count(model)
    assert analysis.to_dict()["output_shape"] == list(out.shape[1:])
    if name in KNOWN_COUNTS:
        assert _count(model) == KNOWN_COUNTS[name]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_generated_model_matches_the_hand_written_module(name: str, tmp_path: Path) -> None:
    spec = _spec(name)
    factory, input_shape = HAND_WRITTEN[name]
    torch.manual_seed(0)
    reference = factory()
    folder = write_project({"model.py": generate(spec)["model.py"]}, tmp_path / name)
    generated = import_file(folder / "model.py").build_model()

    assert _count(generated) == _count(reference)
    shapes = {k: tuple(v.shape) for k, v in generated.state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    generated.load_state_dict(reference.state_dict())
    x = _batch(spec, 4)
    with torch.no_grad():
        expected = reference.eval()(x)
        actual = generated.eval()(x)
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected)
