"""The runs API: start, follow (Server-Sent Events), cancel and inspect runs (checks,
predictions and uploads are in `run_tools.py`). Bodies are in `run_schemas.py`, the
guide is docs/runs.md.

The web tier never runs training itself: it stores a run, puts a job on the queue and
reads what the workers record. An event stream polls the run's `seq` between short
sleeps, holding no database connection and no lock while it waits, so it works the same
on the development server and under gunicorn.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Iterator
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, current_app, request, send_file
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError

from codegen.analysis import Analysis
from codegen.problems import pointer

from ..errors import error_response, problems_response
from ..limits import writes
from ..runs import get_queue, get_runs, policy, run_settings
from ..runs.repo import FINISHED, fork_ids
from ..store import get_store
from ..store.tables import Run, SavedModel, Upload
from ..streaming import Event, event_stream
from . import checked, read_json
from .models import database_unavailable
from .run_schemas import (
    CreatedRun,
    EpochOut,
    ModelRunsQuery,
    Progress,
    RunList,
    RunOut,
    RunRequest,
    RunSummary,
)

bp = Blueprint("runs", __name__)

ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ARTIFACTS = {
    "model.pt": "application/octet-stream",
    "metrics.json": "application/json",
    "history.json": "application/json",
    "confusion.json": "application/json",
    "preprocessing.json": "application/json",
    "confusion.png": "image/png",
    "loss.png": "image/png",
    "train.log": "text/plain",
}
POLL_S = 0.25


# helpers


def json_response(body: BaseModel, status: int = 200) -> Response:
    return Response(body.model_dump_json(), status=status, mimetype="application/json")


def fail(status: int, message: str, hint: str = "", path: str = "") -> NoReturn:
    abort(error_response(status, message, hint, path))


def refuse(refusal: policy.Refusal) -> NoReturn:
    fail(refusal.status, refusal.message, refusal.hint, refusal.path)


def parse_body(model: type[BaseModel]) -> Any:
    data, _ = read_json()
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        abort(
            problems_response(
                422,
                (
                    {"path": pointer(*e["loc"]), "message": e["msg"],
                     "hint": "see POST " + request.path + " in /api/docs"}
                    for e in problem.errors(include_url=False)
                ),
            )
        )  # fmt: skip


def bearer() -> str | None:
    auth = request.authorization
    return auth.token if auth is not None and auth.type == "bearer" and auth.token else None


def client() -> str:
    return (request.remote_addr or "")[:64]


def the_run(run_id: str) -> Run:
    run = get_runs().get(run_id) if ID.match(run_id) else None
    if run is None or run.kind != "train":
        fail(404, "no run has this id", "POST /api/runs starts one; it may have been removed")
    return run


def run_dir(run: Run) -> Any:
    return run_settings().runs_dir / run.id


def artifacts(run: Run) -> list[str]:
    folder = run_dir(run)
    found = [name for name in ARTIFACTS if (folder / "out" / name).is_file()]
    return found + (["train.log"] if (folder / "train.log").is_file() else [])


def summary_fields(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "kind": "train",
        "status": run.status,
        "model_id": run.model_id,
        "model_revision": run.model_revision,
        "name": run.name,
        "epochs": run.epochs,
        "settings": run.settings or {},
        "metrics": run.metrics,
        "error": run.error,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def run_out(run: Run) -> RunOut:
    history = get_runs().history(run.id)
    progress = run.progress if run.status == "running" and run.progress else None
    return RunOut(
        **summary_fields(run),
        progress=Progress(**progress) if progress else None,
        history=[
            EpochOut(epoch=h.epoch, loss=h.loss, val_loss=h.val_loss, metric=h.metric, lr=h.lr,
                     seconds=h.seconds)
            for h in history
        ],  # fmt: skip
        attempts=run.attempts,
        cancel_requested=run.cancel_requested,
        artifacts=artifacts(run),
        spec=json.loads(run.spec),
    )


# what to train


def saved_spec(body: RunRequest) -> tuple[dict[str, Any], SavedModel, int]:
    assert body.model_id is not None
    saved = get_store()
    model = saved.get(body.model_id)
    if model is None:
        fail(404, f"no model with id '{body.model_id}'", "save it first (POST /api/models)",
             "/model_id")  # fmt: skip
    if body.revision is None:
        return json.loads(model.spec), model, model.revision
    revision = saved.revision(model.id, body.revision)
    if revision is None:
        fail(404, f"model '{model.id}' has no revision {body.revision}",
             f"GET /api/models/{model.id}/revisions lists them", "/revision")  # fmt: skip
    return json.loads(revision.spec), model, revision.number


def with_overrides(spec: Any, body: RunRequest, upload: Upload | None) -> Any:
    """The spec the run trains: the request's overrides and upload written into it."""
    spec = copy.deepcopy(spec)
    training = spec.get("training") if isinstance(spec, dict) else None
    if not isinstance(training, dict):
        return spec  # analysis reports it
    if body.epochs is not None:
        training["epochs"] = body.epochs
    if body.seed is not None:
        training["seed"] = body.seed
    if body.lr is not None:
        optimizer = training.setdefault("optimizer", {})
        if isinstance(optimizer, dict):
            optimizer.setdefault("params", {})["lr"] = body.lr
    if upload is not None:
        dataset = training.get("dataset") if isinstance(training.get("dataset"), dict) else {}
        kind = dataset.get("kind")
        fits = {"csv": ("csv", "image-csv"), "images": ("image-folder",), "text": ()}
        if kind not in fits[upload.kind]:
            wanted = " or ".join(fits[upload.kind]) or "a text dataset (none exists yet)"
            fail(
                422,
                f"the upload is {'a CSV table' if upload.kind == 'csv' else upload.kind}"
                f", but the model's dataset is {kind!r}",
                f"choose the dataset {wanted} in the training settings",
                "/upload_id",
            )
        path = upload.info.get("folder") if upload.kind == "images" else upload.name
        dataset.setdefault("params", {})["path"] = path
    return spec


