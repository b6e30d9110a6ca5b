"""Turning a checked spec into the files of a PyTorch project.

`generate(data)` is the one entry point the API, the CLI and the tests use. Templates
live in `templates/code/`; every value reaches them through `literals` (safe emission),
and every Python file is formatted with black, so the same spec always gives the same
bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache, lru_cache
from typing import Any

import black
import jinja2

from .analysis import Analysis, analyze
from .classes import (
    ClassCode,
    build_classes,
    definition_order,
    description_docstring,
    model_class,
    ordered_helpers,
)
from .literals import docstring_line, docstring_text, markdown_text, one_line, py
from .names import class_name, slug
from .notebook import compose_notebook
from .problems import SpecError
from .registry import BLOCKS, Dataset, Init, Scheduler
from .registry.base import fmt_shape
from .resources import templates_dir
from .training_plan import TrainingPlan

TORCH_REQUIREMENT = "torch>=2.5"
"""2.5: torch.onnx.export(dynamo=True) in export.py; 2.4 already has nn.RMSNorm."""
ONNX_REQUIREMENTS = ("onnx", "onnxscript", "onnxruntime")
"""What `export.py --format onnx` needs besides torch (torch.onnx.export with dynamo=True needs
onnx and onnxscript; onnxruntime checks the export): optional, so requirements.txt lists them
commented out."""


def generate(data: Any) -> dict[str, str]:
    """Files of the generated project (name -> text); raises SpecError when invalid."""
    analysis = analyze(data)
    if not analysis.valid:
        raise SpecError(analysis.problems)
    return render_project(analysis)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "code")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["py"] = py
    env.filters["comment"] = one_line
    env.filters["docstring"] = docstring_line
    env.filters["markdown"] = markdown_text
    return env


@lru_cache(maxsize=512)
def _format(code: str) -> str:
    """black, memoised on the exact text: an edit of the model re-formats only model.py.

    black is most of the cost of a generation (about 0.1 s per training script); the
    training files don't change while a user edits layers, so they come from this cache.
    """
    return black.format_str(code, mode=black.Mode())


def render_project(analysis: Analysis) -> dict[str, str]:
    """model.py, data.py, train.py, predict.py, export.py, notebook.ipynb, README.md,
    requirements.txt and spec.json.

    A spec without `training` is a model only: model.py, export.py, README.md,
    requirements.txt, spec.json.
    """
    assert analysis.spec is not None
    context = project_context(analysis)
    env = _environment()
    spec_json = (
        json.dumps(
            analysis.spec.model_dump(mode="json", exclude_unset=True), indent=2, ensure_ascii=False
        )
        + "\n"
    )
    if analysis.training is None:
        return {
            "model.py": _format(env.get_template("model.py.j2").render(context)),
            "export.py": _format(env.get_template("export.py.j2").render(context)),
            "requirements.txt": env.get_template("requirements.txt.j2").render(context),
            "README.md": env.get_template("README.md.j2").render(context),
            "spec.json": spec_json,
        }
    files = {
        "model.py": _format(env.get_template("model.py.j2").render(context)),
        **(
            {"predict.py": _format(env.get_template(_predict_template(context)).render(context))}
            if context["predict_kind"]
            else {}
        ),
        "data.py": _format(env.get_template("data.py.j2").render(context)),
        "train.py": _format(env.get_template("train.py.j2").render(context)),
        "export.py": _format(env.get_template("export.py.j2").render(context)),
        "requirements.txt": env.get_template("requirements.txt.j2").render(context),
        "README.md": env.get_template("README.md.j2").render(context),
        "spec.json": spec_json,
    }
    layout = env.get_template("notebook.cells.j2").render(context)
    sources = tuple((name, text) for name, text in files.items() if name.endswith(".py"))
    files["notebook.ipynb"] = compose_notebook(layout, sources, _format)
    return files


def _predict_template(context: dict[str, Any]) -> str:
    """predict.py reads images or CSV rows (predict.py.j2), or texts (predict_text.py.j2)."""
    return "predict_text.py.j2" if context["predict_kind"] == "text" else "predict.py.j2"


def project_context(analysis: Analysis) -> dict[str, Any]:
    spec = analysis.spec
    assert spec is not None
    classes = build_classes(analysis.runs, definition_order(analysis.nodes, analysis.order))
    name = class_name(spec.name)
    if name in classes:
        name += "Model"
    model = model_class(
        name,
        _class_docstring(spec.name, spec.description),
        analysis.nodes,
        analysis.order,
        analysis.output,
        classes,
    )
    everything = [*classes.values(), model]
    helpers = ordered_helpers([h for c in everything for h in c.helpers])
    types_used = {t for c in everything for t in c.blocks}
    output_shape = analysis.output_shape or ()
    context: dict[str, Any] = {
        "class_name": name,
        "title": docstring_text(spec.name),
        "title_line": one_line(spec.name),
        "description_md": markdown_text(spec.description),
        "title_md": markdown_text(spec.name),
        "slug": slug(spec.name),
        "input_shape": py(tuple(spec.input.shape)),
        "input_dtype": spec.input.dtype,
        "vocab_size": spec.input.vocab_size,
        "batch_input": fmt_shape(("N", *spec.input.shape)),
        "batch_output": fmt_shape(("N", *output_shape)),
        "total_params": f"{analysis.total_params:,}",
        "classes": [_class_context(c) for c in everything],
        "helpers": [h.source.strip() for h in helpers],
        "model_imports": sorted({m for c in everything for m in c.imports}),
        "init": _init_context(analysis.training, types_used) if analysis.training else None,
        "shape_table": _shape_table(analysis),
        "model_only": analysis.training is None,
        "requirements": [TORCH_REQUIREMENT],
        "onnx_requirements": ONNX_REQUIREMENTS,
    }
    if analysis.training is not None:
        context.update(_training_context(analysis, analysis.training, types_used))
    return context


def _class_context(code: ClassCode) -> dict[str, Any]:
    return {
        "name": code.name,
        "docstring": code.docstring,
        "init_args": "".join(f", {a}" for a in code.init_args),
        "layers": code.layers,
        "forward_args": "".join(f", {a}: Tensor" for a in code.forward_args),
        "statements": code.statements,
        "result": code.result,
    }


def _class_docstring(name: str, description: str) -> str:
    text = docstring_text(name)
    if description.strip():
        text += ".\n\n    " + description_docstring(description)
    return text


def _init_context(plan: TrainingPlan, types_used: set[str]) -> dict[str, str] | None:
    chosen = plan.init
    if chosen is None or not isinstance(chosen.entry, Init) or chosen.entry.function is None:
        return None
    init = chosen.entry
    assert init.argument is not None
    value = chosen.params[init.argument]
    args = (
        f", mean=0.0, std={py(value)}"
        if init.argument == "std"
        else f", {init.argument}={py(value)}"
    )
    weighted = [b for b in BLOCKS.values() if b.type in types_used and b.initialised]
    return {
        "function": init.function,
        "args": args,
        "doc": f"{init.title} and zero biases for Linear and convolution layers.",
        "layer_types": _type_tuple([b.class_name for b in weighted] or ["nn.Linear"]),
    }


def _type_tuple(classes: list[str]) -> str:
    if len(classes) == 1:
        return classes[0]
    return "(" + ", ".join(classes) + ")"


def _call(
    type_name: str, params: dict[str, Any], first: str = "", skip: tuple[str, ...] = ()
) -> str:
    args = [first] if first else []
    args += [f"{k}={py(v)}" for k, v in params.items() if k not in skip]
    return f"{type_name}({', '.join(args)})"


def _nondefault(component: Any) -> dict[str, Any]:
    return {
        p.name: component.params[p.name]
        for p in component.entry.params
        if p.name in component.params and component.params[p.name] != p.default
    }


def _training_context(
    analysis: Analysis, plan: TrainingPlan, types_used: set[str]
) -> dict[str, Any]:
    spec = analysis.spec
    assert spec is not None
    training = plan.spec
    dataset = plan.dataset
    assert dataset is not None and plan.loss is not None and plan.optimizer is not None
    data = dataset.entry
    assert isinstance(data, Dataset)
    optimizer = plan.optimizer
    opt_params = dict(optimizer.params)
    lr = opt_params.pop("lr")
    weight_decay = opt_params.get("weight_decay", 0.0)
    exempt = bool(training.optimizer.exempt_bias_and_norm and weight_decay)
    if exempt:
        opt_params.pop("weight_decay")
    defaults = {p.name: p.default for p in optimizer.entry.params}
    optimizer_args = "".join(
        f", {k}={py(v)}" for k, v in opt_params.items() if v != defaults.get(k)
    )
    scheduler_code, step = _scheduler(plan)
    val_split = training.val_split
    has_val = val_split > 0
    output_shape = analysis.output_shape or (1,)
    params_raw = dict(dataset.params)
    data_context = {
        "predict_test": False,
        "class_labels": None,
        **data.context(params_raw, plan.task),
    }
    predict_test = data_context["predict_test"]
    exempt_classes = list(
        dict.fromkeys(c for b in BLOCKS.values() if b.type in types_used for c in b.exempt_classes)
    )
    context = {
        "dataset_kind": dataset.type,
        "data_template": data.template,
        "dataset_title": data.title,
        "params": {k: py(v) for k, v in dataset.params.items()},
        "params_raw": params_raw,
        "task": plan.task,
        "num_classes": plan.num_classes,
        "outputs": output_shape[0],
        "metric": plan.metric,
        "metric_title": {
            "accuracy": "accuracy",
            "rmse": "RMSE",
            "log_rmse": "log-RMSE",
            "mae": "MAE",
            "perplexity": "perplexity",
        }[plan.metric],
        "log_target": bool(params_raw.get("log_target")),
        "epochs": training.epochs,
        "batch_size": training.batch_size,
        "lr": py(lr),
        "seed": training.seed,
        "device": py(training.device),
        "data_dir": py(params_raw.get("root", "data")),
        "out_default": f"runs/{slug(spec.name)}",
        "run_name": py(slug(spec.name)),
        "download": data.download,
        "tensorboard": training.tensorboard,
        "plot": True,
        "has_val": has_val,
        "val_split": py(val_split),
        "val_percent": f"{val_split * 100:g}",
        "image_prepare": data.test_split,
        "has_test": data.test_split,
        "loss": _call(f"nn.{plan.loss.type}", _nondefault(plan.loss)),
        "optimizer": optimizer.type,
        "optimizer_args": optimizer_args,
        "weight_decay": py(weight_decay),
        "exempt": exempt,
        "norm_types": _type_tuple(exempt_classes) if exempt_classes else "",
        "sync_batch_norm": any(t.startswith("BatchNorm") for t in types_used),
        "scheduler": scheduler_code,
        "batch_scheduler": step == "batch",
        "epoch_scheduler": step == "epoch",
        "plateau_scheduler": step == "val_loss",
        "grad_clip": py(training.grad_clip) if training.grad_clip else None,
        "early_stopping": training.early_stopping is not None,
        "patience": training.early_stopping.patience if training.early_stopping else 0,
        "min_delta": py(training.early_stopping.min_delta) if training.early_stopping else "0.0",
        "predict_test": predict_test,
        "mixed_precision": training.mixed_precision,
        "channels_last": training.channels_last and len(spec.input.shape) == 3,
        "compile": training.compile,
        "run_model": "compiled" if training.compile else "model",
        "predict_kind": data.predicts,
        "next_token": plan.next_token,
        "tokenizer": params_raw.get("tokenizer"),
        "confusion": plan.task in ("classification", "binary")
        and not plan.next_token
        and (has_val or data.test_split),
        "num_outputs_classes": 2 if plan.task == "binary" else output_shape[0],
        "requirements": _requirements(data, params_raw, training.tensorboard),
        **data_context,
    }
    steps = [a for a in plan.augmentations if a.type != "Resize"]
    resize = next((a.params["size"] for a in plan.augmentations if a.type == "Resize"), None)
    data_imports = ["load_data", "num_samples", "train_batches"]
    if has_val or context["has_test"]:
        data_imports.append("eval_batches")
    if context["has_test"]:
        data_imports.append("load_test_data")
    if predict_test:
        data_imports += ["load_test_rows", "save_predictions"]
    if params_raw.get("tokenizer") == "bpe":
        data_imports += ["build_tokenizer", "training_texts"]
    context.update(
        data_imports=", ".join(sorted(data_imports)),
        augmentations=[
            {"type": a.type, "params": {k: py(v) for k, v in a.params.items()}} for a in steps
        ],
        resize=py(tuple(resize)) if resize else None,
        needs_functional=bool(resize)
        or any(a.type in ("RandomCrop", "RandomRotation") for a in steps),
        needs_math_in_data=any(a.type == "RandomRotation" for a in steps),
        input_channels=spec.input.shape[0],
    )
    return context


def _scheduler(plan: TrainingPlan) -> tuple[str | None, str | None]:
    chosen = plan.scheduler
    if chosen is None:
        return None, None
    scheduler = chosen.entry
    assert isinstance(scheduler, Scheduler)
    params = _nondefault(chosen)
    for param in scheduler.params:
        if param.positional:
            params.setdefault(param.name, chosen.params[param.name])
    first = ["optimizer"]
    for name, expression in scheduler.from_args:
        value = params.pop(name, None)
        first.append(f"{name}={py(value) if value else expression}")
    if scheduler.extra:
        first.append(scheduler.extra)
    return (
        _call(f"torch.optim.lr_scheduler.{scheduler.type}", params, ", ".join(first)),
        scheduler.step,
    )


def _requirements(data: Dataset, params: dict[str, Any], tensorboard: bool) -> list[str]:
    needs = data.requirements_of(params)
    packages = [TORCH_REQUIREMENT, *(p for p in needs if p.startswith("torchvision"))]
    packages += ["matplotlib", *(p for p in needs if not p.startswith("torchvision"))]
    if tensorboard:
        packages.append("tensorboard")
    return packages


def _shape_table(analysis: Analysis) -> list[dict[str, str]]:
    rows = []
    for node_id in analysis.order:
        info = analysis.nodes[node_id]
        rows.append(
            {
                "id": node_id,
                "type": info.type if info.repeat == 1 else f"{info.type} × {info.repeat}",
                "shape": fmt_shape(("N", *(info.output_shape or ()))),  # type: ignore[arg-type]
                "params": f"{info.param_count:,}",
            }
        )
    return rows


def zip_project(files: dict[str, str], folder: str) -> bytes:
    """A deterministic zip (fixed timestamps, sorted names) of the files in `folder/`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()
