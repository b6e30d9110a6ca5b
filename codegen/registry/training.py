"""Losses, optimizers, schedulers and weight initialisations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..params import REQUIRED, Param
from .base import Component

Task = Literal["regression", "classification", "binary"]


@dataclass(frozen=True, kw_only=True)
class Loss(Component):
    """A loss and the task it is for (binary: one logit per sample)."""

    task: Task


@dataclass(frozen=True, kw_only=True)
class Optimizer(Component):
    """A torch.optim optimizer; `lr` is always passed (from --lr)."""


@dataclass(frozen=True, kw_only=True)
class Scheduler(Component):
    """A learning-rate scheduler and when it steps: every epoch, batch, or on the val loss.

    `from_args` gives the train.py expression a parameter takes when it is left null (e.g.
    T_max from `args.epochs`); `extra` are further arguments train.py always passes.
    """

    step: Literal["epoch", "batch", "val_loss"]
    from_args: tuple[tuple[str, str], ...] = ()
    extra: str = ""


@dataclass(frozen=True, kw_only=True)
class Init(Component):
    """A weight initialisation: the `torch.nn.init` function and its one argument."""

    function: str | None
    argument: str | None = None
    title: str = ""


def _loss(type_: str, doc: str, task: Task, *params: Param) -> Loss:
    return Loss(type_, doc, params, task=task)


LOSSES = (
    _loss("MSELoss", "Mean squared error, for regression.", "regression"),
    _loss("L1Loss", "Mean absolute error, for regression; robust to outliers.", "regression"),
    Loss(
        "SmoothL1Loss",
        "Squared error below beta, absolute error above it.",
        (
            Param(
                "beta", "float", 1.0, "Where the loss switches from squared to absolute.", min=0.0
            ),
        ),
        task="regression",
    ),
    Loss(
        "HuberLoss",
        "Squared error below delta, linear above (Huber).",
        (
            Param(
                "delta",
                "float",
                1.0,
                "Where the loss switches to linear.",
                min=0.0,
                exclusive_min=True,
            ),
        ),
        task="regression",
    ),
    Loss(
        "CrossEntropyLoss",
        "Softmax cross-entropy on raw scores (logits), one output per class.",
        (
            Param(
                "label_smoothing",
                "float",
                0.0,
                "Share of the target mass spread over all classes.",
                min=0.0,
                max=1.0,
            ),
        ),
        task="classification",
    ),
    Loss(
        "NLLLoss",
        "Negative log-likelihood on log-probabilities; end the model with LogSoftmax.",
        (),
        task="classification",
    ),
    Loss(
        "BCEWithLogitsLoss",
        "Binary cross-entropy on one raw score per sample (two classes).",
        (),
        task="binary",
    ),
)

_LR = Param("lr", "float", 0.001, "Learning rate.", min=0.0, exclusive_min=True)
_WD = Param("weight_decay", "float", 0.0, "L2 penalty (weight decay).", min=0.0)
_EPS8 = Param("eps", "float", 1e-8, "Added to the denominator for numerical stability.", min=0.0)
_BETAS = Param(
    "betas",
    "float_tuple",
    (0.9, 0.999),
    "Decay rates of the moment estimates.",
    length=2,
    min=0.0,
    max=1.0,
)
_AMSGRAD = Param("amsgrad", "bool", False, "Use the AMSGrad variant.")

OPTIMIZERS = (
    Optimizer(
        "SGD",
        "Stochastic gradient descent, with optional (Nesterov) momentum.",
        (
            Param("lr", "float", 0.01, "Learning rate.", min=0.0, exclusive_min=True),
            Param("momentum", "float", 0.0, "Momentum factor (0.9 is common).", min=0.0, max=1.0),
            Param("dampening", "float", 0.0, "Dampening for momentum.", min=0.0, max=1.0),
            _WD,
            Param(
                "nesterov", "bool", False, "Nesterov momentum (needs momentum > 0, dampening 0)."
            ),
        ),
    ),
    Optimizer("Adam", "Adaptive moments (Kingma & Ba).", (_LR, _BETAS, _EPS8, _WD, _AMSGRAD)),
    Optimizer(
        "AdamW",
        "Adam with decoupled weight decay.",
        (
            _LR,
            _BETAS,
            _EPS8,
            Param("weight_decay", "float", 0.01, "Decoupled weight decay.", min=0.0),
            _AMSGRAD,
        ),
    ),
    Optimizer(
        "RMSprop",
        "Divides the gradient by a running average of its magnitude.",
        (
            Param("lr", "float", 0.01, "Learning rate.", min=0.0, exclusive_min=True),
            Param("alpha", "float", 0.99, "Smoothing constant.", min=0.0, max=1.0),
            _EPS8,
            _WD,
            Param("momentum", "float", 0.0, "Momentum factor.", min=0.0, max=1.0),
            Param("centered", "bool", False, "Normalise by an estimate of the gradient variance."),
        ),
    ),
    Optimizer(
        "Adagrad",
        "Per-parameter learning rates that shrink with the sum of squared gradients.",
        (
            Param("lr", "float", 0.01, "Learning rate.", min=0.0, exclusive_min=True),
            Param("lr_decay", "float", 0.0, "Learning-rate decay.", min=0.0),
            _WD,
            Param(
                "eps", "float", 1e-10, "Added to the denominator for numerical stability.", min=0.0
            ),
        ),
    ),
)

SCHEDULERS = (
    Scheduler(
        "StepLR",
        "Multiply the learning rate by gamma every step_size epochs.",
        (
            Param("step_size", "int", 10, "Epochs between decays.", min=1, positional=True),
            Param("gamma", "float", 0.1, "Factor of each decay.", min=0.0, exclusive_min=True),
        ),
        step="epoch",
    ),
    Scheduler(
        "MultiStepLR",
        "Multiply the learning rate by gamma at each milestone epoch.",
        (
            Param(
                "milestones",
                "int_list",
                REQUIRED,
                "Epochs at which to decay, increasing.",
                min=1,
                positional=True,
            ),
            Param("gamma", "float", 0.1, "Factor of each decay.", min=0.0, exclusive_min=True),
        ),
        step="epoch",
    ),
    Scheduler(
        "ExponentialLR",
        "Multiply the learning rate by gamma every epoch.",
        (
            Param(
                "gamma",
                "float",
                0.95,
                "Factor per epoch.",
                min=0.0,
                exclusive_min=True,
                positional=True,
            ),
        ),
        step="epoch",
    ),
    Scheduler(
        "CosineAnnealingLR",
        "Cosine decay of the learning rate over T_max epochs.",
        (
            Param(
                "T_max",
                "int",
                None,
                "Epochs of one half cosine (default: all epochs).",
                min=1,
                nullable=True,
            ),
            Param("eta_min", "float", 0.0, "Lowest learning rate.", min=0.0),
        ),
        step="epoch",
        from_args=(("T_max", "args.epochs"),),
    ),
    Scheduler(
        "OneCycleLR",
        "One cycle: warm up to max_lr, then anneal; stepped every batch.",
        (
            Param(
                "max_lr",
                "float",
                None,
                "Peak learning rate (default: the optimizer's lr).",
                min=0.0,
                exclusive_min=True,
                nullable=True,
            ),
            Param(
                "pct_start",
                "float",
                0.3,
                "Share of the cycle spent warming up.",
                min=0.0,
                max=1.0,
                exclusive_min=True,
            ),
            Param(
                "anneal_strategy",
                "choice",
                "cos",
                "Shape of the annealing.",
                choices=("cos", "linear"),
            ),
        ),
        step="batch",
        from_args=(("max_lr", "args.lr"),),
        extra="epochs=args.epochs, steps_per_epoch=steps_per_epoch",
    ),
    Scheduler(
        "ReduceLROnPlateau",
        "Lower the learning rate when the validation loss stops improving.",
        (
            Param(
                "factor",
                "float",
                0.1,
                "Factor of each reduction.",
                min=0.0,
                max=1.0,
                exclusive_min=True,
            ),
            Param("patience", "int", 10, "Epochs without improvement before reducing.", min=0),
            Param(
                "threshold", "float", 1e-4, "Smallest change that counts as improvement.", min=0.0
            ),
            Param("min_lr", "float", 0.0, "Lower bound of the learning rate.", min=0.0),
        ),
        step="val_loss",
    ),
)

_NONLINEARITY = Param(
    "nonlinearity",
    "choice",
    "relu",
    "Activation that follows.",
    choices=("relu", "leaky_relu"),
)
_GAIN = Param("gain", "float", 1.0, "Scaling factor.", min=0.0, exclusive_min=True)

INITS = (
    Init("default", "Keep torch's default initialisation of each layer.", function=None),
    Init(
        "xavier_uniform",
        "Glorot uniform weights for Linear and Conv layers; biases zero.",
        (_GAIN,),
        function="xavier_uniform_",
        argument="gain",
        title="Glorot-uniform weights",
    ),
    Init(
        "xavier_normal",
        "Glorot normal weights for Linear and Conv layers; biases zero.",
        (_GAIN,),
        function="xavier_normal_",
        argument="gain",
        title="Glorot-normal weights",
    ),
    Init(
        "kaiming_uniform",
        "He uniform weights (for ReLU networks); biases zero.",
        (_NONLINEARITY,),
        function="kaiming_uniform_",
        argument="nonlinearity",
        title="He-uniform weights",
    ),
    Init(
        "kaiming_normal",
        "He normal weights (for ReLU networks); biases zero.",
        (_NONLINEARITY,),
        function="kaiming_normal_",
        argument="nonlinearity",
        title="He-normal weights",
    ),
    Init(
        "normal",
        "Weights from N(0, std^2); biases zero.",
        (Param("std", "float", 0.01, "Standard deviation.", min=0.0, exclusive_min=True),),
        function="normal_",
        argument="std",
        title="Normal weights",
    ),
)
