"""Losses, optimizers, schedulers and weight initialisations."""

from __future__ import annotations

from ..params import REQUIRED, Param
from .base import Component

_REGRESSION = {"task": "regression"}
_CLASSIFICATION = {"task": "classification"}

LOSSES = (
    Component("MSELoss", "Mean squared error, for regression.", (), _REGRESSION),
    Component(
        "L1Loss", "Mean absolute error, for regression; robust to outliers.", (), _REGRESSION
    ),
    Component(
        "SmoothL1Loss",
        "Squared error below beta, absolute error above it.",
        (
            Param(
                "beta", "float", 1.0, "Where the loss switches from squared to absolute.", min=0.0
            ),
        ),
        _REGRESSION,
    ),
    Component(
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
        _REGRESSION,
    ),
    Component(
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
        _CLASSIFICATION,
    ),
    Component(
        "NLLLoss",
        "Negative log-likelihood on log-probabilities; end the model with LogSoftmax.",
        (),
        _CLASSIFICATION,
    ),
    Component(
        "BCEWithLogitsLoss",
        "Binary cross-entropy on one raw score per sample (two classes).",
        (),
        {"task": "binary"},
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
    Component(
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
    Component("Adam", "Adaptive moments (Kingma & Ba).", (_LR, _BETAS, _EPS8, _WD, _AMSGRAD)),
    Component(
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
    Component(
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
    Component(
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
    Component(
        "StepLR",
        "Multiply the learning rate by gamma every step_size epochs.",
        (
            Param("step_size", "int", 10, "Epochs between decays.", min=1, positional=True),
            Param("gamma", "float", 0.1, "Factor of each decay.", min=0.0, exclusive_min=True),
        ),
        {"step": "epoch"},
    ),
    Component(
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
        {"step": "epoch"},
    ),
    Component(
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
        {"step": "epoch"},
    ),
    Component(
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
        {"step": "epoch"},
    ),
    Component(
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
        {"step": "batch"},
    ),
    Component(
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
        {"step": "val_loss"},
    ),
)

INITS = (
    Component("default", "Keep torch's default initialisation of each layer."),
    Component(
        "xavier_uniform",
        "Glorot uniform weights for Linear and Conv layers; biases zero.",
        (Param("gain", "float", 1.0, "Scaling factor.", min=0.0, exclusive_min=True),),
    ),
    Component(
        "xavier_normal",
        "Glorot normal weights for Linear and Conv layers; biases zero.",
        (Param("gain", "float", 1.0, "Scaling factor.", min=0.0, exclusive_min=True),),
    ),
    Component(
        "kaiming_uniform",
        "He uniform weights (for ReLU networks); biases zero.",
        (
            Param(
                "nonlinearity",
                "choice",
                "relu",
                "Activation that follows.",
                choices=("relu", "leaky_relu"),
            ),
        ),
    ),
    Component(
        "kaiming_normal",
        "He normal weights (for ReLU networks); biases zero.",
        (
            Param(
                "nonlinearity",
                "choice",
                "relu",
                "Activation that follows.",
                choices=("relu", "leaky_relu"),
            ),
        ),
    ),
    Component(
        "normal",
        "Weights from N(0, std^2); biases zero.",
        (Param("std", "float", 0.01, "Standard deviation.", min=0.0, exclusive_min=True),),
    ),
)
