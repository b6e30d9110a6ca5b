"""predict.py reproduces the predictions of the trained model."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import load_example
from tests.execution.fake_data import class_images, write_image_folder, write_mnist
from tests.execution.project import run_train, with_training, write_project
from tests.execution.test_datasets import write_house_prices

pytestmark = pytest.mark.slow


def run_python(folder, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def predict(folder, *args: str) -> list[list[str]]:
    result = subprocess.run(
        [sys.executable, "predict.py", *args], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_predict_mnist_images(tmp_path):
    data = write_mnist(tmp_path / "data")
    spec = with_training(load_example("d2l-mlp-dropout"), dataset={"kind": "mnist"}, epochs=2)
    folder = write_project(spec, tmp_path / "p")
    assert run_train(folder, "--data-dir", str(data), out="run").returncode == 0
    images, _ = class_images(6, 1, 28, seed=9)
    paths = []
    for k, image in enumerate(images):
        path = tmp_path / f"digit{k}.png"
        Image.fromarray(image[..., 0]).save(path)
        paths.append(str(path))
    np.save(tmp_path / "images.npy", images[..., 0])
    expected = run_python(
        folder,
        f"""
import numpy, torch
from data import prepare
from model import build_model
model = build_model()
model.load_state_dict(torch.load('run/model.pt', weights_only=True))
model.eval()
images = torch.from_numpy(numpy.load({str(tmp_path / 'images.npy')!r})).unsqueeze(1)
print(' '.join(str(k) for k in model(prepare(images)).argmax(dim=1).tolist()))
""",
    ).split()
    rows = predict(folder, *paths, "--out", "run")
    assert [row[0] for row in rows] == paths
    assert [row[1] for row in rows] == expected
    assert all(0 < float(row[2]) <= 1 for row in rows)


def test_predict_image_folder_uses_training_statistics(tmp_path):
    data = write_image_folder(tmp_path / "data" / "pets")
    spec = {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Pets",
        "input": {"shape": [3, 16, 16]},
        "nodes": [
            {"id": "flatten", "type": "Flatten"},
            {"id": "fc", "type": "Linear", "params": {"out_features": 3}},
        ],
        "training": {"dataset": {"kind": "image-folder", "params": {"path": "pets"}}, "epochs": 2},
    }
    folder = write_project(spec, tmp_path / "p")
    assert run_train(folder, "--data-dir", str(data.parent), out="run").returncode == 0
    images = sorted(str(p) for p in data.glob("*/*.png"))[:5]
    expected = run_python(
        folder,
        f"""
import json, torch
from torchvision import transforms
from data import load_image
from model import build_model
stats = json.load(open('run/preprocessing.json'))
t = transforms.Compose([transforms.Resize((16, 16)), transforms.ToTensor(),
                        transforms.Normalize(stats['mean'], stats['std'])])
model = build_model()
model.load_state_dict(torch.load('run/model.pt', weights_only=True))
model.eval()
batch = torch.stack([t(load_image(p)) for p in {images!r}])
print(' '.join(stats['classes'][k] for k in model(batch).argmax(dim=1).tolist()))
""",
    ).split()
    assert [row[1] for row in predict(folder, *images, "--out", "run")] == expected


def test_predict_csv_rows_matches_test_predictions(tmp_path):
    data = tmp_path / "data"
    write_house_prices(data)
    spec = load_example("house-prices-mlp")
    spec["input"]["shape"] = [9]
    spec["training"]["epochs"] = 5
    folder = write_project(spec, tmp_path / "p")
    assert run_train(folder, "--data-dir", str(data), out="run").returncode == 0
    output = tmp_path / "predicted.csv"
    subprocess.run(
        [
            sys.executable,
            "predict.py",
            str(data / "test.csv"),
            "--data-dir",
            str(data),
            "--out",
            "run",
            "--output",
            str(output),
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    with open(output) as handle:
        mine = [float(row["SalePrice"]) for row in csv.DictReader(handle)]
    with open(folder / "run" / "predictions.csv") as handle:
        trained = [float(row["SalePrice"]) for row in csv.DictReader(handle)]
    assert mine == pytest.approx(trained, rel=1e-5)
