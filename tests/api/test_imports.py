"""Starting from an existing model: `POST /api/import/onnx` and the shipped architectures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from torch import nn

from builder import create_app
from codegen.analysis import analyze
from codegen.architectures import list_architectures


class SmallNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv(x))
        x = self.pool(x + self.conv2(x))
        return self.fc(torch.flatten(x, 1))


class WithCumsum(SmallNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(super().forward(x), dim=1)


def exported(model: nn.Module, path: Path) -> bytes:
    program = torch.onnx.export(model.eval(), (torch.randn(1, 1, 8, 8),), dynamo=True)
    program.save(str(path))
    return path.read_bytes()


def upload(client, data: bytes, name: str = "net.onnx"):
    return client.post(
        "/api/import/onnx",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture(scope="module")
def onnx_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("onnx")
    torch.manual_seed(0)
    return {
        "small": exported(SmallNet(), folder / "small.onnx"),
        "cumsum": exported(WithCumsum(), folder / "cumsum.onnx"),
    }


def test_an_exported_onnx_file_becomes_a_spec(client, onnx_files) -> None:
    response = upload(client, onnx_files["small"], "small-net.onnx")
    assert response.status_code == 200, response.json
    body = response.json
    spec = body["spec"]
    assert spec["name"] == "small-net"
    assert spec["input"] == {"shape": [1, 8, 8]}
    assert [n["type"] for n in spec["nodes"]] == [
        "Conv2d", "ReLU", "Conv2d", "Add", "MaxPool2d", "Flatten", "Linear"
    ]  # fmt: skip
    analysis = analyze(spec)
    assert analysis.valid
    assert (
        body["params"] == analysis.total_params == sum(p.numel() for p in SmallNet().parameters())
    )
    assert analysis.output_shape == (10,)


def test_unsupported_onnx_ops_are_listed(client, onnx_files) -> None:
    response = upload(client, onnx_files["cumsum"])
    assert response.status_code == 422
    messages = [e["message"] for e in response.json["errors"]]
    assert any(m.startswith("unsupported op: CumSum") for m in messages), messages


@pytest.mark.parametrize(
    "data", [b"", b"not an onnx file at all", bytes(range(256)) * 4], ids=["empty", "text", "bytes"]
)
def test_a_corrupt_file_gets_a_clear_4xx(client, data: bytes) -> None:
    response = upload(client, data)
    assert response.status_code == 422
    (error,) = response.json["errors"]
    assert "not an ONNX model" in error["message"]
    assert error["path"] == "/file"


def test_an_oversized_file_gets_413(onnx_files) -> None:
    app = create_app({"TESTING": True, "MAX_ONNX_BYTES": 1000, "RATELIMIT_WORK": "1000/second"})
    response = upload(app.test_client(), onnx_files["small"] + b"\0" * 200_000)
    assert response.status_code == 413
    assert "larger than" in response.json["errors"][0]["message"]


def test_the_upload_must_be_a_form_with_a_file(client) -> None:
    assert client.post("/api/import/onnx", json={"file": "x"}).status_code == 415
    response = client.post("/api/import/onnx", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_architectures_are_listed_and_valid() -> None:
    app = create_app({"TESTING": True, "MAX_NODES": 2000})
    client = app.test_client()
    listed = {a["name"]: a for a in client.get("/api/architectures").json["architectures"]}
    assert listed["resnet18"]["params"] == 11_689_512
    assert {"alexnet", "vgg11_bn", "resnet50", "densenet121", "mobilenet_v2"} <= set(listed)
    assert listed["vit_b_16"]["params"] == 86_567_656
    for name, params in (("resnet18", 11_689_512), ("vit_b_16", 86_567_656)):
        analysis = analyze(client.get(f"/api/architectures/{name}").json)
        assert analysis.valid
        assert analysis.total_params == params
    assert client.get("/api/architectures/nope").status_code == 404


def test_architectures_beyond_the_server_limit_are_not_offered(client) -> None:
    names = {a["name"] for a in client.get("/api/architectures").json["architectures"]}
    assert names == {a["name"] for a in list_architectures() if a["blocks"] <= 50}
    assert {a["name"] for a in list_architectures()} - names  # some are beyond 50 blocks
