"""notebook.ipynb: the generated project as one Jupyter notebook, composed from its files.

Nothing in the notebook is written twice: its code cells are the rendered model.py, data.py
and train.py, cut at their top-level definitions, with their imports gathered in one cell
at the top (imports of the project's own modules dropped, since their names are now
defined in the notebook) and each `if __name__ == "__main__":` block left out. The layout,
the markdown and the few cells of its own (the options, the run, the results) come from
the template `templates/code/notebook.cells.j2`, a list of cells:

    %% markdown            a markdown cell: the lines up to the next %% line
    %% code [TAG ...]      a code cell, with optional cell tags ("parameters", as papermill)
    %% imports             the gathered imports
    %% file NAME HEADING   a markdown cell (HEADING and the file's docstring), then the
                           file's code cells

The notebook is written with nbformat and validated against its schema; cell ids are
numbered, so the same project always gives the same bytes. Torch-free.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache

import nbformat
from nbformat.notebooknode import NotebookNode

LOCAL_MODULES = {"model", "data", "train", "export", "predict"}
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


@lru_cache(maxsize=256)
def compose_notebook(
    layout: str, sources: tuple[tuple[str, str], ...], format_code: Callable[[str], str]
) -> str:
    """The notebook's JSON text, from the rendered layout template and the project's files
    (name, text), memoised like black's output: the same files compose once.

    `format_code` is black, for the template's cells and the gathered imports.
    """
    files = dict(sources)
    cells: list[NotebookNode] = []
    imports = Imports()
    for directive, body in _directives(layout):
        kind, _, rest = directive.partition(" ")
        if kind == "markdown":
            cells.append(_markdown(body.strip()))
        elif kind == "code":
            code = format_code(imports.take(body)).strip()
            cells.append(_code(code, rest.split()))
        elif kind == "imports":
            cells.append(imports.placeholder)
        elif kind == "file":
            name, _, heading = rest.partition(" ")
            cells += _file_cells(files[name], heading, imports)
        else:
            raise ValueError(f"notebook layout: unknown directive %% {directive}")
    imports.placeholder.source = format_code(imports.source()).strip()
    for number, cell in enumerate(cells, start=1):
        cell.id = f"cell-{number:02d}"
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}},
    )  # validated against nbformat's schema
    return nbformat.writes(notebook) + "\n"


def _directives(layout: str) -> Iterable[tuple[str, str]]:
    directive, lines = None, []
    for line in layout.splitlines():
        if line.startswith("%% "):
            if directive is not None:
                yield directive, "\n".join(lines)
            directive, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if directive is not None:
        yield directive, "\n".join(lines)


def _markdown(text: str) -> NotebookNode:
    return nbformat.from_dict({"cell_type": "markdown", "metadata": {}, "source": text})


def _code(code: str, tags: list[str] | None = None) -> NotebookNode:
    """A code cell (built directly: nbformat's new_code_cell validates every cell)."""
    metadata = {"tags": tags} if tags else {}
    cell = {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": []}
    return nbformat.from_dict({**cell, "source": code})


class Imports:
    """The imports of every code cell, gathered for one cell at the top, sorted as isort."""

    def __init__(self) -> None:
        self.modules: set[tuple[str, str | None]] = set()  # import a.b [as c]
        self.names: dict[str, set[tuple[str, str | None]]] = {}  # from a import b [as c]
        self.placeholder = _code("")

    def take(self, code: str) -> str:
        """`code` without its top-level imports, which are kept here."""
        tree = ast.parse(code)
        drop: set[int] = set()
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._add(node)
                drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        lines = code.splitlines()
        return "\n".join(line for number, line in enumerate(lines, 1) if number not in drop)

    def _add(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            self.modules.update((alias.name, alias.asname) for alias in node.names)
            return
        module = node.module or ""
        if module.split(".")[0] in LOCAL_MODULES and not node.level:
            return  # the names are defined by the cells of that file
        self.names.setdefault(module, set()).update((a.name, a.asname) for a in node.names)

    def source(self) -> str:
        """isort's (and ruff's) order: standard library, then the rest; `import` lines first."""
        lines: list[str] = []
        for section in (True, False):
            chunk = [
                f"import {name}" + (f" as {alias}" if alias else "")
                for name, alias in sorted(self.modules, key=lambda m: (m[0].lower(), m))
                if _stdlib(name) is section
            ]
            for module in sorted(self.names, key=str.lower):
                if _stdlib(module) is section:
                    members = sorted(self.names[module], key=_member_order)
                    listed = ", ".join(n + (f" as {a}" if a else "") for n, a in members)
                    chunk.append(f"from {module} import {listed}")
            if chunk:
                lines += [*chunk, ""]
        return "\n".join(lines)


def _stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def _member_order(member: tuple[str, str | None]) -> tuple[int, str]:
    """Constants, then classes, then the rest (isort's order-by-type)."""
    name = member[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _file_cells(source: str, heading: str, imports: Imports) -> list[NotebookNode]:
    """A markdown cell of `heading` and the file's docstring, then a cell per definition
    and one for each run of other statements (constants) between definitions."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docstring = ast.get_docstring(tree) or ""
    text = "\n\n".join(part for part in (heading.strip(), docstring.strip()) if part)
    cells = [_markdown(text)]
    groups: list[list[ast.stmt]] = []
    for node in tree.body[1:] if docstring else tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.take("\n".join(lines[node.lineno - 1 : node.end_lineno]))
        elif not _is_main_guard(node):
            if _is_definition(node) or not groups or _is_definition(groups[-1][-1]):
                groups.append([])
            groups[-1].append(node)
    for group in groups:
        start = _first_line(group[0], lines)
        code = "\n".join(lines[start - 1 : group[-1].end_lineno])
        cells.append(_code(code.strip()))
    return cells


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _first_line(node: ast.stmt, lines: list[str]) -> int:
    """The node's first line, counting its decorators and the comment lines right above."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)])
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    return start


def _is_main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )
