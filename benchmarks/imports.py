"""Import: `torchcanvas import` time and generated-code size for torchvision models.

For each model: the import's time (trace with torch.fx, map onto blocks, find definitions,
check the spec) against the baseline of the same run, torch.fx's `symbolic_trace` of the
model alone; and the generated model.py's size against the blocks it stands for. How both
grow with the number of modules: torchvision's ResNet with 1, 2, 4 and 8 basic blocks per
layer (the spec gets longer repeats, not more code). ViT-B/16 runs at its own 224x224.

Run: `python -m benchmarks.run --only imports` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Result
from benchmarks.generation import timed

MODELS = ("alexnet", "vgg11_bn", "resnet18", "resnet50", "squeezenet1_1", "mobilenet_v2",
          "densenet121", "vit_b_16")  # fmt: skip
DEPTHS = (1, 2, 4, 8)
INPUT_SHAPE = [3, 64, 64]
SHAPES = {"vit_b_16": [3, 224, 224]}
"""Models with a fixed image size (ViT's position embeddings are for 224x224 images)."""


def _case(label: str, model: Any, repeats: int, shape: list[int] = INPUT_SHAPE) -> dict[str, Any]:
    import torch.fx

    from codegen.definitions import graph_size
    from codegen.render import render_project
    from importers.pytorch import import_model

    def run_import() -> Any:
        return import_model(model, shape, name=label)

    imported = run_import()  # the spec measured below
    fx_s, fx_all = timed(lambda: torch.fx.symbolic_trace(model), repeats)
    import_s, import_all = timed(run_import, repeats)
    code = render_project(imported.analysis)["model.py"]
    spec = imported.spec
    return {
        "model": label,
        "modules": sum(1 for _ in model.modules()),
        "blocks": graph_size(spec)[0],
        "definitions": len(spec.get("modules", {})),
        "params": imported.original_params,
        "input_shape": shape,
        "fx_trace_s": fx_s,
        "import_s": import_s,
        "model_py_lines": code.count("\n"),
        "model_py_bytes": len(code.encode()),
        "fx_runs": fx_all,
        "import_runs": import_all,
    }


def run(quick: bool = False) -> Result:
    import torchvision
    from torchvision.models.resnet import BasicBlock, ResNet

    repeats = 1 if quick else 3
    cases = []
    for name in ("resnet18",) if quick else MODELS:
        model = getattr(torchvision.models, name)()
        cases.append(_case(name, model, repeats, SHAPES.get(name, INPUT_SHAPE)))
    for depth in (1,) if quick else DEPTHS:
        model = ResNet(BasicBlock, [depth] * 4)
        cases.append(_case(f"ResNet, {depth} blocks a layer", model, repeats))
    rows = [
        [
            c["model"],
            c["modules"],
            c["blocks"],
            c["definitions"],
            f"{c['fx_trace_s'] * 1000:.0f}",
            f"{c['import_s'] * 1000:.0f}",
            f"{c['import_s'] / c['fx_trace_s']:.1f}x",
            f"{c['import_s'] * 1000 / c['modules']:.1f}",
            c["model_py_lines"],
            f"{c['model_py_bytes'] / 1024:.1f}",
            f"{c['model_py_bytes'] / c['blocks']:.0f}",
        ]
        for c in cases
    ]
    return Result(
        name="imports",
        title="Import: time and generated code size of torchvision models",
        headers=["model", "modules", "blocks", "definitions", "fx trace ms", "import ms",
                 "import vs. fx trace", "import ms/module", "model.py lines", "model.py KiB",
                 "model.py bytes/block"],  # fmt: skip
        rows=rows,
        notes=[
            f"Median of {repeats} calls after a warm-up call, input {INPUT_SHAPE} "
            f"({', '.join(f'{k} {v}' for k, v in SHAPES.items())}). import = "
            "torch.fx trace with registry blocks as leaves, an example run for shapes, "
            "mapping, definitions and the spec's full check; fx trace = "
            "`torch.fx.symbolic_trace(model)` alone (the baseline). blocks = blocks the spec "
            "stands for with instances and repeats expanded.",
        ],
        data={"cases": cases, "input_shape": INPUT_SHAPE},
    )
