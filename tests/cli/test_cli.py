"""The `torchcanvas` command, in-process through main() and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from builder.cli import main
from tests.conftest import EXAMPLES, ROOT


def test_validate_valid_example(capsys):
    assert main(["validate", str(EXAMPLES / "lenet-batchnorm.json")]) == 0
    assert "62,290 parameters" in capsys.readouterr().out


def test_validate_invalid_exits_2_with_paths(tmp_path, capsys):
    spec = json.loads((EXAMPLES / "lenet-batchnorm.json").read_text())
    spec["nodes"][1] = {"id": "bn1", "type": "GroupNorm", "params": {"num_groups": 4}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "/nodes/1/params/num_groups: num_groups=4 does not divide the 6 channels" in err


def test_bad_json_and_missing_file_exit_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    assert main(["validate", str(path)]) == 2
    assert main(["generate", str(tmp_path / "missing.json"), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "no such file" in err
    assert "Traceback" not in err


def test_generate_folder_and_zip(tmp_path):
    assert main(["generate", str(EXAMPLES / "digits-mlp.json"), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "train.py").exists()
    assert main(["generate", "digits-mlp", "-o", str(tmp_path / "z"), "--zip"]) == 0
    names = zipfile.ZipFile(tmp_path / "z" / "digits-mlp.zip").namelist()
    assert "digits-mlp/model.py" in names


def test_schema_is_up_to_date_in_docs(tmp_path):
    assert main(["schema", "-o", str(tmp_path / "schema.json")]) == 0
    assert (tmp_path / "schema.json").read_text() == (
        ROOT / "docs" / "spec.schema.json"
    ).read_text()


def test_the_schema_in_docs_takes_every_example_and_library_entry():
    """Other tools read spec files with docs/spec.schema.json: the examples (definitions
    and repeats among them) and the library's definitions in a spec must pass it."""
    import jsonschema_rs

    from codegen.library import library_entries, library_spec

    validator = jsonschema_rs.validator_for(
        json.loads((ROOT / "docs" / "spec.schema.json").read_text())
    )
    specs = {p.stem: json.loads(p.read_text()) for p in EXAMPLES.glob("*.json")}
    specs |= {e["name"]: library_spec(e) for e in library_entries()}
    assert {"resnet18", "gpt-blocks", "BasicBlock"} <= set(specs)
    for name, spec in specs.items():
        assert validator.is_valid(spec), (name, [e.message for e in validator.iter_errors(spec)])
    spec = specs["resnet18"]
    spec["nodes"][4]["repeat"] = 0
    assert not validator.is_valid(spec)


def test_examples_list_and_write(tmp_path, capsys):
    assert main(["examples"]) == 0
    assert "lenet-batchnorm" in capsys.readouterr().out
    assert main(["examples", "iris-classifier", "-o", str(tmp_path / "iris.json")]) == 0
    assert json.loads((tmp_path / "iris.json").read_text())["name"] == "Iris classifier"
    assert main(["examples", "nope"]) == 2


def test_real_subprocess_generate_then_train(tmp_path):
    """The README's promise: generate, then train.py runs (here on scikit-learn digits)."""
    cli = Path(sys.executable).parent / "torchcanvas"
    out = tmp_path / "out"
    run = subprocess.run(
        [cli, "generate", str(EXAMPLES / "digits-mlp.json"), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    train = subprocess.run(
        [sys.executable, "train.py", "--limit-batches", "2", "--epochs", "1"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert train.returncode == 0, train.stderr
    assert (out / "runs" / "digits-mlp" / "metrics.json").exists()
    invalid = subprocess.run([cli, "validate", "-"], input="[]", capture_output=True, text=True)
    assert invalid.returncode == 2
