"""Tiny datasets written in the real on-disk formats that the generated code reads.

Images of class k carry a bright block at a position that depends on k, plus noise, so a
small network can learn them in a few steps.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from benchmarks.datasets import write_idx


def class_images(count: int, channels: int, size: int, classes: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, count)
    images = rng.integers(0, 60, (count, size, size, channels)).astype(np.uint8)
    block = size // 4
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 4)
        images[i, row * block : (row + 1) * block, col * block : (col + 1) * block, :] = 255
    return images, labels.astype(np.uint8)


def write_mnist(root: Path, name: str = "MNIST", train: int = 300, test: int = 100) -> Path:
    """`root/<name>/raw/` as torchvision's MNIST and FashionMNIST read it."""
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    write_idx(raw, "train", *class_images(train, 1, 28, seed=1))
    write_idx(raw, "t10k", *class_images(test, 1, 28, seed=2))
    return root


def write_cifar10(root: Path, per_batch: int = 60, test: int = 100) -> Path:
    """`root/cifar-10-batches-py/` with the five training batches and the test batch."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        images, labels = class_images(test if name == "test_batch" else per_batch, 3, 32, seed=k)
        rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)  # channel planes, like CIFAR
        batch = {"batch_label": name, "data": rows, "labels": [int(x) for x in labels]}
        with open(folder / name, "wb") as handle:
            pickle.dump(batch, handle)
    return root


def write_image_folder(root: Path, classes: int = 3, per_class: int = 12, size: int = 20) -> Path:
    """`root/<class>/<n>.png`, as torchvision's ImageFolder reads it."""
    from PIL import Image

    images, labels = class_images(classes * per_class, 3, size, classes=classes, seed=3)
    for k, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{k}.png")
    return root


def write_image_csv(root: Path, classes: int = 3, count: int = 36, size: int = 20) -> Path:
    """`root/labels.csv` (file,label) and `root/images/<n>.png`."""
    from PIL import Image

    (root / "images").mkdir(parents=True, exist_ok=True)
    images, labels = class_images(count, 3, size, classes=classes, seed=4)
    lines = ["file,label"]
    for k, (image, label) in enumerate(zip(images, labels, strict=True)):
        Image.fromarray(image).save(root / "images" / f"{k}.png")
        lines.append(f"images/{k}.png,{['cat', 'dog', 'fox'][label]}")
    (root / "labels.csv").write_text("\n".join(lines) + "\n")
    return root
