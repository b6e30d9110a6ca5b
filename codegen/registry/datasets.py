"""Dataset kinds and augmentations the generated code can load and apply."""

from __future__ import annotations

from ..params import REQUIRED, Param
from .base import Component

_N_SAMPLES = Param("n_samples", "int", 1000, "Number of samples generated.", min=10, max=1_000_000)
_NOISE = Param("noise", "float", 0.1, "Standard deviation of the added noise.", min=0.0)
_ROOT = Param(
    "root", "str", "data", "Folder with the data (overridden by --data-dir).", data_path=True
)
_TEST = Param(
    "test_path",
    "str",
    None,
    "Optional CSV of unlabelled rows to predict after training.",
    nullable=True,
    data_path=True,
)

SKLEARN_SETS = {
    "iris": "classification",
    "digits": "classification",
    "wine": "classification",
    "breast_cancer": "classification",
    "diabetes": "regression",
}
"""Toy sets shipped inside scikit-learn (no download), with their task."""

IMAGE_SETS = {
    "mnist": ((1, 28, 28), 10),
    "fashion-mnist": ((1, 28, 28), 10),
    "cifar10": ((3, 32, 32), 10),
}
"""torchvision datasets: sample shape and number of classes."""

DATASETS = (
    Component(
        "synthetic-regression",
        "Random inputs of the model's input shape; targets a function of them plus noise.",
        (
            _N_SAMPLES,
            _NOISE,
            Param(
                "function",
                "choice",
                "linear",
                "How targets depend on inputs.",
                choices=("linear", "quadratic", "sine"),
            ),
        ),
        {"task": "regression", "in_memory": True},
    ),
    Component(
        "synthetic-classification",
        "Gaussian clusters, one per class; the number of classes is the model's output size.",
        (_N_SAMPLES, _NOISE),
        {"task": "classification", "in_memory": True},
    ),
    Component(
        "sklearn",
        "A toy dataset shipped with scikit-learn (no download).",
        (Param("name", "choice", "digits", "Which dataset.", choices=tuple(SKLEARN_SETS)),),
        {"task": "auto", "in_memory": True},
    ),
    Component(
        "csv",
        "A table in a CSV file: numeric columns standardised, categorical ones one-hot, gaps filled.",
        (
            Param(
                "path",
                "str",
                REQUIRED,
                "CSV file with a header row (relative to --data-dir).",
                data_path=True,
            ),
            Param("target", "str", REQUIRED, "Column to predict."),
            Param(
                "task",
                "choice",
                "regression",
                "Regression or classification of the target.",
                choices=("regression", "classification"),
            ),
            Param(
                "id_column", "str", None, "Column to ignore as a feature (e.g. Id).", nullable=True
            ),
            Param("log_target", "bool", False, "Train on log(target) (prices); report log-RMSE."),
            _TEST,
        ),
        {"task": "auto", "in_memory": True},
    ),
    Component(
        "mnist",
        "Handwritten digits, 1x28x28, 10 classes (torchvision; --download to fetch).",
        (_ROOT,),
        {"task": "classification", "shape": [1, 28, 28], "classes": 10, "in_memory": True},
    ),
    Component(
        "fashion-mnist",
        "Clothing images, 1x28x28, 10 classes (torchvision; --download to fetch).",
        (_ROOT,),
        {"task": "classification", "shape": [1, 28, 28], "classes": 10, "in_memory": True},
    ),
    Component(
        "cifar10",
        "Colour images, 3x32x32, 10 classes (torchvision; --download to fetch).",
        (_ROOT,),
        {"task": "classification", "shape": [3, 32, 32], "classes": 10, "in_memory": True},
    ),
    Component(
        "image-folder",
        "Images in one sub-folder per class (torchvision ImageFolder), resized to the input shape.",
        (
            Param(
                "path",
                "str",
                REQUIRED,
                "Folder with one sub-folder per class (relative to --data-dir).",
                data_path=True,
            ),
        ),
        {"task": "classification", "in_memory": False},
    ),
    Component(
        "image-csv",
        "Image paths and labels in a CSV file (a custom Dataset), resized to the input shape.",
        (
            Param(
                "path",
                "str",
                REQUIRED,
                "CSV file: image path, label (relative to --data-dir).",
                data_path=True,
            ),
            Param(
                "image_dir",
                "str",
                "",
                "Folder the image paths are relative to (default: the CSV's).",
                data_path=True,
            ),
            Param(
                "path_column",
                "str",
                None,
                "Column of image paths (default: the first).",
                nullable=True,
            ),
            Param(
                "label_column",
                "str",
                None,
                "Column of labels (default: the second).",
                nullable=True,
            ),
        ),
        {"task": "classification", "in_memory": False},
    ),
)

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
        "Validation metric (auto: accuracy or RMSE by task).",
        choices=("auto", "accuracy", "rmse", "log_rmse", "mae"),
    ),
    Param("tensorboard", "bool", False, "Also log to TensorBoard (needs the tensorboard package)."),
    Param("mixed_precision", "bool", False, "Mixed precision on CUDA (torch.autocast)."),
    Param("channels_last", "bool", False, "channels_last memory format for image models."),
    Param("compile", "bool", False, "Compile the model with torch.compile."),
)
