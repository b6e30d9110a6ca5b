"""Checking the training section against the registry and the model's shapes."""

from __future__ import annotations

from typing import Any

from .components import check_params, unknown_type
from .loss_check import check_loss
from .problems import Problem, pointer
from .registry import (
    AUGMENTATION_TYPES,
    DATASET_KINDS,
    INIT_TYPES,
    LOSS_TYPES,
    OPTIMIZER_TYPES,
    SCHEDULER_TYPES,
    Component,
    Dataset,
    TensorType,
)
from .spec import ModelSpec
from .training_plan import Chosen, TrainingPlan, dataset_task, loss_task

METRIC_TASK = {
    "accuracy": "classification",
    "rmse": "regression",
    "log_rmse": "regression",
    "mae": "regression",
    "perplexity": "classification",
}


def _choose(
    registry: dict[str, Component],
    kind: str,
    type_name: str,
    params: dict[str, Any],
    path: tuple[Any, ...],
    problems: list[Problem],
    type_field: str = "type",
) -> Chosen | None:
    entry = registry.get(type_name)
    if entry is None:
        message, hint = unknown_type(kind, type_name, registry)
        problems.append(Problem(pointer(*path, type_field), message, hint))
        return None
    resolved, found = check_params(entry.params, params, path, type_name)
    problems.extend(found)
    return Chosen(type_name, resolved, entry)


def check_training(
    spec: ModelSpec, output: TensorType | None, output_id: str | None, problems: list[Problem]
) -> TrainingPlan:
    training = spec.effective_training()
    base = ("training",)
    dataset = _choose(
        DATASET_KINDS,
        "dataset kind",
        training.dataset.kind,
        training.dataset.params,
        (*base, "dataset"),
        problems,
        "kind",
    )
    task = dataset_task(dataset) or "regression"
    default_loss = "CrossEntropyLoss" if task == "classification" else "MSELoss"
    loss_spec = training.loss
    loss = _choose(
        LOSS_TYPES,
        "loss",
        loss_spec.type if loss_spec else default_loss,
        loss_spec.params if loss_spec else {},
        (*base, "loss"),
        problems,
    )
    if loss is not None and loss_task(loss) == "binary" and task == "classification":
        task = "binary"
    optimizer = _choose(
        OPTIMIZER_TYPES,
        "optimizer",
        training.optimizer.type,
        training.optimizer.params,
        (*base, "optimizer"),
        problems,
    )
    scheduler = None
    if training.scheduler is not None:
        scheduler = _choose(
            SCHEDULER_TYPES,
            "scheduler",
            training.scheduler.type,
            training.scheduler.params,
            (*base, "scheduler"),
            problems,
        )
    init = None
    if training.init is not None:
        init = _choose(
            INIT_TYPES,
            "initialisation",
            training.init.type,
            training.init.params,
            (*base, "init"),
            problems,
        )
    augmentations = [
        chosen
        for k, aug in enumerate(training.augmentations)
        if (
            chosen := _choose(
                AUGMENTATION_TYPES,
                "augmentation",
                aug.type,
                aug.params,
                (*base, "augmentations", k),
                problems,
            )
        )
    ]
    plan = TrainingPlan(
        spec=training,
        task=task,
        num_classes=None,
        dataset=dataset,
        loss=loss,
        optimizer=optimizer,
        scheduler=scheduler,
        init=init,
        augmentations=augmentations,
    )
    output_shape = output.shape if output is not None else None
    _check_data_shapes(spec, plan, problems)
    check_loss(plan, output_shape, output_id, spec, problems)
    _check_components(spec, plan, problems)
    return plan


