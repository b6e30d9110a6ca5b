"""Request and response bodies of the runs API (builder/api/runs.py), and its routes.

The views build their answers from these classes; `RUN_ROUTES` puts them in the OpenAPI
document beside the core and models API (`schemas.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .schemas import ErrorResponse, Route, _Out

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
UploadKind = Literal["csv", "text", "images"]
MAX_EPOCHS = 10_000


class RunRequest(BaseModel):
    """`POST /api/runs`: what to train (a spec, or a saved model) and optional overrides."""

    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] | None = Field(None, description="a model spec with `training`")
    model_id: str | None = Field(None, description="a saved model (its current revision)",
                                 pattern=r"^[A-Za-z0-9_-]{1,64}$")  # fmt: skip
    revision: int | None = Field(None, ge=1, le=2**31 - 1,
                                 description="with model_id: train this revision")  # fmt: skip
    epochs: int | None = Field(None, ge=1, le=MAX_EPOCHS, description="overrides training.epochs")
    lr: float | None = Field(None, gt=0, le=10, description="overrides the optimizer's lr")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="overrides training.seed")
    upload_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                  description="train on this upload (POST /api/uploads)")  # fmt: skip

    @model_validator(mode="after")
    def _one_source(self) -> RunRequest:
        if (self.spec is None) == (self.model_id is None):
            raise ValueError("send either `spec` or `model_id`")
        if self.revision is not None and self.model_id is None:
            raise ValueError("`revision` goes with `model_id`")
        return self


class CheckRequest(BaseModel):
    """`POST /api/checks`: the spec to check with one batch."""

    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] = Field(description="a model spec with `training`")
    upload_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


class CreatedRun(_Out):
    """201 of `POST /api/runs`."""

    id: str
    status: RunStatus
    url: str = Field(description="GET it for the run's state")
    events: str = Field(description="its Server-Sent Events")


class Progress(_Out):
    """Where a running run is within its epoch."""

    stage: Literal["starting", "training"] = Field(
        "training", description="starting: the worker generates the project and starts train.py"
    )
    epoch: int
    batch: int
    batches: int = Field(description="batches in the epoch (0 while unknown)")
    loss: float | None = None


class EpochOut(_Out):
    """One epoch of a run's history (as train.py's history.json)."""

    epoch: int
    loss: float | None
    val_loss: float | None
    metric: float | None
    lr: float | None
    seconds: float | None


class RunSummary(_Out):
    """A run in a list: no history, no spec."""

    id: str
    kind: Literal["train"]
    status: RunStatus
    model_id: str | None
    model_revision: int | None
    name: str
    epochs: int = Field(description="epochs it trains for")
    settings: dict[str, Any] = Field(description="the overrides it was started with")
    metrics: dict[str, Any] | None = Field(description="metrics.json, once it has succeeded")
    error: str | None = Field(description="why it failed, in one line")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunOut(RunSummary):
    """`GET /api/runs/<id>`: the run's state, history, metrics and the spec it trains."""

    progress: Progress | None
    history: list[EpochOut]
    attempts: int = Field(description="workers that took it (more than 1: it was resumed)")
    cancel_requested: bool
    artifacts: list[str] = Field(description="files of GET /api/runs/{run_id}/artifacts/{artifact}")
    spec: dict[str, Any]


class RunList(_Out):
    """`GET /api/models/<id>/runs`: newest first."""

    runs: list[RunSummary]


class CheckResult(_Out):
    """`POST /api/checks`: one batch forward and backward, in a worker."""

    loss: float | None
    grads_finite: bool = Field(description="every gradient is finite (no NaN or inf)")
    seconds_per_batch: float
    seconds_per_epoch: float = Field(description="estimate: batches per epoch x the above")
    batches: int = Field(description="batches per epoch")
    peak_memory_mb: float = Field(description="peak resident memory of the check's process")
    parameters: int
    device: str


class UploadOut(_Out):
    """An uploaded data file (or folder of images), to train on by its id."""

    id: str
    kind: UploadKind
    name: str
    size: int = Field(description="bytes, unpacked")
    info: dict[str, Any] = Field(description="csv: rows and columns; images: classes, images")
    created_at: datetime


class Prediction(_Out):
    """`POST /api/runs/<id>/predict`: what the trained model says about one input."""

    predicted: str | float = Field(description="the most likely class, or the value")
    classes: list[str] = Field(description="class names (empty for regression)")
    probabilities: list[float] = Field(description="one per class")


class ExperimentOut(_Out):
    """One of the seeds' comparisons: runs of an example with a few settings changed."""

    name: str
    title: str
    description: str
    example: str = Field(description="the example model it starts from")
    variants: list[str] = Field(description="what each run changes")


