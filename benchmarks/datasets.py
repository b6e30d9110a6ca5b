"""Benchmark data of realistic size, written in the real on-disk formats.

- MNIST / Fashion-MNIST: idx files in `root/<name>/raw/` (60,000 + 10,000 by default), as
  torchvision's MNIST and FashionMNIST and the generated data.py read them;
- CIFAR-10: the pickled python batches in `root/cifar-10-batches-py/` plus `batches.meta`;
- house prices: `train.csv` and `test.csv` shaped like Kaggle's (1460 + 1459 rows, an Id,
  36 numeric and 43 categorical columns with gaps, SalePrice).

Images of class k carry a bright block at a place that depends on k over uniform noise, so
that the networks have something to learn; the pixel values do not change the speed.
"""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np

from codegen.registry.datasets import CIFAR10_IMAGES


def class_images(count: int, channels: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, H, W, C) and uint8 labels (N,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.uint8)
    block = size // 4
    masks = np.zeros((10, size, size, 1), dtype=bool)
    for label in range(10):
        row, col = divmod(label, 4)
        masks[label, row * block : (row + 1) * block, col * block : (col + 1) * block] = True
    noise = rng.integers(0, 120, (count, size, size, channels), dtype=np.uint8)
    return np.where(masks[labels], np.uint8(255), noise), labels


def write_idx(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """MNIST's idx format: a big-endian header, then raw unsigned bytes."""
    count, rows, cols = images.shape[:3]
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(
        struct.pack(">IIII", 2051, count, rows, cols) + images[..., 0].tobytes()
    )
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(
        struct.pack(">II", 2049, count) + labels.tobytes()
    )


def write_mnist(
    root: Path, name: str = "FashionMNIST", train: int = 60_000, test: int = 10_000
) -> Path:
    """`root/<name>/raw/` as torchvision's MNIST (name "MNIST") and FashionMNIST read it."""
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    write_idx(raw, "train", *class_images(train, 1, 28, seed=1))
    write_idx(raw, "t10k", *class_images(test, 1, 28, seed=2))
    return root


def write_cifar10(root: Path, train: int = 10_000, test: int = 2_000) -> Path:
    """`root/cifar-10-batches-py/`: five training batches, the test batch, batches.meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    per_batch = -(-train // 5)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        count = test if name == "test_batch" else min(per_batch, train - (k * per_batch))
        images, labels = class_images(max(count, 0), 3, 32, seed=10 + k)
        rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)  # channel planes
        batch = {"batch_label": name, "data": rows, "labels": [int(x) for x in labels]}
        with open(folder / name, "wb") as handle:
            pickle.dump(batch, handle)
    with open(folder / "batches.meta", "wb") as handle:
        pickle.dump(
            {"label_names": list(CIFAR10_IMAGES.class_names), "num_cases_per_batch": per_batch},
            handle,
        )
    return root


NUMERIC = [
    "MSSubClass",
    "LotFrontage",
    "LotArea",
    "OverallQual",
    "OverallCond",
    "YearBuilt",
    "YearRemodAdd",
    "MasVnrArea",
    "BsmtFinSF1",
    "BsmtFinSF2",
    "BsmtUnfSF",
    "TotalBsmtSF",
    "1stFlrSF",
    "2ndFlrSF",
    "LowQualFinSF",
    "GrLivArea",
    "BsmtFullBath",
    "BsmtHalfBath",
    "FullBath",
    "HalfBath",
    "BedroomAbvGr",
    "KitchenAbvGr",
    "TotRmsAbvGrd",
    "Fireplaces",
    "GarageYrBlt",
    "GarageCars",
    "GarageArea",
    "WoodDeckSF",
    "OpenPorchSF",
    "EnclosedPorch",
    "3SsnPorch",
    "ScreenPorch",
    "PoolArea",
    "MiscVal",
    "MoSold",
    "YrSold",
]
CATEGORICAL_LEVELS = [5, 2, 3, 4, 4, 2, 5, 3, 25, 9, 8, 5, 8, 6, 8, 10, 10, 4, 4, 6, 5, 5, 4, 6]
CATEGORICAL_LEVELS += [7, 6, 6, 2, 5, 5, 8, 3, 7, 6, 6, 3, 5, 3, 4, 4, 5, 9, 6]
"""Levels of Kaggle's 43 categorical columns (Neighborhood has 25), roughly; with a missing-value
column each and the 36 numeric columns they encode to 330 features, as in the d2l chapter."""


def write_house_prices(folder: Path, train: int = 1460, test: int = 1459, seed: int = 0) -> Path:
    """`folder/train.csv` and `folder/test.csv` in the layout of Kaggle's house prices."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = train + test
    columns: dict[str, np.ndarray] = {"Id": np.arange(1, total + 1)}
    numeric = rng.lognormal(mean=3.0, sigma=1.0, size=(total, len(NUMERIC))).round(1)
    for k, name in enumerate(NUMERIC):
        values = numeric[:, k].astype(object)
        values[rng.random(total) < 0.03] = np.nan  # gaps, filled by the encoders
        columns[name] = values
    for k, levels in enumerate(CATEGORICAL_LEVELS):
        picks = rng.integers(0, levels, total)
        values = np.array([f"L{k}_{p}" for p in picks], dtype=object)
        values[rng.random(total) < 0.05] = np.nan
        columns[f"Cat{k:02d}"] = values
    price = 50_000 + 3_000 * numeric[:, 3] + 40 * numeric[:, 15] + rng.normal(0, 5_000, total)
    frame = pd.DataFrame(columns)
    frame[NUMERIC] = frame[NUMERIC].astype(float)
    frame.iloc[:train].assign(SalePrice=np.abs(price[:train]).round()).to_csv(
        folder / "train.csv", index=False
    )
    frame.iloc[train:].to_csv(folder / "test.csv", index=False)
    return folder


def encoded_width(folder: Path, target: str = "SalePrice", id_column: str = "Id") -> int:
    """Number of features after d2l's encoding (numeric kept, categoricals one-hot + NaN)."""
    import pandas as pd

    frames = [pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")]
    features = pd.concat(frames).drop(columns=[target, id_column], errors="ignore")
    return pd.get_dummies(features, dummy_na=True).shape[1]
