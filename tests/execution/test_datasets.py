"""Every dataset kind of the foundation, end to end: generate, train, check what was written."""

from __future__ import annotations

import csv
import random

import pytest

from tests.conftest import load_example
from tests.execution.project import run_train, write_project

pytestmark = pytest.mark.slow


def mlp_spec(shape, outputs, dataset, **training):
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Tiny MLP",
        "input": {"shape": shape},
        "nodes": [
            {"id": "fc1", "type": "Linear", "params": {"out_features": 32}},
            {"id": "act", "type": "ReLU"},
            {"id": "out", "type": "Linear", "params": {"out_features": outputs}},
        ],
        "training": {"dataset": dataset, "epochs": 8, "batch_size": 32, **training},
    }


@pytest.mark.parametrize("function", ["linear", "quadratic", "sine"])
def test_synthetic_regression(tmp_path, function):
    dataset = {"kind": "synthetic-regression", "params": {"function": function, "n_samples": 400}}
    spec = mlp_spec([3], 2, dataset, optimizer={"type": "Adam", "params": {"lr": 0.01}})
    run = run_train(write_project(spec, tmp_path), out="reg")
    assert run.returncode == 0, run.stderr
    assert run.history[-1]["loss"] < run.history[0]["loss"]
    assert run.metrics["metric"] == "rmse"
    assert run.metrics["val_metric"] > 0


def test_synthetic_classification_cross_entropy(tmp_path):
    dataset = {"kind": "synthetic-classification", "params": {"n_samples": 400, "noise": 0.3}}
    spec = mlp_spec([2, 4], 3, dataset, optimizer={"type": "Adam", "params": {"lr": 0.01}})
    spec["nodes"].insert(0, {"id": "flatten", "type": "Flatten"})
    run = run_train(write_project(spec, tmp_path), out="cls")
    assert run.returncode == 0, run.stderr
    assert run.metrics["metric"] == "accuracy"
    assert run.metrics["val_metric"] > 0.8


def test_binary_classification_with_logits_loss(tmp_path):
    dataset = {"kind": "synthetic-classification", "params": {"n_samples": 300, "noise": 0.3}}
    spec = mlp_spec([4], 1, dataset, loss={"type": "BCEWithLogitsLoss"})
    run = run_train(write_project(spec, tmp_path), out="bin")
    assert run.returncode == 0, run.stderr
    assert run.metrics["val_metric"] > 0.8


@pytest.mark.parametrize(
    ("name", "features", "outputs"),
    [("iris", 4, 3), ("wine", 13, 3), ("breast_cancer", 30, 2), ("diabetes", 10, 1)],
)
def test_sklearn_sets(tmp_path, name, features, outputs):
    spec = mlp_spec([features], outputs, {"kind": "sklearn", "params": {"name": name}})
    run = run_train(write_project(spec, tmp_path), out="sk")
    assert run.returncode == 0, run.stderr
    assert run.history[-1]["loss"] < run.history[0]["loss"]
    assert run.metrics["metric"] == ("rmse" if name == "diabetes" else "accuracy")


def write_house_prices(folder, rows=160, seed=0):
    """A tiny table in the format of Kaggle's house prices: numbers, categories, gaps."""
    rng = random.Random(seed)
    header = ["Id", "LotArea", "YearBuilt", "Neighborhood", "GarageType", "SalePrice"]
    folder.mkdir(parents=True, exist_ok=True)
    for name, start, count, priced in (("train.csv", 1, rows, True), ("test.csv", 1001, 40, False)):
        with open(folder / name, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header if priced else header[:-1])
            for i in range(count):
                area = rng.randint(2000, 20000)
                year = rng.randint(1900, 2010)
                hood = rng.choice(["NAmes", "CollgCr", "OldTown"])
                garage = rng.choice(["Attchd", "Detchd", ""])
                price = 30000 + area * 8 + (year - 1900) * 900 + (40000 if hood == "CollgCr" else 0)
                row = [start + i, area if rng.random() > 0.1 else "", year, hood, garage]
                writer.writerow(row + [price] if priced else row)


def test_csv_house_prices_with_log_rmse_and_test_predictions(tmp_path):
    data = tmp_path / "data"
    write_house_prices(data)
    spec = load_example("house-prices-mlp")
    # LotArea, YearBuilt, 3 neighbourhoods + NaN, 2 garage types (a gap is NaN) + NaN
    spec["input"]["shape"] = [9]
    spec["training"]["epochs"] = 40
    folder = write_project(spec, tmp_path / "project")
    run = run_train(folder, "--data-dir", str(data), out="prices")
    assert run.returncode == 0, run.stderr
    assert run.metrics["metric"] == "log_rmse"
    assert run.history[-1]["loss"] < run.history[0]["loss"]
    with open(run.out / "predictions.csv") as handle:
        predictions = list(csv.DictReader(handle))
    assert len(predictions) == 40
    assert predictions[0]["Id"] == "1001"
    assert all(float(p["SalePrice"]) > 0 for p in predictions)


def test_csv_feature_count_mismatch_names_the_right_shape(tmp_path):
    data = tmp_path / "data"
    write_house_prices(data)
    spec = load_example("house-prices-mlp")
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="x")
    assert run.returncode != 0
    assert "set the input shape to [9]" in run.stderr
    assert "Traceback" not in run.stderr


def test_csv_missing_file_is_a_one_line_error(tmp_path):
    spec = load_example("house-prices-mlp")
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(tmp_path), out="x")
    assert run.returncode != 0
    assert run.stderr.strip().startswith("data file not found")
    assert "Traceback" not in run.stderr


def test_csv_classification(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(1)
    with open(data / "flowers.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["petal", "sepal", "colour", "species"])
        for _ in range(150):
            kind = rng.randrange(3)
            colour = ["red", "blue", "white"][kind] if rng.random() > 0.2 else "white"
            writer.writerow([kind + rng.random(), 2 * kind + rng.random(), colour, f"s{kind}"])
    dataset = {
        "kind": "csv",
        "params": {"path": "flowers.csv", "target": "species", "task": "classification"},
    }
    spec = mlp_spec([6], 3, dataset, epochs=30, optimizer={"type": "Adam", "params": {"lr": 0.01}})
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="c")
    assert run.returncode == 0, run.stderr
    assert run.metrics["val_metric"] > 0.8
