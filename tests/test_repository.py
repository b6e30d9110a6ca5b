"""The repository stands on its own: no file cites documents that live outside it."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT

# Spelled in parts, so that this file does not cite them either.
OUTSIDE = tuple(
    "".join(parts) for parts in (("DESIGN", ".md"), ("../", "shared"), ("shared/", "seeds"))
)


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return listed.stdout.splitlines()


def test_no_file_cites_documents_outside_the_repository() -> None:
    citing = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file() or path.suffix in (".png", ".svg", ".ico"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        citing += [f"{name}: {word}" for word in OUTSIDE if word in text]
    assert not citing, citing


def test_the_design_of_record_is_in_docs() -> None:
    assert (ROOT / "docs" / "architecture.md").is_file()
