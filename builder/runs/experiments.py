"""The seeds' comparisons as experiments: a base spec and variants, run side by side.

An experiment is data: an example model, the changes that make its base (JSON pointers
into the spec and their values), and the variants, each a label and its own changes.
`POST /api/experiments/<name>/runs` starts one run per variant, and the editor shows
them in its compare view.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from codegen.examples import load_example

Changes = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    label: str
    changes: Changes


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    description: str
    example: str
    base: Changes
    variants: tuple[Variant, ...]

    def specs(self) -> list[tuple[str, dict[str, Any]]]:
        example = load_example(self.example)
        assert example is not None, self.example
        base = apply(example, self.base)
        return [(v.label, apply(base, {"/name": f"{base['name']}: {v.label}", **v.changes}))
                for v in self.variants]  # fmt: skip


def apply(spec: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """A copy of `spec` with each JSON pointer set to its value."""
    spec = copy.deepcopy(spec)
    for pointer, value in changes.items():
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
        target: Any = spec
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return spec


D2L_MLP = [
    {"id": "fc1", "type": "Linear", "params": {"out_features": 256}},
    {"id": "act1", "type": "ReLU"},
    {"id": "drop1", "type": "Dropout", "params": {"p": 0.2}},
    {"id": "fc2", "type": "Linear", "params": {"out_features": 256}},
    {"id": "act2", "type": "ReLU"},
    {"id": "drop2", "type": "Dropout", "params": {"p": 0.5}},
    {"id": "out", "type": "Linear", "params": {"out_features": 10}},
]

EXPERIMENTS = (
    Experiment(
        "weight-decay",
        "Weight decay 0 against 1e-2",
        "The PyTorch regularisation notes: a 200-unit MLP fitted by SGD (momentum 0.9) to "
        "10 noisy points of a line. Without weight decay the training loss goes to 0 and "
        "the curve bends to every point; with weight_decay=1e-2 it stays near the line.",
        "weight-decay-mlp",
        {
            "/training/dataset/params/n_samples": 20,
            "/training/val_split": 0.5,
            "/training/batch_size": 10,
            "/training/epochs": 300,
        },
        (
            Variant("weight_decay 0", {"/training/optimizer/params/weight_decay": 0.0}),
            Variant("weight_decay 1e-2", {"/training/optimizer/params/weight_decay": 0.01}),
        ),
    ),
    Experiment(
        "dropout",
        "Dropout 0 against 0.2/0.5",
        "Dive into Deep Learning's MLP (256-256, dropout 0.2 after the first hidden layer "
        "and 0.5 after the second) on scikit-learn's digits, against the same MLP without "
        "dropout: watch the gap between training and validation loss.",
        "digits-mlp",
        {"/nodes": D2L_MLP, "/training/epochs": 40, "/description": ""},
        (
            Variant("dropout 0", {"/nodes/2/params/p": 0.0, "/nodes/5/params/p": 0.0}),
            Variant("dropout 0.2/0.5", {}),
        ),
    ),
)
BY_NAME = {e.name: e for e in EXPERIMENTS}
