"""notebook.ipynb: the project as one notebook, run top to bottom in a real Jupyter kernel
(nbclient) on tiny data; it writes what train.py writes. For every example, the notebook
is a valid nbformat document whose cells are the project's own code.
"""

from __future__ import annotations

import ast
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from codegen.render import generate
from tests.conftest import ROOT, load_example
from tests.execution.project import run_train, write_project

EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.json"))
CODE_FILES = ("model.py", "data.py", "train.py")


def code_cells(notebook: Any) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def run_notebook(folder: Path, args: list[str]) -> Any:
    """The project's notebook executed in a fresh kernel, with `args` as its ARGS cell."""
    notebook = nbformat.read(folder / "notebook.ipynb", as_version=4)
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    parameters.source = f"ARGS = {args!r}"
    # the notebook alone, in a folder without the project's .py files
    work = folder / "notebook-only"
    work.mkdir()
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    return notebook


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_and_writes_what_train_py_writes(tmp_path: Path) -> None:
    folder = write_project(load_example("digits-mlp"), tmp_path / "digits")
    options = ["--epochs", "1", "--limit-batches", "2", "--batch-size", "16"]

    out = tmp_path / "notebook-run"
    notebook = run_notebook(folder, [*options, "--out", str(out)])
    script = run_train(folder, *options, out=str(tmp_path / "script-run"))
    assert script.returncode == 0, script.stderr

    from_notebook = json.loads((out / "metrics.json").read_text())
    assert set(from_notebook) == set(script.metrics)
    assert from_notebook["epochs"] == 1
    assert len(json.loads((out / "history.json").read_text())) == 1
    assert (out / "model.pt").is_file()
    errors = [
        o for cell in notebook.cells for o in cell.get("outputs", []) if o.output_type == "error"
    ]
    assert not errors
    # the evaluation cells show the metrics and the loss curve
    shown = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in shown)
    assert any("val_loss" in o.get("data", {}).get("text/plain", "") for o in shown)


@pytest.mark.parametrize("name", EXAMPLES)
def test_notebook_is_the_project_code(name: str) -> None:
    """Valid nbformat; every top-level definition of model.py, data.py and train.py is a
    code cell, word for word, and each name is defined once (or the same way twice)."""
    files = generate(load_example(name))
    notebook = nbformat.reads(files["notebook.ipynb"], as_version=4)
    nbformat.validate(notebook)
    assert [cell.id for cell in notebook.cells] == [
        f"cell-{n:02d}" for n in range(1, len(notebook.cells) + 1)
    ]
    cells = code_cells(notebook)
    for cell in cells:
        ast.parse(cell)
    joined = "\n\n".join(cells)
    definitions: dict[str, str] = {}
    for file in CODE_FILES:
        source = files[file]
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                segment = ast.get_source_segment(source, node) or ""
                assert segment in joined, f"{file}: {node.name} is not in the notebook"
                assert definitions.setdefault(node.name, segment) == segment, node.name
    imports = cells[0]
    assert "from model import" not in joined and "from data import" not in joined
    assert all(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.parse(imports).body)
    bound = [
        alias.asname or alias.name.split(".")[0]
        for node in ast.parse(imports).body
        for alias in node.names  # type: ignore[attr-defined]
    ]
    assert len(bound) == len(set(bound)), "two imports bind the same name"
    assert "__main__" not in joined


def test_the_zip_download_and_the_cli_carry_the_notebook_and_export_py(tmp_path: Path) -> None:
    from builder import cli
    from builder.api import zip_response

    assert cli.main(["generate", "digits-mlp", "-o", str(tmp_path / "project")]) == 0
    written = {path.name for path in (tmp_path / "project").iterdir()}
    assert {"notebook.ipynb", "export.py"} <= written
    files = generate(load_example("digits-mlp"))
    with zipfile.ZipFile(io.BytesIO(zip_response(files, "Digits MLP").get_data())) as archive:
        names = archive.namelist()
    assert {"digits-mlp/notebook.ipynb", "digits-mlp/export.py"} <= set(names)
