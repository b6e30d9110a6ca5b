"""Jobs whose answer a request waits for (quick checks, predictions with a trained
model), uploads of data for runs, and the example experiments. Part of the runs API
(`runs.py`)."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Blueprint, Response, request
from huey.exceptions import HueyException, TaskException
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..limits import writes
from ..runs import get_queue, get_runs, policy, run_settings
from ..runs.experiments import BY_NAME, EXPERIMENTS
from ..runs.uploads import UploadError, store
from ..store import get_store
from ..store.tables import Upload
from ..store.tokens import new_id
from .models import database_unavailable
from .run_schemas import (
    CheckRequest,
    CheckResult,
    ExperimentList,
    ExperimentOut,
    ExperimentRun,
    ExperimentRuns,
    Prediction,
    RunRequest,
    UploadOut,
)
from .runs import (
    ID,
    bearer,
    client,
    enqueue,
    fail,
    json_response,
    parse_body,
    refuse,
    run_dir,
    the_run,
    trainable,
    with_overrides,
)

bp = Blueprint("run_tools", __name__)

MAX_PREDICT_BYTES = 5 << 20
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


# quick checks and predictions: jobs whose result the request waits for


def wait_for(result: Any, what: str) -> dict[str, Any]:
    wait = run_settings().wait_s
    try:
        value = result.get(blocking=True, timeout=wait, backoff=1.2, max_delay=0.1)
    except HueyException:
        value = None
    except TaskException:
        fail(503, f"the worker failed to {what}", "try again; the server's log has details")
    if value is None:
        result.revoke()
        fail(503, f"no worker answered within {wait:g} s",
             "start one with `torchcanvas worker` (`make run` starts one)")  # fmt: skip
    assert isinstance(value, dict)
    return value


@bp.post("/api/checks")
@writes
def check() -> Response:
    body: CheckRequest = parse_body(CheckRequest)
    try:
        policy.may_run(run_settings(), request.remote_addr, None, None)
    except policy.Refusal as refusal:
        refuse(refusal)
    runs = get_runs()
    upload = runs.upload(body.upload_id) if body.upload_id else None
    spec = with_overrides(body.spec, RunRequest(spec=body.spec), upload)
    trainable(spec, "/spec")
    value = wait_for(get_queue().check(json.dumps(spec)), "check the model")
    if "error" in value:
        fail(422, value["error"], "fix the model or its data, then check again", "/spec")
    fields = set(CheckResult.model_fields)
    return json_response(CheckResult(**{k: v for k, v in value.items() if k in fields}))


@bp.post("/api/runs/<run_id>/predict")
def predict(run_id: str) -> Response:
    run = the_run(run_id)
    try:
        policy.may_run(
            run_settings(),
            request.remote_addr,
            get_store().get(run.model_id) if run.model_id else None,
            bearer(),
        )
    except policy.Refusal as refusal:
        refuse(refusal)  # fmt: skip
    folder = run_dir(run)
    if run.status != "succeeded" or not (folder / "out" / "model.pt").is_file():
        fail(409, "the run has no trained model yet", "wait until it has succeeded")
    if not (folder / "project" / "predict.py").is_file():
        fail(422, "this model's project has no predict.py",
             "Try it works for models trained on images or on CSV tables")  # fmt: skip
    request.max_content_length = MAX_PREDICT_BYTES
    upload = request.files.get("file")
    row = request.form.get("row")
    if upload is not None and upload.filename:
        suffix = os.path.splitext(upload.filename)[1].lower()
        if suffix not in IMAGE_SUFFIXES | {".csv"}:
            fail(415, "send an image (.png, .jpg, ...) or a .csv file", "", "/file")
        data = upload.read(MAX_PREDICT_BYTES + 1)
    elif row:
        suffix, data = ".csv", row.encode("utf-8")
    else:
        fail(400, "send a `file` (image or CSV) or a `row` (CSV text) as a form field",
             "e.g. curl -F file=@digit.png", "/file")  # fmt: skip
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    name = new_id() + suffix
    (inputs / name).write_bytes(data)
    value = wait_for(get_queue().predict(run.id, name), "predict")
    if "error" in value:
        fail(422, value["error"], "send an input like the training data", "/file")
    fields = set(Prediction.model_fields)
    return json_response(Prediction(**{k: v for k, v in value.items() if k in fields}))


# uploads


def upload_out(upload: Upload) -> UploadOut:
    return UploadOut(id=upload.id, kind=upload.kind, name=upload.name,  # type: ignore[arg-type]
                     size=upload.size, info=upload.info, created_at=upload.created_at)  # fmt: skip


@bp.post("/api/uploads")
@writes
def create_upload() -> Response:
    settings = run_settings()
    if settings.mode == "off" or (settings.mode == "local" and not policy.is_local(
            request.remote_addr)):  # fmt: skip
        refuse(policy.Refusal(403, "this server takes no uploads from your address",
                              "train on your own machine (TORCHCANVAS_RUNS)"))  # fmt: skip
    request.max_content_length = settings.upload_max_bytes + (64 << 10)
    if not (request.mimetype or "").startswith("multipart/form-data"):
        fail(415, "send the file as multipart/form-data", "e.g. curl -F file=@data.csv")
    file = request.files.get("file")
    if file is None or not file.filename:
        fail(400, "no `file` in the form", "e.g. curl -F file=@data.csv", "/file")
    upload_id = new_id()
    try:
        stored = store(upload_id, file.filename, file.stream, settings.uploads_dir,
                       settings.upload_max_bytes)  # fmt: skip
    except UploadError as error:
        fail(error.status, error.message, error.hint, "/file")
    upload = get_runs().add_upload(
        id=upload_id,
        kind=stored.kind,
        name=stored.name,
        size=stored.size,
        info=stored.info,
        client=client(),
    )
    response = json_response(upload_out(upload), 201)
    response.headers["Location"] = f"{request.script_root}/api/uploads/{upload.id}"
    return response


@bp.get("/api/uploads/<upload_id>")
def get_upload(upload_id: str) -> Response:
    upload = get_runs().upload(upload_id) if ID.match(upload_id) else None
    if upload is None:
        fail(404, "no upload has this id", "POST /api/uploads first")
    return json_response(upload_out(upload))


# experiments


@bp.get("/api/experiments")
def list_experiments() -> Response:
    return json_response(ExperimentList(experiments=[
        ExperimentOut(name=e.name, title=e.title, description=e.description, example=e.example,
                      variants=[v.label for v in e.variants])
        for e in EXPERIMENTS
    ]))  # fmt: skip


@bp.post("/api/experiments/<experiment>/runs")
@writes
def start_experiment(experiment: str) -> Response:
    found = BY_NAME.get(experiment)
    if found is None:
        fail(404, f"no experiment named {experiment[:64]!r}", "GET /api/experiments lists them")
    settings = run_settings()
    variants = found.specs()
    active = get_runs().active_for_client(client())
    if active + len(variants) > settings.per_client:
        refuse(policy.Refusal(429, f"the experiment starts {len(variants)} runs; you have "
                              f"{active} queued or running of {settings.per_client}",
                              "wait for your runs to finish, or cancel some"))  # fmt: skip
    started = [ExperimentRun(label=label, id=enqueue(spec, "").id) for label, spec in variants]
    return json_response(ExperimentRuns(name=found.name, runs=started), 201)


bp.register_error_handler(OperationalError, database_unavailable)
bp.register_error_handler(ProgrammingError, database_unavailable)