def trainable(spec: Any, where: str) -> Analysis:
    """The spec's analysis, or 422 with its problems (pointers under `where`)."""
    analysis = checked(spec)
    problems = [p.to_dict() for p in analysis.problems]
    if not problems and analysis.training is None:
        problems = [
            {
                "path": "/training",
                "message": "a model without training settings cannot run",
                "hint": "choose a dataset, a loss and an optimizer",
            }
        ]
    if problems:
        abort(problems_response(422, ({**p, "path": where + p["path"]} for p in problems)))
    return analysis


@bp.post("/api/runs")
@writes
def start_run() -> Response:
    body: RunRequest = parse_body(RunRequest)
    model, revision = None, None
    if body.model_id is not None:
        spec, model, revision = saved_spec(body)
        where = ""
    else:
        spec, where = body.spec, "/spec"
    upload = None
    if body.upload_id is not None:
        upload = get_runs().upload(body.upload_id)
        if upload is None:
            fail(404, "no upload has this id", "POST /api/uploads first", "/upload_id")
    overrides = {k: v for k, v in body.model_dump(include={"epochs", "lr", "seed"}).items()
                 if v is not None}  # fmt: skip
    run = enqueue(with_overrides(spec, body, upload), where, model, revision, overrides, upload)
    url = f"{request.script_root}/api/runs/{run.id}"
    response = json_response(CreatedRun(id=run.id, status="queued", url=url,
                                        events=f"{url}/events"), 201)  # fmt: skip
    response.headers["Location"] = url
    return response


def enqueue(
    spec: Any,
    where: str,
    model: SavedModel | None = None,
    revision: int | None = None,
    overrides: dict[str, Any] | None = None,
    upload: Upload | None = None,
) -> Run:
    """Check who asks and what, store the run and queue it; aborts with 4xx/503 if not."""
    settings = run_settings()
    try:
        policy.may_run(settings, request.remote_addr, model, bearer())
    except policy.Refusal as refusal:
        refuse(refusal)
    analysis = trainable(spec, where)
    assert analysis.spec is not None and analysis.training is not None
    runs = get_runs()
    try:
        training = spec["training"]
        policy.within_size_cap(settings, training, policy.training_samples(
            training.get("dataset") or {}, upload))  # fmt: skip
        policy.within_client_limit(settings, runs.active_for_client(client()))
    except policy.Refusal as refusal:
        refuse(refusal)
    run = runs.create(
        kind="train", model_id=model.id if model else None, model_revision=revision,
        name=analysis.spec.name, spec=json.dumps(spec, ensure_ascii=False),
        settings=overrides or {}, upload_id=upload.id if upload else None, client=client(),
        epochs=analysis.training.spec.epochs,
    )  # fmt: skip
    try:
        get_queue().train(run.id)
    except Exception:  # the queue's database or Redis is away
        current_app.logger.exception("cannot enqueue run %s", run.id)
        runs.fail_queued(run.id, "the queue was not available")
        fail(503, "the queue is not available", "try again in a moment")
    return run