class ExperimentList(_Out):
    """`GET /api/experiments`."""

    experiments: list[ExperimentOut]


class ExperimentRun(_Out):
    label: str
    id: str


class ExperimentRuns(_Out):
    """201 of `POST /api/experiments/<name>/runs`: one run per variant."""

    name: str
    runs: list[ExperimentRun]


class ModelRunsQuery(BaseModel):
    """Query string of `GET /api/models/<id>/runs`."""

    model_config = ConfigDict(extra="ignore")

    forks: bool = Field(False, description="also the runs of the model's forks")


PREDICT_FORM = {
    "file": "an image, or a CSV file with a header row and one row",
    "row": "instead of a file: CSV text, a header line and one row",
}
UPLOAD_FORM = {"file": "a .csv, a .txt or a .zip of class folders"}

_E = ErrorResponse
_LIMITS = {403: _E, 422: _E, 429: _E}
_BODY = {400: _E, 413: _E, 415: _E, 422: _E}

RUN_ROUTES: list[Route] = [
    Route("post", "/api/runs", "Start a run", {201: CreatedRun, **_BODY, **_LIMITS, 404: _E,
          503: _E}, RunRequest, tag="runs", response_headers={201: ("Location",)},
          headers=("Authorization",),
          description="Trains the project TorchCanvas generates from the spec (or from the "
          "saved model) in a worker. With TORCHCANVAS_RUNS=owners, send the model's edit token."),
    Route("get", "/api/runs/{run_id}", "A run", {200: RunOut, 404: _E}, tag="runs"),
    Route("get", "/api/runs/{run_id}/events", "A run's events (Server-Sent Events)",
          {200: None, 404: _E}, tag="runs", headers=("Last-Event-ID",),
          media={200: "text/event-stream"},
          description="`progress` (batches within an epoch), `epoch` (one per epoch, id "
          "`e<epoch>`), `status` and finally `end`, each a JSON object; a comment every "
          "15 s keeps the stream open. Reconnecting with Last-Event-ID skips epochs sent."),
    Route("post", "/api/runs/{run_id}/cancel", "Cancel a run",
          {200: RunOut, 403: _E, 404: _E}, tag="runs", headers=("Authorization",),
          description="A queued run is cancelled at once; a running one within a second "
          "or so (its whole process group is killed)."),
    Route("get", "/api/runs/{run_id}/artifacts/{artifact}", "A file the run wrote",
          {200: None, 404: _E}, tag="runs", media={200: "application/octet-stream"},
          description="model.pt, metrics.json, history.json, confusion.json, confusion.png, "
          "loss.png, preprocessing.json or train.log."),
    Route("post", "/api/runs/{run_id}/predict", "Try a trained model on one input",
          {200: Prediction, 400: _E, 404: _E, 409: _E, 413: _E, 415: _E, 422: _E, 503: _E},
          tag="runs", form=PREDICT_FORM,
          description="An image file (`file`) for image models, or a CSV with a header "
          "and one row (`file`, or the `row` form field as text) for table models."),
    Route("post", "/api/checks", "Check one batch", {200: CheckResult, **_BODY, **_LIMITS,
          503: _E}, CheckRequest, tag="runs",
          description="One batch forward and backward in a worker: the loss, whether the "
          "gradients are finite, time per batch and epoch, peak memory."),
    Route("post", "/api/uploads", "Upload data for runs",
          {201: UploadOut, 400: _E, 403: _E, 413: _E, 415: _E, 422: _E, 429: _E},
          tag="runs", form=UPLOAD_FORM,
          description="A CSV table, a UTF-8 text file, or a zip with one folder of images "
          "per class (`file`). Size limits apply; zips are checked for bombs and paths."),
    Route("get", "/api/uploads/{upload_id}", "An upload", {200: UploadOut, 404: _E}, tag="runs"),
    Route("get", "/api/experiments", "The example comparisons", {200: ExperimentList},
          tag="runs", description="The seeds' experiments: weight decay, dropout."),
    Route("post", "/api/experiments/{experiment}/runs", "Start an experiment's runs",
          {201: ExperimentRuns, 403: _E, 404: _E, 422: _E, 429: _E, 503: _E}, tag="runs",
          description="One run per variant; compare them with GET /api/runs/{run_id}."),
    Route("get", "/api/models/{id}/runs", "The runs of a saved model",
          {200: RunList, 404: _E, 422: _E}, query=ModelRunsQuery, tag="runs",
          description="Newest first; `?forks=1` adds the runs of its forks (to compare)."),
]  # fmt: skip
