"""`torchcanvas import TARGET --input-shape ...`: the command's work (torch is needed here)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from .pytorch import ImportFailure, import_model, load_target, map_weights, target_name

EXIT_UNSUPPORTED = 2
TOLERANCE = 1e-4
"""The largest difference of outputs `--weights` accepts between the original and the import
(relative where the original's outputs exceed 1)."""


def run_import(args: argparse.Namespace) -> int:
    try:
        model = load_target(args.target)
        imported = import_model(
            model,
            [size for word in args.input_shape for size in word],
            name=args.name or target_name(args.target),
            dtype=args.input_dtype,
            vocab_size=args.vocab_size,
        )
    except ImportFailure as failure:
        for item in failure.unsupported:
            print(f"unsupported: {item.describe()}", file=sys.stderr)
        print(f"torchcanvas import: {failure.reason}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    text = json.dumps(imported.spec, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    spec = imported.spec
    print(
        f"imported {args.target} with {imported.tracer}: {len(spec['nodes'])} nodes, "
        f"{len(spec.get('modules', {}))} definitions, {imported.analysis.total_params:,} "
        f"parameters (the original has {imported.original_params:,})"
        + (f"; wrote {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    if args.weights:
        return _write_weights(model, imported, Path(args.weights))
    return 0


def _write_weights(model: torch.nn.Module, imported, path: Path) -> int:  # noqa: ANN001
    from .roundtrip import largest_difference

    try:
        weights = map_weights(model, imported)
        difference = largest_difference(model, imported)
    except (ImportFailure, RuntimeError) as error:
        print(f"torchcanvas import: --weights: {error}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    if not difference <= TOLERANCE:
        print(
            f"torchcanvas import: --weights: the generated model's outputs differ from the "
            f"original's by up to {difference:.3g}; the weights were not written",
            file=sys.stderr,
        )
        return EXIT_UNSUPPORTED
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(weights, path)
    print(
        f"wrote {path}: {len(weights)} tensors; the generated model with them gives the "
        f"original's outputs (largest difference {difference:.2g}); train from them with "
        f"python train.py --init-weights {path}",
        file=sys.stderr,
    )
    return 0
