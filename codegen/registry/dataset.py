"""What a dataset kind is: the `Dataset` entry and the `Expectation` of what it feeds the model.

The entries themselves are in `datasets.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .base import Component, DType, Params, Shape
from .training import Task


@dataclass(frozen=True)
class Expectation:
    """What the data feeds the model, as far as the dataset fixes it.

    `shapes` lists the input shapes it can give (empty: it adapts to the model); `rank`
    and `channels` constrain the shape otherwise (`gives` says what it gives, for the error
    message); `hint` says how to set the input shape. Token ids (`dtype` int64) come with a
    `vocab` range (lowest, highest) the spec's vocab_size must be in; with `next_token` the
    target of each position is the next token, so the model gives (L, vocab_size) scores.
    """

    shapes: tuple[Shape, ...] = ()
    rank: int | None = None
    channels: tuple[int, ...] = ()
    gives: str = ""
    classes: int | None = None
    dtype: DType = "float32"
    vocab: tuple[int, int] | None = None
    next_token: bool = False
    hint: str = ""


def _fits_model(params: Params) -> Expectation:
    return Expectation()


def _no_context(params: Params, task: str) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, kw_only=True)
class Dataset(Component):
    """A dataset kind (its `type` is the spec's `training.dataset.kind`)."""

    title: str
    template: str
    task: Task | None
    auto_task: Callable[[Params], Task | None] = lambda params: None
    expects: Callable[[Params], Expectation] = _fits_model
    in_memory: bool = True
    images: bool = False
    requirements: tuple[str, ...] | Callable[[Params], tuple[str, ...]] = ()
    predicts: Literal["images", "rows", "text"] | None = None
    download: bool = False
    test_split: bool = False
    context: Callable[[Params, str], dict[str, Any]] = field(default=_no_context)

    @property
    def kind(self) -> str:
        return self.type

    def task_of(self, params: Params) -> Task | None:
        """The task: fixed by the kind, or decided by a parameter (`task` is None)."""
        return self.task or self.auto_task(params)

    def requirements_of(self, params: Params) -> tuple[str, ...]:
        """The packages the generated data.py imports for these params."""
        if callable(self.requirements):
            return self.requirements(params)
        return self.requirements
