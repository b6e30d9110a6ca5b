"""Round trip: a PyTorch model imported into a spec, generated and built again has the same
parameter count and, with the original's weights mapped onto it, the same outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision

from importers.pytorch import import_model, load_target, map_weights
from importers.roundtrip import build_generated, largest_difference

MODELS = Path(__file__).with_name("models.py")

# (factory, input shape): the full torchvision models, at small images where the model allows
TORCHVISION = [
    ("resnet18", [3, 32, 32]),
    ("resnet50", [3, 32, 32]),
    ("vgg11_bn", [3, 32, 32]),
    ("alexnet", [3, 64, 64]),
    ("squeezenet1_1", [3, 64, 64]),
    ("mobilenet_v2", [3, 32, 32]),
    ("densenet121", [3, 32, 32]),
]


def _check(model: torch.nn.Module, shape: list[int], name: str, **options):
    imported = import_model(model, shape, name=name, **options)
    assert imported.analysis.total_params == sum(p.numel() for p in model.parameters())
    assert largest_difference(model, imported) <= 1e-5
    return imported


@pytest.mark.parametrize(("factory", "shape"), TORCHVISION, ids=[f for f, _ in TORCHVISION])
def test_torchvision_model_round_trip(factory: str, shape: list[int]) -> None:
    torch.manual_seed(0)
    model = getattr(torchvision.models, factory)()
    imported = _check(model, shape, factory)
    assert imported.tracer == "torch.fx"


def test_resnet_blocks_become_definitions_with_parameters_and_repeats() -> None:
    spec = import_model(torchvision.models.resnet50(), [3, 32, 32], name="resnet50").spec
    assert set(spec["modules"]) == {"Bottleneck", "BottleneckDownsample"}
    bottleneck = spec["modules"]["Bottleneck"]
    assert list(bottleneck["params"]) == ["out_channels"]
    conv3 = next(n for n in bottleneck["nodes"] if n["id"] == "conv3")
    assert conv3["params"]["out_channels"] == {"expr": "out_channels * 4"}
    layers = {n["id"]: n for n in spec["nodes"]}
    assert layers["layer2_0"]["params"] == {"out_channels": 128, "stride": 2}
    resnet18 = import_model(torchvision.models.resnet18(), [3, 32, 32], name="r").spec
    layer1 = next(n for n in resnet18["nodes"] if n["id"] == "layer1")
    assert layer1 == {
        "id": "layer1", "type": "BasicBlock", "params": {"out_channels": 64}, "repeat": 2
    }  # fmt: skip


def test_weights_keep_torchvision_names_where_the_structure_does() -> None:
    model = torchvision.models.resnet18()
    imported = import_model(model, [3, 32, 32], name="r")
    weights = map_weights(model, imported)
    assert "layer1.0.conv1.weight" in weights  # the repeat is an nn.Sequential, as in torchvision
    assert "layer2_0.downsample_0.weight" in weights
    build_generated(imported).load_state_dict(weights, strict=True)


def test_densenet_layers_share_one_definition() -> None:
    spec = import_model(torchvision.models.densenet121(), [3, 32, 32], name="d").spec
    assert "DenseLayer" in spec["modules"]
    assert "params" not in spec["modules"]["DenseLayer"]  # sizes come from the input


def test_transformer_encoder_stack_falls_back_to_torch_export() -> None:
    torch.manual_seed(0)
    model = load_target(f"{MODELS}:Encoder")
    imported = _check(model, [7, 12], "encoder")
    assert imported.tracer == "torch.export"
    assert [n["type"] for n in imported.spec["modules"]["TransformerEncoder"]["nodes"]] == [
        "TransformerEncoderLayer"
    ] * 3


def test_user_written_lstm_classifier_round_trip() -> None:
    torch.manual_seed(0)
    model = load_target(f"{MODELS}:LSTMClassifier")
    imported = _check(model, [10], "lstm", dtype="int64")
    assert imported.spec["input"] == {"shape": [10], "dtype": "int64", "vocab_size": 50}
    assert [n["type"] for n in imported.spec["nodes"]] == [
        "Embedding", "LSTM", "LastStep", "Dropout", "Linear"
    ]  # fmt: skip


def small_vit() -> torchvision.models.VisionTransformer:
    return torchvision.models.VisionTransformer(
        image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
        num_classes=10,
    )  # fmt: skip


def test_vision_transformer_round_trip() -> None:
    """torchvision's ViT at a small size: its class token and position embedding become the
    blocks that hold them, its encoder layers one definition with a repeat."""
    torch.manual_seed(0)
    model = small_vit()
    for parameter in (model.class_token, model.encoder.pos_embedding):
        torch.nn.init.normal_(parameter)  # the class token starts at zero: make it count
    imported = _check(model, [3, 32, 32], "vit")
    assert imported.tracer == "torch.fx"
    spec = imported.spec
    assert [(n["id"], n["type"]) for n in spec["nodes"]] == [
        ("conv_proj", "Conv2d"), ("flatten", "Flatten"), ("permute", "Permute"),
        ("class_token", "ClassToken"), ("encoder", "Encoder"), ("select", "Select"),
        ("heads_head", "Linear"),
    ]  # fmt: skip
    assert next(n for n in spec["nodes"] if n["id"] == "select").get("params") is None
    encoder = spec["modules"]["Encoder"]["nodes"]
    assert [n["type"] for n in encoder] == [
        "PositionalEmbedding", "Dropout", "EncoderBlock", "LayerNorm"
    ]  # fmt: skip
    assert encoder[2]["repeat"] == 2
    weights = map_weights(model, imported)
    assert torch.equal(weights["class_token.weight"], model.class_token)
    assert torch.equal(weights["encoder.pos_embedding.weight"], model.encoder.pos_embedding[0])
    assert "encoder.layers.1.self_attention.in_proj_weight" in weights


def test_full_vit_b_16_has_torchvisions_parameter_count() -> None:
    imported = import_model(torchvision.models.vit_b_16(), [3, 224, 224], name="vit_b_16")
    assert imported.analysis.total_params == imported.original_params == 86_567_656


def test_hand_written_vit_round_trip_through_torch_export() -> None:
    """A class token and position embedding held as parameters, around nn.TransformerEncoder
    (which fx cannot trace): torch.export's parameters map as fx's do."""
    torch.manual_seed(0)
    imported = _check(load_target(f"{MODELS}:TinyViT"), [3, 8, 8], "tiny")
    assert imported.tracer == "torch.export"
    assert [n["type"] for n in imported.spec["nodes"]][3:5] == ["ClassToken", "PositionalEmbedding"]
