"""Style of the generated code (docs/architecture.md): for every example in examples/ and
every golden variant (variants.py), and for imported architectures (examples/architectures),
the generated Python files parse, are black-stable
with black's default settings, pass `ruff check --select E,F,W,I,B,UP` run from inside
the generated folder with ruff's defaults (line length 88), as its user would, and hold
no stubs (TODO/FIXME, `pass`, `...`, NotImplementedError).

black and ruff run as subprocesses in a temporary folder that holds only the generated
project, isolated from this repository's configuration.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import write_project
from variants import VARIANTS, spec_of

from codegen.render import generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.json"))
NAMES = EXAMPLES + sorted(VARIANTS)
RUFF_RULES = "E,F,W,I,B,UP"
STUB_WORDS = re.compile(r"\b(TODO|FIXME|XXX)\b")


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, str]]]:
    """Every example's and variant's generated project, each in a folder of its own."""
    base = tmp_path_factory.mktemp("generated")
    result = {}
    for name in NAMES:
        files = generate(spec_of(name))
        result[name] = (write_project(files, base / name), files)
    return result


def _python_files(files: dict[str, str]) -> list[str]:
    names = sorted(name for name in files if name.endswith(".py"))
    assert {"model.py", "train.py"} <= set(names)
    return names


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("name", NAMES)
def test_generated_code_is_black_stable(name: str, projects) -> None:
    folder, files = projects[name]
    result = _run(
        ["black", "--check", "--diff", "--config", "/dev/null", *_python_files(files)], folder
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_generated_code_is_ruff_clean(name: str, projects) -> None:
    """`ruff check --select E,F,W,I,B,UP` in the project folder: every file, default
    line length (no configuration of ours applies: --isolated)."""
    folder, files = projects[name]
    _python_files(files)
    command = ["ruff", "check", "--isolated", "--no-cache", "--select", RUFF_RULES]
    result = _run([*command, "--output-format", "full", "."], folder)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_generated_code_parses_and_has_no_stubs(name: str, projects) -> None:
    _, files = projects[name]
    for file in _python_files(files):
        text = files[file]
        tree = ast.parse(text, filename=file)
        compile(tree, file, "exec")
        assert not STUB_WORDS.search(text), f"{file}: {STUB_WORDS.search(text)}"
        for node in ast.walk(tree):
            where = f"{file}:{getattr(node, 'lineno', '?')}"
            assert not isinstance(node, ast.Pass), f"{where}: a `pass` stub"
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                assert node.value.value is not Ellipsis, f"{where}: a `...` stub"
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                assert not (
                    isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
                ), where
    for file in ("README.md", "requirements.txt"):
        assert not STUB_WORDS.search(files[file]), file


@pytest.mark.parametrize("name", NAMES)
def test_generated_files_end_cleanly(name: str, projects) -> None:
    """One trailing newline, no trailing spaces, no tabs or carriage returns."""
    _, files = projects[name]
    for file, text in files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), file
        for number, line in enumerate(text.split("\n"), 1):
            assert line == line.rstrip(), f"{file}:{number}: trailing whitespace"
            assert "\t" not in line and "\r" not in line, f"{file}:{number}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_generated_folder_passes_ruff_with_the_strict_rules(name: str, projects) -> None:
    """`ruff check --select E,F,W,I,B,UP` from inside the folder, as its user would run it:
    every .py file and the code cells of notebook.ipynb (long lines included)."""
    folder, files = projects[name]
    assert "notebook.ipynb" in files and "export.py" in files
    result = _run(
        ["ruff", "check", "--isolated", "--no-cache", "--select", "E,F,W,I,B,UP", "."], folder
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Imported architectures whose model.py is written differently from the examples' (ViT's
# ClassToken, PositionalEmbedding and x[:, 0]; ResNet-50's definitions with parameters).
ARCHITECTURES = ["vit_b_16", "resnet50"]


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_imported_architectures_generate_clean_code(name: str, tmp_path: Path) -> None:
    """A model only: model.py and export.py, black-stable and ruff-clean as above."""
    spec = json.loads((ROOT / "examples" / "architectures" / f"{name}.json").read_text())
    files = generate(spec)
    write_project(files, tmp_path)
    python = sorted(f for f in files if f.endswith(".py"))
    assert python == ["export.py", "model.py"]
    black = _run(["black", "--check", "--diff", "--config", "/dev/null", *python], tmp_path)
    assert black.returncode == 0, black.stdout + black.stderr
    command = ["ruff", "check", "--isolated", "--no-cache", "--select", RUFF_RULES, "."]
    ruff = _run(command, tmp_path)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
