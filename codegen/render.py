"""Turning a checked spec into the files of a PyTorch project.

`generate(data)` is the one entry point the API, the CLI and the tests use.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from .analysis import Analysis, analyze
from .problems import SpecError


def generate(data: Any) -> dict[str, str]:
    """Files of the generated project (name -> text); raises SpecError when invalid."""
    analysis = analyze(data)
    if not analysis.valid:
        raise SpecError(analysis.problems)
    return render_project(analysis)


def render_project(analysis: Analysis) -> dict[str, str]:
    raise NotImplementedError  # filled in by the code templates


def zip_project(files: dict[str, str], folder: str) -> bytes:
    """A deterministic zip (fixed timestamps, sorted names) of the files in `folder/`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()
