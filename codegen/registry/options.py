"""Augmentations of image batches and the plain training fields (batch size, epochs, ...)."""

from __future__ import annotations

from ..params import REQUIRED, Param
from .base import Component

AUGMENTATIONS = (
    Component(
        "RandomCrop",
        "Pad, then crop back to the original size at a random position.",
        (Param("padding", "int", 4, "Pixels of padding on each side.", min=0, max=64),),
    ),
    Component(
        "RandomHorizontalFlip",
        "Mirror left-right with probability p.",
        (Param("p", "float", 0.5, "Probability.", min=0.0, max=1.0),),
    ),
    Component(
        "RandomRotation",
        "Rotate by a random angle in [-degrees, degrees].",
        (Param("degrees", "float", 10.0, "Largest rotation in degrees.", min=0.0, max=180.0),),
    ),
    Component(
        "ColorJitter",
        "Randomly change brightness, contrast and saturation.",
        (
            Param("brightness", "float", 0.2, "Brightness jitter.", min=0.0, max=1.0),
            Param("contrast", "float", 0.2, "Contrast jitter.", min=0.0, max=1.0),
            Param("saturation", "float", 0.2, "Saturation jitter.", min=0.0, max=1.0),
        ),
    ),
    Component(
        "Resize",
        "Resize images to a size before the other steps (loading already fits the input shape).",
        (Param("size", "int_list", REQUIRED, "Target [height, width].", min=1),),
    ),
)

TRAINING_FIELDS = (
    Param("batch_size", "int", 64, "Samples per optimisation step.", min=1, max=65536),
    Param("epochs", "int", 10, "Passes over the training data.", min=1, max=100000),
    Param(
        "val_split", "float", 0.2, "Share of the data held out for validation.", min=0.0, max=0.9
    ),
    Param("seed", "int", 0, "Random seed (runs on CPU are deterministic).", min=0, max=2**32 - 1),
    Param("device", "choice", "auto", "Where to train.", choices=("auto", "cpu", "cuda", "mps")),
    Param(
        "grad_clip",
        "float",
        None,
        "Clip the gradient norm to this value.",
        min=0.0,
        exclusive_min=True,
        nullable=True,
    ),
    Param(
        "metric",
        "choice",
        "auto",
        "Validation metric (auto: accuracy, RMSE by task; perplexity for next tokens).",
        choices=("auto", "accuracy", "rmse", "log_rmse", "mae", "perplexity"),
    ),
    Param("tensorboard", "bool", False, "Also log to TensorBoard (needs the tensorboard package)."),
    Param("mixed_precision", "bool", False, "Mixed precision on CUDA (torch.autocast)."),
    Param("channels_last", "bool", False, "channels_last memory format for image models."),
    Param("compile", "bool", False, "Compile the model with torch.compile."),
)

EARLY_STOPPING_FIELDS = (
    Param("patience", "int", 5, "Epochs without improvement before stopping.", min=1, max=10000),
    Param("min_delta", "float", 0.0, "Smallest change that counts as an improvement.", min=0.0),
)
