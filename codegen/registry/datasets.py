"""Dataset kinds: one entry each, naming the template in `templates/code/data/` that loads it.

An entry says what the data is (title, task), what it feeds the model (`Expectation`:
input shapes, dtype, classes), what the generated project needs for it (requirements,
download, a test split, predict.py) and the values its template reads (`context`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..literals import py
from ..params import REQUIRED, Param
from .base import Params, Shape
from .dataset import Dataset, Expectation
from .training import Task

TORCHVISION_REQUIREMENT = "torchvision>=0.20"  # the release that goes with torch 2.5
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


# ---------------------------------------------------------------- scikit-learn's toy sets


@dataclass(frozen=True)
class ToySet:
    """A dataset shipped inside scikit-learn: no download."""

    name: str
    task: Task
    features: int
    classes: int | None
    shapes: tuple[Shape, ...] = ()

    @property
    def expectation(self) -> Expectation:
        shapes = ((self.features,), *self.shapes)
        return Expectation(shapes=shapes, classes=self.classes, hint=f"use [{self.features}]")


TOY_SETS = {
    s.name: s
    for s in (
        ToySet("iris", "classification", 4, 3),
        ToySet("digits", "classification", 64, 10, shapes=((1, 8, 8), (8, 8))),
        ToySet("wine", "classification", 13, 3),
        ToySet("breast_cancer", "classification", 30, 2),
        ToySet("diabetes", "regression", 10, None),
    )
}


def _toy(params: Params) -> ToySet | None:
    return TOY_SETS.get(params.get("name", ""))


SKLEARN = Dataset(
    "sklearn",
    "A toy dataset shipped with scikit-learn (no download).",
    (Param("name", "choice", "digits", "Which dataset.", choices=tuple(TOY_SETS)),),
    title="a scikit-learn toy dataset",
    template="sklearn",
    task=None,
    auto_task=lambda p: toy.task if (toy := _toy(p)) else None,
    expects=lambda p: toy.expectation if (toy := _toy(p)) else Expectation(),
    requirements=("scikit-learn",),
)


# ---------------------------------------------------------------- torchvision's image sets


@dataclass(frozen=True)
class ImageSet:
    """A torchvision dataset: its class, sample shape, class names and pixel statistics."""

    torchvision_class: str
    shape: Shape
    class_names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]


def _torchvision(kind: str, title: str, doc: str, images: ImageSet) -> Dataset:
    shape = ", ".join(str(d) for d in images.shape)
    return Dataset(
        kind,
        f"{doc} ({'x'.join(str(d) for d in images.shape)}, {len(images.class_names)} classes; "
        "torchvision, --download to fetch).",
        (_ROOT,),
        title=title,
        template="torchvision",
        task="classification",
        expects=lambda p: Expectation(
            shapes=(images.shape,), classes=len(images.class_names), hint=f"use [{shape}]"
        ),
        images=True,
        requirements=(TORCHVISION_REQUIREMENT,),
        predicts="images",
        download=True,
        test_split=True,
        context=lambda p, task: {
            "torchvision_class": images.torchvision_class,
            "image_mean": py(images.mean),
            "image_std": py(images.std),
            "class_labels": py(images.class_names),
        },
    )


MNIST = _torchvision(
    "mnist",
    "MNIST",
    "Handwritten digits",
    ImageSet("MNIST", (1, 28, 28), tuple(str(d) for d in range(10)), (0.1307,), (0.3081,)),
)
FASHION_MNIST = _torchvision(
    "fashion-mnist",
    "Fashion-MNIST",
    "Clothing images",
    ImageSet(
        "FashionMNIST",
        (1, 28, 28),
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        (0.2860,),
        (0.3530,),
    ),
)
CIFAR10_IMAGES = ImageSet(
    "CIFAR10",
    (3, 32, 32),
    (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
    (0.4914, 0.4822, 0.4465),
    (0.2470, 0.2435, 0.2616),
)
CIFAR10 = _torchvision("cifar10", "CIFAR-10", "Colour images", CIFAR10_IMAGES)

# ---------------------------------------------------------------- files of images

_IMAGE_FILES = Expectation(
    rank=3,
    channels=(1, 3),
    gives="images load as (channels, height, width)",
    hint="use [3, H, W] for colour or [1, H, W] for greyscale images",
)

# image files on disk, read one by one through a DataLoader
_IMAGE_FILE_LOADING: dict[str, Any] = {
    "template": "images",
    "task": "classification",
    "expects": lambda p: _IMAGE_FILES,
    "in_memory": False,
    "images": True,
    "requirements": (TORCHVISION_REQUIREMENT,),
    "predicts": "images",
}

IMAGE_FOLDER = Dataset(
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
    title="a folder of images",
    **_IMAGE_FILE_LOADING,
)
IMAGE_CSV = Dataset(
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
    title="images listed in a CSV file",
    **_IMAGE_FILE_LOADING,
)

# ---------------------------------------------------------------- tables and synthetic data

CSV = Dataset(
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
        Param("id_column", "str", None, "Column to ignore as a feature (e.g. Id).", nullable=True),
        Param("log_target", "bool", False, "Train on log(target) (prices); report log-RMSE."),
        _TEST,
    ),
    title="a CSV table",
    template="csv",
    task=None,
    auto_task=lambda p: p.get("task"),
    expects=lambda p: Expectation(
        rank=1,
        gives="a CSV table gives flat rows",
        hint="set the input shape to [number of feature columns after one-hot encoding]",
    ),
    requirements=("pandas",),
    predicts="rows",
    context=lambda p, task: {"predict_test": bool(p.get("test_path")) and task == "regression"},
)

SYNTHETIC_REGRESSION = Dataset(
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
    title="synthetic regression data",
    template="synthetic-regression",
    task="regression",
)
SYNTHETIC_CLASSIFICATION = Dataset(
    "synthetic-classification",
    "Gaussian clusters, one per class; the number of classes is the model's output size.",
    (_N_SAMPLES, _NOISE),
    title="synthetic classification data",
    template="synthetic-classification",
    task="classification",
)

# ---------------------------------------------------------------- text

_TOKENIZER = Param(
    "tokenizer",
    "choice",
    "bytes",
    "bytes: the text's UTF-8 bytes (vocab_size 256); bpe: a byte-level BPE of vocab_size "
    "tokens, trained on the training text (tokenizers package).",
    choices=("bytes", "bpe"),
)
BYTE_VOCAB = 256
MIN_BPE_VOCAB = BYTE_VOCAB + 4
"""A BPE starts from the 256 bytes and adds merges (and a padding token for text-csv)."""


def _token_vocab(params: Params) -> tuple[int, int]:
    if params.get("tokenizer") == "bpe":
        return (MIN_BPE_VOCAB, 1_000_000)
    return (BYTE_VOCAB, BYTE_VOCAB)


def _tokenizer_requirements(*packages: str) -> Callable[[Params], tuple[str, ...]]:
    return lambda p: (*packages, *(("tokenizers",) if p.get("tokenizer") == "bpe" else ()))


def _vocab_hint(params: Params) -> str:
    if params.get("tokenizer") == "bpe":
        return f"set vocab_size to the BPE's size (at least {MIN_BPE_VOCAB}, e.g. 512)"
    return f"set vocab_size to {BYTE_VOCAB} for byte tokens"


TEXT = Dataset(
    "text",
    "A UTF-8 text file for next-token language modelling over windows of the input length.",
    (
        Param("path", "str", REQUIRED, "UTF-8 text file (relative to --data-dir).", data_path=True),
        _TOKENIZER,
        Param(
            "stride",
            "int",
            None,
            "Tokens between the starts of two windows (default: the window length).",
            min=1,
            nullable=True,
        ),
    ),
    title="a text file",
    template="text",
    task="classification",
    expects=lambda p: Expectation(
        rank=1,
        dtype="int64",
        vocab=_token_vocab(p),
        next_token=True,
        gives="a text gives windows of token ids (L)",
        hint=f"set the input shape to [window length], e.g. [128]; {_vocab_hint(p)}",
    ),
    requirements=_tokenizer_requirements(),
    predicts="text",
)

TEXT_CSV = Dataset(
    "text-csv",
    "Texts and labels in a CSV file: each text tokenised, cut or padded at the start to the "
    "input length.",
    (
        Param(
            "path",
            "str",
            REQUIRED,
            "CSV file with a header row (relative to --data-dir).",
            data_path=True,
        ),
        Param("text_column", "str", "text", "Column of the texts."),
        Param("label_column", "str", "label", "Column of the labels."),
        _TOKENIZER,
    ),
    title="texts in a CSV file",
    template="text-csv",
    task="classification",
    expects=lambda p: Expectation(
        rank=1,
        dtype="int64",
        vocab=_token_vocab(p),
        gives="texts give token ids (L), padded at the start with id 0",
        hint=f"set the input shape to [text length in tokens], e.g. [256]; {_vocab_hint(p)}",
    ),
    requirements=_tokenizer_requirements("pandas"),
    predicts="text",
)

DATASETS = (
    SYNTHETIC_REGRESSION,
    SYNTHETIC_CLASSIFICATION,
    SKLEARN,
    CSV,
    MNIST,
    FASHION_MNIST,
    CIFAR10,
    IMAGE_FOLDER,
    IMAGE_CSV,
    TEXT,
    TEXT_CSV,
)
