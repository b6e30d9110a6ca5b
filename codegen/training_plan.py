"""The training section resolved against the registry: what the templates are given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .registry import Component, Dataset, Loss
from .spec import TrainingSpec


@dataclass
class Chosen:
    """A resolved training component: its registry entry and full parameters."""

    type: str
    params: dict[str, Any]
    entry: Component


@dataclass
class TrainingPlan:
    """The training section with every default filled in, as the templates need it."""

    spec: TrainingSpec
    task: str  # regression | classification | binary
    num_classes: int | None
    dataset: Chosen | None
    loss: Chosen | None
    optimizer: Chosen | None
    scheduler: Chosen | None
    init: Chosen | None
    augmentations: list[Chosen] = field(default_factory=list)
    metric: str = "rmse"
    next_token: bool = False
    """The data's target at each position is the next token (language modelling)."""


def dataset_task(dataset: Chosen | None) -> str | None:
    if dataset is None:
        return None
    assert isinstance(dataset.entry, Dataset)
    return dataset.entry.task_of(dataset.params)


def loss_task(loss: Chosen) -> str:
    assert isinstance(loss.entry, Loss)
    return loss.entry.task
