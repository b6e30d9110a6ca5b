"""Text data end to end: the generated GPT learns next bytes and predict.py writes text; the
LSTM classifier learns labels of lines; BPE tokenizers are trained offline and reused.

Every file is written by the test; nothing is downloaded.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import load_example
from tests.execution.project import run_train, with_training, write_project

pytestmark = pytest.mark.slow

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "seven",
    "wizards",
    "quietly",
    "hum",
]


def write_text(folder: Path, name: str = "corpus.txt", lines: int = 120) -> Path:
    """A small, learnable text: sentences of a few words, one per line."""
    rng = random.Random(0)
    text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(6)) for _ in range(lines))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def write_labelled_lines(folder: Path, rows: int = 300) -> Path:
    """Lines whose label shows in their form: code, comment or docstring."""
    rng = random.Random(1)
    forms = {
        "code": lambda w: f"{w[0]} = {w[1]}({w[2]})",
        "comment": lambda w: f"# {w[0]} {w[1]} {w[2]}",
        "docstring": lambda w: f"Return the {w[0]} of the {w[1]}.",
    }
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lines.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(rows):
            label = rng.choice(sorted(forms))
            writer.writerow([forms[label](rng.sample(WORDS, 3)), label])
    return folder


def small_gpt(tokenizer: str = "bytes", vocab: int = 256) -> dict:
    """The char-gpt example at a test's size: windows of 32, one block of width 32."""
    spec = load_example("char-gpt")
    spec["input"] = {"shape": [32], "dtype": "int64", "vocab_size": vocab}
    for node in spec["nodes"]:
        if node["type"] == "Embedding":
            node["params"]["embedding_dim"] = 32
        if node["type"] == "TransformerBlock":
            node.update(params={"embed_dim": 32, "num_heads": 4}, repeat=1)
        if node["id"] == "head":
            node["params"]["out_features"] = vocab
    params = {"path": "corpus.txt", "tokenizer": tokenizer, "stride": 8}
    optimizer = {**spec["training"]["optimizer"], "params": {"lr": 0.003}}
    return with_training(
        spec,
        dataset={"kind": "text", "params": params},
        epochs=4,
        batch_size=16,
        optimizer=optimizer,
    )


def run_script(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=folder, capture_output=True, text=True, timeout=300
    )


def test_gpt_learns_next_bytes_and_writes_text(tmp_path):
    data = write_text(tmp_path / "data")
    project = write_project(small_gpt(), tmp_path / "gpt")
    run = run_train(project, "--data-dir", str(data))
    assert run.returncode == 0, run.stderr
    losses = [row["loss"] for row in run.history]
    assert losses[-1] < losses[0] * 0.8, losses
    metrics = run.metrics
    assert metrics["metric"] == "perplexity"
    assert metrics["val_metric"] == pytest.approx(2.718281828 ** metrics["val_loss"], rel=1e-6)
    assert metrics["bits_per_token"] == pytest.approx(metrics["val_loss"] / 0.6931471805599453)
    assert "val_perplexity" in run.stdout
    generated = run_script(project, "predict.py", "the quick", "--tokens", "40", "--out", "run")
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.startswith("the quick")
    assert len(generated.stdout) > len("the quick") + 20


def test_gpt_with_a_bpe_trained_on_the_text(tmp_path):
    data = write_text(tmp_path / "data", lines=200)
    project = write_project(small_gpt("bpe", vocab=300), tmp_path / "gpt")
    assert "tokenizers" in (project / "requirements.txt").read_text()
    run = run_train(project, "--data-dir", str(data), "--epochs", "2")
    assert run.returncode == 0, run.stderr
    assert (run.out / "tokenizer.json").is_file()
    assert run.history[-1]["loss"] < run.history[0]["loss"]
    generated = run_script(project, "predict.py", "the lazy", "--tokens", "10", "--out", "run")
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.startswith("the lazy")


