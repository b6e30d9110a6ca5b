"""The registry: the single source of truth for every block and training component.

The frontend renders what `catalog()` returns; the spec checker, the shape inference and
the code templates all look things up here.
"""

from __future__ import annotations

from typing import Any

from . import activations, layers, merges, norms
from .base import Block, Component, Shape
from .datasets import AUGMENTATIONS, DATASETS, IMAGE_SETS, SKLEARN_SETS, TRAINING_FIELDS
from .training import INITS, LOSSES, OPTIMIZERS, SCHEDULERS

CATEGORIES = (
    "Linear",
    "Convolution",
    "Pooling",
    "Normalization",
    "Activation",
    "Dropout",
    "Shape",
    "Merge",
)

BLOCKS: dict[str, Block] = {
    b.type: b for b in (*layers.BLOCKS, *norms.BLOCKS, *activations.BLOCKS, *merges.BLOCKS)
}
LOSS_TYPES: dict[str, Component] = {c.type: c for c in LOSSES}
OPTIMIZER_TYPES: dict[str, Component] = {c.type: c for c in OPTIMIZERS}
SCHEDULER_TYPES: dict[str, Component] = {c.type: c for c in SCHEDULERS}
INIT_TYPES: dict[str, Component] = {c.type: c for c in INITS}
DATASET_KINDS: dict[str, Component] = {c.type: c for c in DATASETS}
AUGMENTATION_TYPES: dict[str, Component] = {c.type: c for c in AUGMENTATIONS}

__all__ = [
    "AUGMENTATION_TYPES",
    "BLOCKS",
    "CATEGORIES",
    "DATASET_KINDS",
    "IMAGE_SETS",
    "INIT_TYPES",
    "LOSS_TYPES",
    "OPTIMIZER_TYPES",
    "SCHEDULER_TYPES",
    "SKLEARN_SETS",
    "TRAINING_FIELDS",
    "Block",
    "Component",
    "Shape",
    "catalog",
]


def catalog() -> dict[str, Any]:
    """Everything the editor needs to render palettes and forms, as JSON-ready data."""
    blocks = sorted(BLOCKS.values(), key=lambda b: CATEGORIES.index(b.category))
    return {
        "categories": list(CATEGORIES),
        "blocks": [b.to_catalog() for b in blocks],
        "losses": [c.to_catalog() for c in LOSSES],
        "optimizers": [c.to_catalog() for c in OPTIMIZERS],
        "schedulers": [c.to_catalog() for c in SCHEDULERS],
        "inits": [c.to_catalog() for c in INITS],
        "datasets": [c.to_catalog("kind") for c in DATASETS],
        "augmentations": [c.to_catalog() for c in AUGMENTATIONS],
        "training_fields": [p.to_catalog() for p in TRAINING_FIELDS],
    }
