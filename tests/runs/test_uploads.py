"""Uploads for runs: good CSV, text and zips of class folders are kept; hostile ones
(zip bombs, paths out of the folder, links, non-UTF-8 text, oversized files) get a 4xx
that says what is wrong, and leave nothing behind."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import pytest
from PIL import Image

LIMIT = 200_000


@pytest.fixture
def limited(app: Any) -> Any:
    from dataclasses import replace

    from builder.runs import EXTENSION

    state = app.extensions[EXTENSION]
    state["settings"] = replace(state["settings"], upload_max_bytes=LIMIT)
    return app.test_client()


def upload(client: Any, name: str, data: bytes) -> Any:
    return client.post(
        "/api/uploads", data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )  # fmt: skip


def png(colour: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (colour, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def zipped(*members: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def error_of(response: Any) -> dict[str, str]:
    return dict(response.get_json()["errors"][0])


def uploads_left(app: Any) -> list[str]:
    from builder.runs import run_settings

    folder = run_settings(app).uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_csv_is_kept_with_its_rows_and_columns(limited):
    response = upload(limited, "houses.csv", b"area,rooms,price\n50,2,100\n80,3,160\n")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "csv" and body["name"] == "houses.csv"
    assert body["info"] == {"rows": 2, "columns": ["area", "rooms", "price"]}
    assert limited.get(f"/api/uploads/{body['id']}").get_json() == body


def test_a_zip_of_class_folders_is_unpacked(limited, app):
    data = zipped(*[(f"pets/{c}/{i}.png", png(i)) for c in ("cat", "dog") for i in range(3)])
    response = upload(limited, "pets.zip", data)
    assert response.status_code == 201, response.get_json()
    info = response.get_json()["info"]
    assert info["classes"] == ["cat", "dog"] and info["images"] == 6
    from builder.runs import run_settings

    folder = run_settings(app).uploads_dir / response.get_json()["id"] / "data" / "images"
    assert sorted(p.name for p in (folder / "cat").iterdir()) == ["0.png", "1.png", "2.png"]


def test_a_zip_bomb_is_refused(limited, app):
    bomb = zipped(("cat/a.png", png(1)), ("dog/b.png", b"\0" * 50_000_000))
    response = upload(limited, "bomb.zip", bomb)
    assert response.status_code == 413
    assert "zip bomb" in error_of(response)["message"]
    assert error_of(response)["path"] == "/file"
    assert uploads_left(app) == []


def test_a_zip_that_unpacks_past_the_limit_is_refused(limited):
    half_random = [os.urandom(30_000) + bytes(30_000) for _ in range(4)]
    data = zipped(*[(f"c{i % 2}/{i}.png", member) for i, member in enumerate(half_random)])
    response = upload(limited, "big.zip", data)
    assert response.status_code == 413
    assert f"this server takes {LIMIT:,}" in error_of(response)["message"]


@pytest.mark.parametrize("path", ["../evil.png", "cat/../../evil.png", "/etc/evil.png",
                                  "C:/evil.png"])  # fmt: skip
def test_paths_out_of_the_folder_are_refused(limited, app, path):
    response = upload(limited, "escape.zip", zipped(("cat/a.png", png(1)), (path, png(2))))
    assert response.status_code == 422
    assert "a path outside its folder" in error_of(response)["message"]
    assert uploads_left(app) == []


def test_a_symbolic_link_in_a_zip_is_refused(limited):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cat/a.png", png(1))
        link = zipfile.ZipInfo("dog/b.png")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    response = upload(limited, "link.zip", buffer.getvalue())
    assert response.status_code == 422
    assert "symbolic link" in error_of(response)["message"]


def test_a_text_file_that_is_not_utf8_is_refused(limited, app):
    response = upload(limited, "notes.txt", "café".encode("latin-1") + b"\n")
    assert response.status_code == 422
    assert (
        error_of(response)["message"] == "notes.txt is not UTF-8 text (byte 3 is not valid UTF-8)"
    )
    assert "UTF-8" in error_of(response)["hint"]
    assert uploads_left(app) == []
    assert upload(limited, "notes.txt", "café\n".encode()).status_code == 201


def test_an_oversized_csv_is_refused(limited, app):
    rows = b"x,y\n" + b"1,2\n" * (LIMIT // 4 + 10)
    response = upload(limited, "big.csv", rows)
    assert response.status_code == 413
    assert error_of(response)["message"] == f"the file is larger than {LIMIT:,} bytes"
    huge = upload(limited, "huge.csv", b"x,y\n" + b"1,2\n" * 200_000)
    assert huge.status_code == 413
    assert str(LIMIT + (64 << 10)) in error_of(huge)["message"]
    assert uploads_left(app) == []


@pytest.mark.parametrize(
    "name, data, status, message",
    [
        ("model.py", b"import os", 415, "only .csv, .txt and .zip files are taken"),
        ("empty.csv", b"a,b\n", 422, "needs a header row and at least one data row"),
        ("notazip.zip", b"PK not really", 422, "not a readable zip"),
        ("flat.zip", zipped(("a.png", png(1)), ("b.png", png(2))), 422, "one folder per class"),
        ("one.zip", zipped(("cat/a.png", png(1))), 422, "one class only"),
    ],
)
def test_other_bad_files_get_a_clear_error(limited, name, data, status, message):
    response = upload(limited, name, data)
    assert response.status_code == status
    assert message in error_of(response)["message"]


def test_uploads_need_a_multipart_file(limited):
    assert limited.post("/api/uploads", json={"file": "x"}).status_code == 415
    response = limited.post("/api/uploads", data={"other": "x"},
                            content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400 and error_of(response)["path"] == "/file"


def test_uploads_from_other_machines_are_refused_by_default(limited):
    response = limited.post(
        "/api/uploads", data={"file": (io.BytesIO(b"a\n1\n"), "a.csv")},
        content_type="multipart/form-data", environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )  # fmt: skip
    assert response.status_code == 403