@bp.get("/api/runs/<run_id>")
def get_run(run_id: str) -> Response:
    response = json_response(run_out(the_run(run_id)))
    response.cache_control.no_cache = True
    return response


@bp.post("/api/runs/<run_id>/cancel")
def cancel_run(run_id: str) -> Response:
    run = the_run(run_id)
    model = get_store().get(run.model_id) if run.model_id else None
    try:
        policy.may_run(run_settings(), request.remote_addr, model, bearer())
    except policy.Refusal as refusal:
        refuse(refusal)
    cancelled = get_runs().cancel(run.id)
    assert cancelled is not None
    return json_response(run_out(cancelled))


@bp.get("/api/runs/<run_id>/artifacts/<artifact>")
def get_artifact(run_id: str, artifact: str) -> Response:
    run = the_run(run_id)
    folder = run_dir(run)
    path = folder / artifact if artifact == "train.log" else folder / "out" / artifact
    if artifact not in ARTIFACTS or not path.is_file():
        fail(404, f"the run has no file {artifact[:64]!r}",
             f"GET /api/runs/{run.id} lists its artifacts")  # fmt: skip
    response = send_file(
        path, mimetype=ARTIFACTS[artifact], as_attachment=artifact == "model.pt",
        download_name=artifact, max_age=0,
    )  # fmt: skip
    return response


@bp.get("/api/models/<model_id>/runs")
def model_runs(model_id: str) -> Response:
    try:
        query = ModelRunsQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        abort(problems_response(422, ({"path": pointer("query", *e["loc"]), "message": e["msg"],
                                       "hint": "e.g. ?forks=1"}
                                      for e in error.errors(include_url=False))))  # fmt: skip
    saved = get_store()
    if not ID.match(model_id) or saved.get(model_id) is None:
        fail(404, "no model has this id", "it may have been deleted; check the link")
    ids = [model_id, *(fork_ids(saved.engine, model_id) if query.forks else [])]
    runs = get_runs().for_models(ids)
    return json_response(RunList(runs=[RunSummary(**summary_fields(r)) for r in runs]))


# events


def last_epoch_sent(last_id: str | None) -> int:
    match = re.fullmatch(r"e([0-9]{1,9})", (last_id or "").strip())
    return int(match.group(1)) if match else 0


@bp.get("/api/runs/<run_id>/events")
def run_events(run_id: str) -> Response:
    """`status`, `epoch` (id e<epoch>), `progress` and finally `end` events of a run.

    Between polls of the run's `seq` the stream sleeps holding nothing: each poll is a
    short read of its own (a connection from the pool, returned at once).
    """
    run = the_run(run_id)
    runs = get_runs()

    def events(last_id: str | None) -> Iterator[Event | None]:
        sent_epoch, seq, status, progress = last_epoch_sent(last_id), -1, None, None
        while True:
            version = runs.version(run.id)
            if version is None:
                yield Event({"status": "deleted", "error": None}, "end")
                return
            if version[1] != seq:
                seq = version[1]
                current = runs.state(run.id)
                if current is None:
                    continue
                for row in runs.history(run.id, after=sent_epoch):
                    data = EpochOut.model_validate(row, from_attributes=True).model_dump()
                    yield Event(data, "epoch", f"e{row.epoch}")
                    sent_epoch = row.epoch
                if current.status != status:
                    status = current.status
                    yield Event(
                        {
                            "status": status,
                            "epochs": current.epochs,
                            "error": current.error,
                            "metrics": current.metrics,
                        },
                        "status",
                    )
                if current.progress != progress and current.status == "running":
                    progress = current.progress
                    if progress:
                        yield Event(progress, "progress")
                if current.status in FINISHED:
                    yield Event({"status": current.status, "error": current.error}, "end")
                    return
            yield None  # a heartbeat when one is due
            time.sleep(POLL_S)

    return event_stream(events)


bp.register_error_handler(OperationalError, database_unavailable)
bp.register_error_handler(ProgrammingError, database_unavailable)
