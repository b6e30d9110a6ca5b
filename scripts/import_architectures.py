"""Import torchvision's classification models into examples/architectures/ (run by hand).

    .venv/bin/python scripts/import_architectures.py [NAME ...]

Each model that imports cleanly (every op maps onto a block, the spec checks, its parameter
count is torchvision's and, with torchvision's weights mapped onto it, its outputs are) is written as NAME.json, and index.json lists them for
`GET /api/architectures`; the others are printed with the reason. The server only reads
these files: it never runs model code.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torchvision

from codegen.definitions import graph_size
from importers.command import TOLERANCE
from importers.pytorch import ImportFailure, import_model
from importers.roundtrip import largest_difference

OUT = Path(__file__).resolve().parent.parent / "examples" / "architectures"
INPUT_SHAPE = [3, 224, 224]
MAX_PARAMS = 150_000_000
"""Larger models (ViT-L/H, RegNet-Y 32GF and up) are left out: too big to draw or train here."""


def main(names: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    names = names or sorted(torchvision.models.list_models(module=torchvision.models))
    index_path = OUT / "index.json"
    index = (
        {a["name"]: a for a in json.loads(index_path.read_text())} if index_path.is_file() else {}
    )
    for name in names:
        started = time.perf_counter()
        index.pop(name, None)  # kept only if it imports cleanly now
        (OUT / f"{name}.json").unlink(missing_ok=True)
        weights = torchvision.models.get_model_weights(name)
        params = next(iter(weights)).meta.get("num_params", 0) if weights else 0
        if params > MAX_PARAMS:
            print(f"{name}: skipped ({params:,} parameters)")
            continue
        model = torchvision.models.get_model(name)
        shape = [3, 299, 299] if name == "inception_v3" else INPUT_SHAPE
        try:
            imported = import_model(
                model, shape, name=name,
                description=f"torchvision.models.{name}(), imported with torchcanvas import.",
            )  # fmt: skip
        except ImportFailure as failure:
            ops = sorted({u.op for u in failure.unsupported})
            print(f"{name}: not imported: {failure.reason} {', '.join(ops)}".strip())
            continue
        if imported.analysis.total_params != imported.original_params:
            print(f"{name}: not imported: {'; '.join(imported.notes)}")
            continue
        difference = largest_difference(model, imported)
        if not difference <= TOLERANCE:
            print(f"{name}: not imported: its outputs differ by up to {difference:.3g}")
            continue
        spec = imported.spec
        (OUT / f"{name}.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        index[name] = {
            "name": name,
            "title": name,
            "description": spec["description"],
            "params": imported.analysis.total_params,
            "blocks": graph_size(spec)[0]
            - sum(len(m["nodes"]) for m in spec.get("modules", {}).values()),
            "definitions": len(spec.get("modules", {})),
        }
        seconds = time.perf_counter() - started
        print(f"{name}: {index[name]['params']:,} parameters, {graph_size(spec)[0]} blocks "
              f"({seconds:.1f} s)")  # fmt: skip
    ordered = [index[k] for k in sorted(index)]
    index_path.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
