"""The registry: the single source of truth for every block and training component.

Each block module lists its entries in `BLOCKS`; this package collects them. The editor
renders the catalog built from here (`catalog.build_catalog`); the spec checker, the shape
inference, the code templates and the pictures all look things up here.
docs/adding-a-block.md and docs/adding-a-dataset.md say how to add an entry.
"""

from __future__ import annotations

from . import (
    activations,
    attention,
    convolution,
    embedding,
    layers,
    merges,
    norms,
    pooling,
    recurrent,
    resampling,
    shape,
)
from .base import Block, Category, Component, Shape, TensorType
from .catalog import CATEGORY_COLOURS
from .categories import CATEGORIES, CATEGORY_NAMES
from .datasets import DATASETS, TOY_SETS, Dataset
from .options import AUGMENTATIONS, EARLY_STOPPING_FIELDS, TRAINING_FIELDS
from .training import INITS, LOSSES, OPTIMIZERS, SCHEDULERS, Init, Loss, Optimizer, Scheduler

BLOCK_MODULES = (
    layers,
    convolution,
    pooling,
    norms,
    activations,
    embedding,
    recurrent,
    attention,
    resampling,
    shape,
    merges,
)

BLOCKS: dict[str, Block] = {b.type: b for m in BLOCK_MODULES for b in m.BLOCKS}
LOSS_TYPES: dict[str, Loss] = {c.type: c for c in LOSSES}
OPTIMIZER_TYPES: dict[str, Optimizer] = {c.type: c for c in OPTIMIZERS}
SCHEDULER_TYPES: dict[str, Scheduler] = {c.type: c for c in SCHEDULERS}
INIT_TYPES: dict[str, Init] = {c.type: c for c in INITS}
DATASET_KINDS: dict[str, Dataset] = {c.type: c for c in DATASETS}
AUGMENTATION_TYPES: dict[str, Component] = {c.type: c for c in AUGMENTATIONS}

__all__ = [
    "AUGMENTATIONS",
    "AUGMENTATION_TYPES",
    "BLOCKS",
    "CATEGORIES",
    "CATEGORY_COLOURS",
    "CATEGORY_NAMES",
    "DATASETS",
    "DATASET_KINDS",
    "EARLY_STOPPING_FIELDS",
    "INITS",
    "INIT_TYPES",
    "LOSSES",
    "LOSS_TYPES",
    "OPTIMIZERS",
    "OPTIMIZER_TYPES",
    "SCHEDULERS",
    "SCHEDULER_TYPES",
    "TOY_SETS",
    "TRAINING_FIELDS",
    "Block",
    "Category",
    "Component",
    "Dataset",
    "Shape",
    "TensorType",
]
