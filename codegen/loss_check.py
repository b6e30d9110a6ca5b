"""Checking that the loss fits the data's targets and the model's output."""

from __future__ import annotations

from .problems import Problem, pointer
from .registry import Shape
from .registry.base import fmt_shape
from .spec import ModelSpec
from .training_plan import TrainingPlan, dataset_task, loss_task


def check_loss(
    plan: TrainingPlan,
    output_shape: Shape | None,
    output: str | None,
    spec: ModelSpec,
    problems: list[Problem],
) -> None:
    loss = plan.loss
    if loss is None:
        return
    loss_kind = loss_task(loss)
    data_task = dataset_task(plan.dataset)
    path = "/training/loss/type"
    if spec.training is None or spec.training.loss is None:
        # the loss is the default one: point at the model's output node, which exists
        index = next((k for k, n in enumerate(spec.nodes) if n.id == output), None)
        path = pointer("nodes", index) if index is not None else ""
    if data_task == "regression" and loss_kind != "regression":
        problems.append(
            Problem(
                path,
                f"{loss.type} is a classification loss, but the data has numeric targets",
                "use MSELoss, L1LossLoss or HuberLoss for regression".replace("LossLoss", "Loss"),
            )
        )
        return
    if data_task == "classification" and loss_kind == "regression":
        problems.append(
            Problem(
                path,
                f"{loss.type} is a regression loss, but the data has class labels",
                "use CrossEntropyLoss",
            )
        )
        return
    if output_shape is None:
        return
    if plan.next_token:
        _check_next_token_output(spec, output_shape, path, loss.type, problems)
        return
    classes = plan.num_classes
    if plan.dataset is not None and plan.dataset.type == "synthetic-classification":
        classes = output_shape[0] if len(output_shape) == 1 else None
        if loss_kind == "binary":
            classes = 2
    plan.num_classes = classes
    out = fmt_shape(output_shape)
    if loss_kind == "binary":
        if output_shape != (1,):
            problems.append(
                Problem(
                    path,
                    f"{loss.type} needs one output per sample, the model gives {out}",
                    "end the model with Linear(out_features=1), or use CrossEntropyLoss",
                )
            )
        elif classes not in (None, 2):
            problems.append(
                Problem(
                    path,
                    f"{loss.type} is for two classes, the data has {classes}",
                    "use CrossEntropyLoss",
                )
            )
        return
    if loss_kind == "classification":
        if len(output_shape) != 1:
            problems.append(
                Problem(
                    path,
                    f"{loss.type} needs one score per class, the model gives {out}",
                    "end the model with Flatten and a Linear layer",
                )
            )
        elif classes is not None and output_shape[0] != classes:
            problems.append(
                Problem(
                    path,
                    f"{loss.type} needs one output per class: the model gives {output_shape[0]} "
                    f"but the data has {classes} classes",
                    f"set the last layer's output size (e.g. out_features) to {classes}",
                )
            )
        elif output_shape[0] < 2:
            problems.append(
                Problem(
                    path,
                    f"{loss.type} needs at least two classes, the model gives {out}",
                    "give the last layer one output per class",
                )
            )
        if loss.type == "NLLLoss" and output and spec.nodes:
            last = next((n for n in spec.nodes if n.id == output), None)
            if last is not None and last.type != "LogSoftmax":
                problems.append(
                    Problem(
                        path,
                        "NLLLoss expects log-probabilities",
                        "end the model with LogSoftmax, or use CrossEntropyLoss on raw scores",
                    )
                )
        return
    # regression
    if len(output_shape) != 1:
        problems.append(
            Problem(
                path,
                f"{loss.type} compares one value vector per sample, the model gives {out}",
                "end the model with Flatten and Linear",
            )
        )
    elif (
        plan.dataset is not None
        and plan.dataset.type in ("sklearn", "csv")
        and output_shape != (1,)
    ):
        problems.append(
            Problem(
                path,
                f"the data has one target per sample, the model gives {out}",
                "set the last layer's out_features to 1",
            )
        )


def _check_next_token_output(
    spec: ModelSpec, output_shape: Shape, path: str, loss: str, problems: list[Problem]
) -> None:
    """Language modelling: a score for each token of the vocabulary at each position."""
    length, vocab = spec.input.shape[0], spec.input.vocab_size
    wanted = (length, vocab)
    if output_shape == wanted:
        return
    out = fmt_shape(output_shape)
    if len(output_shape) != 2 or output_shape[0] != length:
        hint = "keep one output per position: remove pooling (Mean, LastStep, Flatten) at the end"
    else:
        hint = f"give the last layer {vocab} outputs (e.g. Linear out_features={vocab})"
    problems.append(
        Problem(
            path,
            f"{loss} on next tokens needs scores {fmt_shape(wanted)} (positions x vocabulary), "
            f"the model gives {out}",
            hint,
        )
    )
