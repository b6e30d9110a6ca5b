"""Uploaded data for runs: a CSV table, a UTF-8 text file, or a zip of class folders.

Every upload is checked before anything is kept: its size; CSV and text must be UTF-8
(a CSV needs a header and at least one row); a zip may hold only regular files under
relative paths without `..` (no symlinks, no absolute paths, no drive letters), at most
`MAX_MEMBERS` of them, images in one folder per class, and its unpacked size and every
member's compression ratio are bounded (zip bombs). Extraction counts the bytes it
really writes, not what the zip's headers claim. The files land in
`<instance>/uploads/<id>/data/`, which is the `--data-dir` of a run on that upload.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

MAX_MEMBERS = 20_000
MAX_RATIO = 200  # a member may unpack to at most this many times its compressed size
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
IMAGES_FOLDER = "images"
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class UploadError(Exception):
    status: int
    message: str
    hint: str


@dataclass(frozen=True)
class Stored:
    kind: str
    name: str
    size: int
    info: dict[str, Any]


def safe_name(filename: str, default: str) -> str:
    name = SAFE_NAME.sub("_", PurePosixPath(filename.replace("\\", "/")).name).strip("._")
    return name[:100] or default


def _utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(
            422, f"{name} is not UTF-8 text (byte {error.start} is not valid UTF-8)",
            "save the file as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet) and upload it again",
        ) from None  # fmt: skip


def check_csv(data: bytes, name: str) -> dict[str, Any]:
    text = _utf8(data, name)
    if "\x00" in text:
        raise UploadError(422, f"{name} contains NUL bytes", "upload a plain CSV text file")
    try:
        rows = csv.reader(io.StringIO(text))
        header = next(rows, None)
        count = sum(1 for row in rows if row)
    except csv.Error as error:
        raise UploadError(422, f"{name} is not a readable CSV: {error}",
                          "check its quoting, or export it again") from None  # fmt: skip
    if not header or count == 0:
        raise UploadError(422, f"{name} needs a header row and at least one data row",
                          "the first line names the columns")  # fmt: skip
    return {"rows": count, "columns": [c.strip() for c in header][:500]}


def check_text(data: bytes, name: str) -> dict[str, Any]:
    text = _utf8(data, name)
    if "\x00" in text:
        raise UploadError(422, f"{name} contains NUL bytes", "upload a plain text file")
    return {"lines": text.count("\n") + (not text.endswith("\n")), "characters": len(text)}


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, or UploadError for anything that could escape."""
    raw = info.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    mode = info.external_attr >> 16
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or ".." in path.parts:
        raise UploadError(422, f"the zip holds a path outside its folder: {raw[:200]!r}",
                          "zip the class folders themselves, with relative paths")  # fmt: skip
    if stat.S_ISLNK(mode):
        raise UploadError(422, f"the zip holds a symbolic link: {raw[:200]!r}",
                          "zip real files only")  # fmt: skip
    if info.is_dir() or path.name.startswith(".") or "__MACOSX" in path.parts:
        return None
    return path


def _class_layout(paths: list[PurePosixPath]) -> tuple[int, list[PurePosixPath]]:
    """How many leading folders to strip so that each image sits in `<class>/<file>`."""
    images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        raise UploadError(422, "the zip holds no images (.png, .jpg, ...)",
                          "zip one folder per class, each with its images")  # fmt: skip
    depth = {len(p.parts) for p in images}
    if len(depth) != 1 or depth.pop() not in (2, 3):
        raise UploadError(422, "the zip's images are not in one folder per class",
                          "lay it out as <class>/<image>, e.g. cat/1.png, dog/2.png")  # fmt: skip
    strip = len(images[0].parts) - 2
    if strip and len({p.parts[0] for p in images}) != 1:
        raise UploadError(422, "the zip's images are not in one folder per class",
                          "lay it out as <class>/<image>, e.g. cat/1.png, dog/2.png")  # fmt: skip
    return strip, images


def extract_images(source: BinaryIO, target: Path, limit: int) -> dict[str, Any]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise UploadError(
            422,
            "the file is not a readable zip",
            "upload a .zip made by your system's Compress / zip",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadError(413, f"the zip holds {len(members)} entries; at most "
                              f"{MAX_MEMBERS} are taken", "upload fewer images")  # fmt: skip
        total = 0
        kept: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in members:
            path = _member_path(info)
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise UploadError(413, f"{info.filename[:200]!r} unpacks to more than "
                                  f"{MAX_RATIO} times its size (a zip bomb?)",
                                  "upload images, which do not compress this well")  # fmt: skip
            if path is not None:
                kept.append((info, path))
        if total > limit:
            raise UploadError(413, f"the zip unpacks to {total:,} bytes; this server takes "
                              f"{limit:,}", "upload fewer or smaller images")  # fmt: skip
        strip, images = _class_layout([p for _, p in kept])
        wanted = set(images)
        written = 0
        for info, path in kept:
            if path not in wanted:
                continue
            parts = path.parts[strip:]
            destination = target.joinpath(*(safe_name(p, "x") for p in parts))
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as member, destination.open("wb") as out:
                while chunk := member.read(1 << 16):
                    written += len(chunk)
                    if written > limit:  # headers can lie; the bytes cannot
                        raise UploadError(413, f"the zip unpacks to more than {limit:,} bytes",
                                          "upload fewer or smaller images")  # fmt: skip
                    out.write(chunk)
    classes = sorted(p.name for p in target.iterdir() if p.is_dir())
    if len(classes) < 2:
        raise UploadError(422, "the zip has images of one class only",
                          "add a folder for each class (at least two)")  # fmt: skip
    return {"classes": classes, "images": len(images), "folder": IMAGES_FOLDER, "bytes": written}


def store(upload_id: str, filename: str, source: BinaryIO, folder: Path, limit: int) -> Stored:
    """Check an uploaded file and keep it in `folder/<upload_id>/data`; UploadError if bad."""
    name = safe_name(filename, "upload")
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".zip"):
        raise UploadError(
            415,
            f"{filename[:100]!r}: only .csv, .txt and .zip files are taken",
            "upload a CSV table, a UTF-8 text file or a zip of class folders",
        )
    data_dir = folder / upload_id / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".zip":
            info = extract_images(source, data_dir / IMAGES_FOLDER, limit)
            return Stored("images", name, info["bytes"], info)
        data = source.read(limit + 1)
        if len(data) > limit:
            raise UploadError(413, f"the file is larger than {limit:,} bytes",
                              "upload a smaller file (TORCHCANVAS_UPLOAD_MAX_BYTES)")  # fmt: skip
        info = check_csv(data, name) if suffix == ".csv" else check_text(data, name)
        (data_dir / name).write_bytes(data)
        return Stored("csv" if suffix == ".csv" else "text", name, len(data), info)
    except BaseException:
        shutil.rmtree(folder / upload_id, ignore_errors=True)
        raise