def _check_data_shapes(spec: ModelSpec, plan: TrainingPlan, problems: list[Problem]) -> None:
    dataset = plan.dataset
    if dataset is None:
        return
    entry = dataset.entry
    assert isinstance(entry, Dataset)
    shape = tuple(spec.input.shape)
    expected = entry.expects(dataset.params)
    plan.num_classes = expected.classes
    allowed = list(expected.shapes)
    resize = next((a.params.get("size") for a in plan.augmentations if a.type == "Resize"), None)
    if allowed and resize is not None and len(resize) == 2:
        allowed = [(s[0], *resize) for s in allowed]
    what = f"{dataset.type} samples"
    if allowed and shape not in allowed:
        options = " or ".join(str(list(e)) for e in allowed)
        problems.append(
            Problem(
                "/input/shape",
                f"{what} have shape {options}, but the input shape is {list(shape)}",
                f"set the input shape to {list(allowed[0])}",
            )
        )
    elif expected.rank is not None and (
        len(shape) != expected.rank or (expected.channels and shape[0] not in expected.channels)
    ):
        problems.append(
            Problem(
                "/input/shape",
                f"{expected.gives}, but the input shape is {list(shape)}",
                expected.hint,
            )
        )
    plan.next_token = expected.next_token
    if spec.input.dtype != expected.dtype:
        problems.append(
            Problem(
                "/input/dtype",
                f"{what} are {expected.dtype}, but the input dtype is {spec.input.dtype}",
                f'set the input dtype to "{expected.dtype}"'
                + (" and vocab_size" if expected.dtype == "int64" else ""),
            )
        )
    elif expected.vocab is not None and spec.input.vocab_size is not None:
        low, high = expected.vocab
        if not low <= spec.input.vocab_size <= high:
            wanted = str(low) if low == high else f"from {low} to {high}"
            problems.append(
                Problem(
                    "/input/vocab_size",
                    f"{what} have a vocabulary of {wanted} tokens, but vocab_size is "
                    f"{spec.input.vocab_size}",
                    expected.hint.rsplit("; ", 1)[-1],
                )
            )
    if plan.augmentations and not entry.images:
        problems.append(
            Problem(
                "/training/augmentations",
                f"augmentations apply to image datasets, not to '{dataset.type}'",
                "remove them, or choose an image dataset",
            )
        )
    if plan.augmentations and len(shape) != 3:
        problems.append(
            Problem("/training/augmentations", "augmentations need (C, H, W) images", "remove them")
        )
    for k, aug in enumerate(plan.augmentations):
        if aug.type == "Resize" and len(aug.params.get("size", ())) != 2:
            problems.append(
                Problem(
                    pointer("training", "augmentations", k, "params", "size"),
                    "Resize needs [height, width]",
                    "write it like [32, 32]",
                )
            )
        if (
            aug.type == "ColorJitter"
            and len(shape) == 3
            and shape[0] != 3
            and aug.params["saturation"]
        ):
            problems.append(
                Problem(
                    pointer("training", "augmentations", k, "params", "saturation"),
                    "saturation jitter needs colour (3-channel) images",
                    "set saturation to 0 for greyscale images",
                )
            )


def _check_components(spec: ModelSpec, plan: TrainingPlan, problems: list[Problem]) -> None:
    training = plan.spec
    optimizer = plan.optimizer
    nesterov = optimizer is not None and optimizer.params.get("nesterov")
    if nesterov and (
        optimizer.params.get("momentum", 0) <= 0 or optimizer.params.get("dampening", 0) != 0
    ):
        problems.append(
            Problem(
                "/training/optimizer/params/nesterov",
                "Nesterov momentum needs momentum > 0 and dampening 0",
                "set momentum (e.g. 0.9) and dampening 0, or turn nesterov off",
            )
        )
    scheduler = plan.scheduler
    if (
        scheduler is not None
        and scheduler.type == "MultiStepLR"
        and "milestones" in scheduler.params
    ):
        milestones = list(scheduler.params["milestones"])
        if milestones != sorted(set(milestones)):
            problems.append(
                Problem(
                    "/training/scheduler/params/milestones",
                    "milestones must increase",
                    "list the epochs in increasing order, each once",
                )
            )
    needs_val = training.early_stopping is not None or (
        scheduler is not None and scheduler.type == "ReduceLROnPlateau"
    )
    if needs_val and training.val_split <= 0:
        problems.append(
            Problem(
                "/training/val_split",
                "early stopping and ReduceLROnPlateau watch the validation loss",
                "set val_split above 0 (e.g. 0.2)",
            )
        )
    metric = training.metric
    if metric != "auto":
        wanted = METRIC_TASK[metric]
        task = "classification" if plan.task == "binary" else plan.task
        if wanted != task:
            problems.append(
                Problem(
                    "/training/metric",
                    f"{metric} is a {wanted} metric, but this is {task}",
                    "use 'auto'",
                )
            )
        plan.metric = metric
    else:
        plan.metric = "rmse" if plan.task == "regression" else "accuracy"
        if plan.next_token:
            plan.metric = "perplexity"
        if plan.dataset is not None and plan.dataset.params.get("log_target"):
            plan.metric = "log_rmse"
