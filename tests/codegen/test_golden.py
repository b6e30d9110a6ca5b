"""Golden files: the generated projects of some example specs, pinned byte for byte.

A change to a template or to the generator shows up here as a readable unified diff.
When the change is intended, rewrite the golden copies and review them like code:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/codegen/test_golden.py
    git diff tests/codegen/golden

The golden files live in tests/codegen/golden/<name>/<file>, for some examples and for
the variants of variants.py (training features no example uses); ruff and black leave
them alone (see extend-exclude in pyproject.toml), since they are black's default style.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from variants import VARIANTS, spec_of

from codegen.render import generate, zip_project

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
PINNED = [
    "lenet-batchnorm",
    "digits-resnet",
    "house-prices-mlp",
    "char-gpt",
    "lstm-text-classifier",
    "resnet18",
    *VARIANTS,
]
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))


def _spec(name: str) -> dict[str, Any]:
    return spec_of(name)


def _diff(name: str, file: str, expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"golden/{name}/{file}",
        tofile=f"generated/{name}/{file}",
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text or f"{file}: the bytes differ but the lines are equal (line endings?)\n"


@pytest.mark.parametrize("name", PINNED)
def test_generated_project_matches_golden(name: str) -> None:
    files = {file: text.encode("utf-8") for file, text in generate(_spec(name)).items()}
    folder = GOLDEN / name
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            if stale.name not in files:
                stale.unlink()
        for file, data in files.items():
            (folder / file).write_bytes(data)
    assert folder.is_dir(), f"no golden files for {name}: run with UPDATE_GOLDEN=1"
    golden = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
    problems = []
    for file in sorted(set(golden) | set(files)):
        if file not in files:
            problems.append(f"{file}: in golden/{name} but no longer generated\n")
        elif file not in golden:
            problems.append(f"{file}: generated but not in golden/{name}\n")
        elif files[file] != golden[file]:
            problems.append(_diff(name, file, golden[file], files[file]))
    if problems:
        pytest.fail(
            f"generated files of {name} differ from the golden copies "
            "(if intended: UPDATE_GOLDEN=1 pytest tests/codegen/test_golden.py)\n\n"
            + "\n".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("name", PINNED)
def test_generation_is_deterministic(name: str) -> None:
    first, second = generate(_spec(name)), generate(_spec(name))
    assert list(first) == list(second)
    assert first == second
    folder = f"torchcanvas-{name}"
    archive = zip_project(first, folder)
    assert archive == zip_project(second, folder)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        names = opened.namelist()
        assert names == sorted(f"{folder}/{file}" for file in first)
        for info in opened.infolist():
            assert info.date_time == (2020, 1, 1, 0, 0, 0)
            assert opened.read(info).decode("utf-8") == first[info.filename.split("/", 1)[1]]


_DIGEST_SCRIPT = """
import hashlib, sys
sys.path.insert(0, "tests/codegen")
from codegen.render import generate
from variants import spec_of
digest = hashlib.sha256()
for name in sys.argv[1:]:
    files = generate(spec_of(name))
    for file in sorted(files):
        digest.update(file.encode() + b"\\0" + files[file].encode("utf-8") + b"\\0")
print(digest.hexdigest())
"""


def test_generation_does_not_depend_on_hash_seed() -> None:
    """Set and dict order must not leak into the output: other processes, same bytes."""
    expected = hashlib.sha256()
    for name in PINNED:
        files = generate(_spec(name))
        for file in sorted(files):
            expected.update(file.encode() + b"\0" + files[file].encode("utf-8") + b"\0")
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT, *PINNED],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected.hexdigest(), f"PYTHONHASHSEED={seed}"
