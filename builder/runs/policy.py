"""Who may run, and how much: TORCHCANVAS_RUNS, per-client limits, the size cap.

`local` lets clients on this machine run (a loopback address; behind a reverse proxy set
TORCHCANVAS_PROXY_FIX so the address is the client's); `owners` lets the holder of a
saved model's edit token run that model; `off` refuses every run. Each client address
may have `per_client` runs queued or running at once, and one run may train at most
`max_sample_epochs` epochs x training samples.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ..store.tables import SavedModel, Upload
from ..store.tokens import token_matches
from .settings import RunSettings

SKLEARN_SAMPLES = {"iris": 150, "digits": 1797, "wine": 178, "breast_cancer": 569,
                   "diabetes": 442}  # fmt: skip
IMAGE_SET_SAMPLES = {"mnist": 60_000, "fashion-mnist": 60_000, "cifar10": 50_000}


@dataclass(frozen=True)
class Refusal(Exception):
    status: int
    message: str
    hint: str
    path: str = ""


def is_local(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def may_run(
    settings: RunSettings, address: str | None, model: SavedModel | None, token: str | None
) -> None:
    """Raise Refusal unless this client may start (or cancel) a run of `model`."""
    if settings.mode == "off":
        raise Refusal(
            403,
            "runs are switched off on this server",
            "download the project and run train.py yourself (TORCHCANVAS_RUNS=off)",
        )
    if settings.mode == "local" and not is_local(address):
        raise Refusal(
            403,
            "this server runs training only for clients on its own machine",
            "download the project and run train.py yourself (TORCHCANVAS_RUNS=local)",
        )
    if settings.mode == "owners":
        if model is None:
            raise Refusal(
                403,
                "this server runs saved models only, for their owners",
                "share the model, then start the run with its model_id and edit "
                "token (TORCHCANVAS_RUNS=owners)",
                "/model_id",
            )
        if not token or not token_matches(token, model.token_hash):
            raise Refusal(403, "running a saved model needs its edit token",
                          "send Authorization: Bearer <edit_token>; fork the model to run a "
                          "copy of your own")  # fmt: skip


def within_client_limit(settings: RunSettings, active: int) -> None:
    if active >= settings.per_client:
        raise Refusal(429, f"you have {active} runs queued or running; this server takes "
                      f"{settings.per_client} per client",
                      "wait for one to finish, or cancel one")  # fmt: skip


def training_samples(dataset: dict[str, Any], upload: Upload | None) -> int | None:
    """How many samples one epoch sees, as far as the spec and the upload tell."""
    kind = dataset.get("kind")
    params = dataset.get("params") or {}
    if kind in ("synthetic-regression", "synthetic-classification"):
        return int(params.get("n_samples", 1000))
    if kind == "sklearn":
        return SKLEARN_SAMPLES.get(str(params.get("name", "digits")))
    if kind in IMAGE_SET_SAMPLES:
        return IMAGE_SET_SAMPLES[kind]
    if upload is not None:
        return int(upload.info.get("rows") or upload.info.get("images") or 0) or None
    return None


def within_size_cap(settings: RunSettings, training: dict[str, Any], samples: int | None) -> None:
    epochs = int(training.get("epochs", 10))
    if samples and epochs * samples > settings.max_sample_epochs:
        raise Refusal(
            422,
            f"{epochs} epochs x {samples:,} samples is more than this server trains in one "
            f"run ({settings.max_sample_epochs:,})",
            f"train for at most {max(1, settings.max_sample_epochs // samples)} epochs, or on "
            "fewer samples (TORCHCANVAS_RUN_MAX_SAMPLE_EPOCHS)",
            "/training/epochs",
        )