def test_gpt_of_repeated_transformer_blocks_learns_next_bytes(tmp_path):
    """The gpt-blocks example (TransformerBlock x N, a definition repeated) at a test's
    size: windows of 32, width 32, two blocks."""
    spec = load_example("gpt-blocks")
    spec["input"]["shape"] = [32]
    nodes = {n["id"]: n for n in spec["nodes"]}
    nodes["tokens"]["params"]["embedding_dim"] = 32
    nodes["blocks"].update(params={"embed_dim": 32, "num_heads": 2, "dropout": 0.0}, repeat=2)
    spec = with_training(
        spec,
        dataset={"kind": "text", "params": {"path": "corpus.txt", "stride": 8}},
        epochs=4,
        batch_size=16,
        optimizer={**spec["training"]["optimizer"], "params": {"lr": 0.003}},
    )
    project = write_project(spec, tmp_path / "gpt")
    model_code = (project / "model.py").read_text()
    assert "class TransformerBlock(nn.Module):" in model_code
    assert "TransformerBlock(embed_dim=32, num_heads=2, dropout=0.0)" in model_code
    assert "for _ in range(2)" in model_code
    run = run_train(project, "--data-dir", str(write_text(tmp_path / "data")))
    assert run.returncode == 0, run.stderr
    losses = [row["loss"] for row in run.history]
    assert losses[-1] < losses[0] * 0.8, losses


def test_a_missing_or_short_text_is_a_one_line_error(tmp_path):
    project = write_project(small_gpt(), tmp_path / "gpt")
    missing = run_train(project, "--data-dir", str(tmp_path / "nowhere"))
    assert missing.returncode != 0
    assert "data file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    short = tmp_path / "short"
    short.mkdir()
    (short / "corpus.txt").write_text("too short")
    run = run_train(project, "--data-dir", str(short))
    assert run.returncode != 0
    assert "too few for windows of 32" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("tokenizer", ["bytes", "bpe"])
def test_lstm_classifier_learns_labelled_lines(tmp_path, tokenizer):
    data = write_labelled_lines(tmp_path / "data")
    spec = load_example("lstm-text-classifier")
    vocab = 256 if tokenizer == "bytes" else 300
    spec["input"] = {"shape": [24], "dtype": "int64", "vocab_size": vocab}
    dataset = {"kind": "text-csv", "params": {"path": "lines.csv", "tokenizer": tokenizer}}
    spec = with_training(spec, dataset=dataset, epochs=6, batch_size=32)
    project = write_project(spec, tmp_path / "lstm")
    run = run_train(project, "--data-dir", str(data))
    assert run.returncode == 0, run.stderr
    assert run.metrics["metric"] == "accuracy"
    assert run.metrics["val_metric"] > 0.8, run.history
    predicted = run_script(
        project, "predict.py", "# a note", "x = f(y)", "--data-dir", str(data), "--out", "run"
    )
    assert predicted.returncode == 0, predicted.stderr
    labels = [line.split("\t")[0] for line in predicted.stdout.splitlines()]
    assert labels == ["comment", "code"], predicted.stdout
    (tmp_path / "typed.txt").write_text("Return the value of the fox.\n")
    as_json = run_script(
        project, "predict.py", "--file", str(tmp_path / "typed.txt"), "--json",
        "--data-dir", str(data), "--out", "run",
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    (result,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert result["predicted"] == "docstring"
    assert result["classes"] == ["code", "comment", "docstring"]
    assert sum(result["probabilities"]) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("example", ["digits-vit", "digits-mobilenet"])
def test_image_examples_train_a_short_epoch(tmp_path, example):
    project = write_project(load_example(example), tmp_path / example)
    run = run_train(project, "--epochs", "1", "--limit-batches", "8")
    assert run.returncode == 0, run.stderr
    assert run.metrics["epochs"] == 1
    assert 0.0 <= run.metrics["val_metric"] <= 1.0
