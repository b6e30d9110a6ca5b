"""Specs beside the examples that golden files pin and style tests check: the training
features the examples leave off (mixed precision with clipping, early stopping,
augmentation, images read from class folders)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

AUGMENTATIONS = [
    {"type": "RandomCrop", "params": {"padding": 4}},
    {"type": "RandomHorizontalFlip"},
    {"type": "RandomRotation", "params": {"degrees": 15}},
    {"type": "ColorJitter"},
]


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def with_training(spec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    spec.setdefault("training", {}).update(changes)
    return spec


def mixed_precision_with_clipping() -> dict[str, Any]:
    return with_training(example("digits-resnet"), mixed_precision=True, grad_clip=1.0)


def early_stopping() -> dict[str, Any]:
    return with_training(
        example("digits-mlp"),
        early_stopping={"patience": 3, "min_delta": 0.001},
        scheduler={"type": "ReduceLROnPlateau", "params": {"patience": 1}},
    )


def augmentation() -> dict[str, Any]:
    return with_training(example("cifar10-tutorial-net"), augmentations=AUGMENTATIONS)


def image_folder() -> dict[str, Any]:
    """A small CNN on colour images in one folder per class, augmented by torchvision."""
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Pets CNN",
        "input": {"shape": [3, 32, 32]},
        "nodes": [
            {"id": "conv", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3}},
            {"id": "act", "type": "ReLU"},
            {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 4}},
            {"id": "flatten", "type": "Flatten"},
            {"id": "fc", "type": "Linear", "params": {"out_features": 3}},
        ],
        "training": {
            "dataset": {"kind": "image-folder", "params": {"path": "pets"}},
            "epochs": 5,
            "batch_size": 16,
            "augmentations": AUGMENTATIONS[:3],
        },
    }


VARIANTS: dict[str, Callable[[], dict[str, Any]]] = {
    "digits-resnet-mixed-precision": mixed_precision_with_clipping,
    "digits-mlp-early-stopping": early_stopping,
    "cifar10-augmentation": augmentation,
    "image-folder": image_folder,
}


def spec_of(name: str) -> dict[str, Any]:
    """A variant's spec, or an example's."""
    return VARIANTS[name]() if name in VARIANTS else example(name)
