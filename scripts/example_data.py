"""Write the data of the text examples from the Python standard library's sources (no download).

    python scripts/example_data.py DIR

writes DIR/python-docs.txt, the docstrings of the standard library's modules, classes and
functions (for the character-level GPT), and DIR/python-lines.csv, lines of its source
labelled `code`, `comment` or `docstring` (for the LSTM text classifier). The files depend
only on the Python version's standard library, so every run of a version writes the same.
"""

from __future__ import annotations

import argparse
import ast
import csv
import random
import sysconfig
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("json", "email", "http", "logging", "unittest", "asyncio", "xml", "concurrent")
DOCS_LIMIT = 600_000  # characters of docstrings
LINES_PER_LABEL = 3000
MAX_LINE = 120


def source_files() -> list[Path]:
    """The .py files of a fixed set of standard-library packages, sorted."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for package in PACKAGES for p in (stdlib / package).rglob("*.py")]
    return sorted(p for p in files if "test" not in p.parts)


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return None


def docstring_nodes(tree: ast.Module) -> Iterator[ast.Expr]:
    """The expressions holding the docstring of the module and of each class and function."""
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef))]
    for owner in owners:
        first = owner.body[0] if owner.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            yield first


def docs_text() -> str:
    parts: list[str] = []
    size = 0
    for path in source_files():
        tree = parse(path)
        if tree is None:
            continue
        for node in docstring_nodes(tree):
            text = ast.literal_eval(node.value).strip()
            if len(text) > 40:
                parts.append(text)
                size += len(text) + 2
        if size > DOCS_LIMIT:
            break
    return "\n\n".join(parts)[:DOCS_LIMIT] + "\n"


def labelled_lines() -> list[tuple[str, str]]:
    """(line, label) for the non-blank lines of the sources, an equal number per label."""
    found: dict[str, list[str]] = {"code": [], "comment": [], "docstring": []}
    for path in source_files():
        tree = parse(path)
        if tree is None:
            continue
        in_docstring: set[int] = set()
        for node in docstring_nodes(tree):
            in_docstring.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text = line.strip()
            if not text or len(text) > MAX_LINE or text in ('"""', "'''"):
                continue
            if number in in_docstring:
                label = "docstring"
            elif text.startswith("#"):
                label = "comment"
            else:
                label = "code"
            found[label].append(text)
    rng = random.Random(0)
    rows = []
    for label, lines in found.items():
        rows += [(line, label) for line in rng.sample(lines, min(LINES_PER_LABEL, len(lines)))]
    rng.shuffle(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the files")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    (args.folder / "python-docs.txt").write_text(docs_text(), encoding="utf-8")
    with open(args.folder / "python-lines.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(labelled_lines())
    print(f"wrote python-docs.txt and python-lines.csv in {args.folder}")


if __name__ == "__main__":
    main()
