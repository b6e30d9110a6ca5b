"""export.py of the generated projects: every example exports to ONNX, and onnxruntime
computes what the eager model computes (within 1e-4, relative where outputs exceed 1, on
a batch size the export never saw); TorchScript and torch.export programs of a few examples likewise; the checks of
export.py itself fail loudly.

The eager model is the generated model.py imported into the test, with weights the test
saved: export.py runs in a subprocess on those weights, and the test loads what it wrote.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import onnx
import onnxruntime
import pytest
import torch

from tests.conftest import ROOT, load_example
from tests.execution.project import write_project

pytestmark = pytest.mark.slow

EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.json"))
# token ids and attention, convolutions with a residual Add and BatchNorm, an LSTM
ALL_FORMATS = ["char-gpt", "digits-resnet", "lstm-text-classifier"]
TOLERANCE = 1e-4
BATCH = 5  # export.py's sample batches have 4 and 7 rows


def generated_model(folder: Path) -> ModuleType:
    """The project's model.py, imported under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"model_{folder.name}", folder / "model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_with_weights(name: str, tmp_path: Path) -> tuple[Path, torch.nn.Module, torch.Tensor]:
    """The generated project, its model in eval mode with weights saved as weights.pt,
    and a batch of inputs."""
    folder = write_project(load_example(name), tmp_path / name.replace("-", "_"))
    module = generated_model(folder)
    torch.manual_seed(1)
    model = module.build_model().eval()
    torch.save(model.state_dict(), folder / "weights.pt")
    vocab = getattr(module, "VOCAB_SIZE", None)
    shape = (BATCH, *module.INPUT_SHAPE)
    inputs = torch.randint(0, vocab, shape) if vocab else torch.randn(shape)
    return folder, model, inputs


EXPORT_ALL = """
import os, sys
for folder, *runs in {jobs!r}:
    os.chdir(folder)
    sys.path.insert(0, folder)
    for module in ("model", "export"):
        sys.modules.pop(module, None)
    import export
    for args in runs:
        print("==", folder, args[1], flush=True)
        export.main(args)
    sys.path.remove(folder)
"""


def export_all(jobs: list[tuple[Path, list[list[str]]]]) -> subprocess.CompletedProcess[str]:
    """Each project's export.py main() with each argument list, all in one subprocess
    (torch and onnxscript are imported once)."""
    listed = [(str(folder), *runs) for folder, runs in jobs]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-c", EXPORT_ALL.format(jobs=listed)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def assert_matches(actual: torch.Tensor, expected: torch.Tensor, name: str) -> None:
    """Equal up to float32 rounding, which grows with the values (a ResNet's untrained
    logits reach 160)."""
    torch.testing.assert_close(actual, expected, rtol=TOLERANCE, atol=TOLERANCE, msg=name)


def test_every_example_exports_to_onnx_that_onnxruntime_runs_as_eager(tmp_path: Path) -> None:
    projects = {name: project_with_weights(name, tmp_path) for name in EXAMPLES}
    onnx_args = ["--format", "onnx", "--checkpoint", "weights.pt", "-o", "m.onnx"]
    result = export_all([(folder, [onnx_args]) for folder, _, _ in projects.values()])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("largest difference") == len(EXAMPLES)

    for name, (folder, model, inputs) in projects.items():
        graph = onnx.load(folder / "m.onnx").graph
        batch = graph.input[0].type.tensor_type.shape.dim[0]
        assert batch.dim_param and not batch.dim_value, f"{name}: the batch must stay dynamic"
        session = onnxruntime.InferenceSession(
            folder / "m.onnx", providers=["CPUExecutionProvider"]
        )
        (actual,) = session.run(None, {"input": inputs.numpy()})
        with torch.no_grad():
            assert_matches(torch.from_numpy(actual), model(inputs), name)


def test_torchscript_and_exported_programs_match_the_eager_model(tmp_path: Path) -> None:
    projects = {name: project_with_weights(name, tmp_path) for name in ALL_FORMATS}
    runs = [
        ["--format", "torchscript", "--checkpoint", "weights.pt", "-o", "m.torchscript.pt"],
        ["--format", "exported-program", "--checkpoint", "weights.pt", "-o", "m.pt2"],
    ]
    result = export_all([(folder, runs) for folder, _, _ in projects.values()])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("largest difference") == 2 * len(ALL_FORMATS)
    # each TorchScript export says whether it scripted or fell back to tracing
    assert result.stdout.count("torch.jit.script") == len(ALL_FORMATS)
    for name, (folder, model, inputs) in projects.items():
        with torch.no_grad():
            expected = model(inputs)
            scripted = torch.jit.load(folder / "m.torchscript.pt")
            program = torch.export.load(folder / "m.pt2").module()
            assert_matches(scripted(inputs), expected, name)
            assert_matches(program(inputs), expected, name)


def run_export(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "export.py", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_export_refuses_a_missing_checkpoint_and_a_failed_check(tmp_path: Path) -> None:
    folder = write_project(load_example("digits-mlp"), tmp_path / "digits")
    missing = run_export(folder, "--format", "exported-program")
    assert missing.returncode == 1
    assert "runs/digits-mlp/model.pt" in missing.stderr
    assert "--untrained" in missing.stderr and "Traceback" not in missing.stderr
    # no tolerance can be met: the check must fail the command, after writing the file
    strict = run_export(folder, "--format", "exported-program", "--untrained", "--tolerance", "-1")
    assert strict.returncode == 1
    assert "differs from the eager model" in strict.stderr
    assert (folder / "runs" / "digits-mlp" / "model.pt2").is_file()


def test_an_export_with_outputs_in_the_hundreds_of_thousands_passes_its_check(
    tmp_path: Path,
) -> None:
    """House prices as a regression predicts them: float32 rounding alone differs by more
    than 1e-4 there, so the check is relative to the outputs' size."""
    folder = write_project(load_example("house-prices-mlp"), tmp_path / "prices")
    module = generated_model(folder)
    torch.manual_seed(1)
    state = module.build_model().state_dict()
    last = [name for name in state if name.endswith(".weight")][-1].removesuffix(".weight")
    state[f"{last}.weight"] *= 1e6
    state[f"{last}.bias"] += 2e5
    torch.save(state, folder / "weights.pt")
    result = run_export(folder, "--format", "onnx", "--checkpoint", "weights.pt")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    model = module.build_model().eval()
    model.load_state_dict(state)
    inputs = torch.randn(BATCH, *module.INPUT_SHAPE)
    session = onnxruntime.InferenceSession(
        folder / "model.onnx", providers=["CPUExecutionProvider"]
    )
    (actual,) = session.run(None, {"input": inputs.numpy()})
    with torch.no_grad():
        expected = model(inputs)
    assert expected.abs().min() > 1e4
    assert_matches(torch.from_numpy(actual), expected, "house-prices-mlp")


def test_a_model_only_project_exports_its_fresh_weights(tmp_path: Path) -> None:
    spec = load_example("lenet-batchnorm")
    del spec["training"]
    folder = write_project(spec, tmp_path / "lenet")
    assert not (folder / "train.py").exists()
    result = run_export(folder, "--format", "exported-program")
    assert result.returncode == 0, result.stderr
    assert "freshly initialised" in result.stdout
    assert (folder / "model.pt2").is_file()
