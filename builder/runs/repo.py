"""Runs, their history and uploads in the database, as short transactions.

State changes are conditional UPDATEs (`... WHERE status = 'queued'`, `... AND worker =
:me`), so two workers can never both claim a run, and a worker that lost its run to
another (its heartbeat went stale) cannot overwrite the newer worker's results.
Every change bumps `seq`, which event streams poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import defer, sessionmaker

from ..store.tables import Run, RunEpoch, Upload, utcnow
from ..store.tokens import new_id

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")
EPOCH_FIELDS = ("loss", "val_loss", "metric", "lr", "seconds")
STARTING = {"stage": "starting", "epoch": 0, "batch": 0, "batches": 0}
"""The progress of a run its worker has just taken: the project is being generated and
train.py started (importing torch alone takes a second or two)."""


def _number(value: Any) -> float | None:
    """A finite float, or None (NaN and infinities are not JSON, and not storable everywhere)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


class RunStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    # reads

    def get(self, run_id: str) -> Run | None:
        with self._session() as session:
            return session.get(Run, run_id)

    def state(self, run_id: str) -> Run | None:
        """A run without its spec (what an event stream sends)."""
        with self._session() as session:
            return session.get(Run, run_id, options=[defer(Run.spec, raiseload=True)])

    def version(self, run_id: str) -> tuple[str, int] | None:
        """(status, seq) of a run: what an event stream polls."""
        with self._session() as session:
            row = session.execute(select(Run.status, Run.seq).where(Run.id == run_id)).first()
            return (row[0], row[1]) if row else None

    def history(self, run_id: str, after: int = 0) -> Sequence[RunEpoch]:
        with self._session() as session:
            query = (
                select(RunEpoch)
                .where(RunEpoch.run_id == run_id, RunEpoch.epoch > after)
                .order_by(RunEpoch.epoch)
            )
            return session.scalars(query).all()

    def for_models(self, model_ids: Sequence[str], limit: int = 100) -> Sequence[Run]:
        with self._session() as session:
            query = (
                select(Run)
                .where(Run.model_id.in_(list(model_ids)), Run.kind == "train")
                .order_by(Run.created_at.desc())
                .limit(limit)
            )
            return session.scalars(query).all()

    def active_for_client(self, client: str) -> int:
        with self._session() as session:
            query = select(func.count()).where(Run.client == client, Run.status.in_(ACTIVE))
            return int(session.scalar(query) or 0)

    def stale(self, before: datetime) -> list[str]:
        """Running runs whose worker has not been heard of since `before`."""
        with self._session() as session:
            query = select(Run.id).where(Run.status == "running", Run.heartbeat_at < before)
            return list(session.scalars(query).all())

    # writes

    def create(self, **fields: Any) -> Run:
        run = Run(id=new_id(), status="queued", seq=1, created_at=utcnow(), **fields)
        with self._session.begin() as session:
            session.add(run)
        return run

    def _update(self, run_id: str, *conditions: Any, **values: Any) -> bool:
        with self._session.begin() as session:
            result = session.execute(
                update(Run)
                .where(Run.id == run_id, *conditions)
                .values(seq=Run.seq + 1, **values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def claim(self, run_id: str, worker: str) -> Run | None:
        """Take a queued run for `worker`; None if it is not queued (cancelled, taken)."""
        now = utcnow()
        claimed = self._update(
            run_id,
            Run.status == "queued",
            status="running",
            worker=worker,
            attempts=Run.attempts + 1,
            heartbeat_at=now,
            started_at=func.coalesce(Run.started_at, now),
            progress=STARTING,
        )
        return self.get(run_id) if claimed else None

    def heartbeat(self, run_id: str, worker: str) -> tuple[bool, bool]:
        """Renew the lease; (still ours, cancel requested)."""
        with self._session.begin() as session:
            result = session.execute(
                update(Run)
                .where(Run.id == run_id, Run.worker == worker, Run.status == "running")
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            cancel = session.scalar(select(Run.cancel_requested).where(Run.id == run_id))
        return bool(result.rowcount), bool(cancel)  # type: ignore[attr-defined]

    def started(self, run_id: str, worker: str, pid: int) -> None:
        self._update(run_id, Run.worker == worker, pid=pid)

    def epochs_total(self, run_id: str, worker: str, epochs: int) -> None:
        self._update(run_id, Run.worker == worker, epochs=epochs)

    def record(
        self,
        run_id: str,
        worker: str,
        epochs: Sequence[dict[str, Any]] = (),
        progress: dict[str, Any] | None = None,
    ) -> None:
        """Record epochs (again, after a resume: the newer numbers win) and the progress.

        Plain statements in one transaction: the worker writes a few a second while its
        run computes beside it, so this stays cheap.
        """
        values: dict[str, Any] = {"seq": Run.seq + 1}
        if progress is not None:
            values["progress"] = progress
        rows = {int(row["epoch"]): {k: _number(row.get(k)) for k in EPOCH_FIELDS} for row in epochs}
        with self.engine.begin() as connection:
            owned = connection.execute(
                update(Run).where(Run.id == run_id, Run.worker == worker).values(**values)
            )
            if not owned.rowcount or not rows:
                return
            table = RunEpoch.__table__
            connection.execute(
                delete(table).where(table.c.run_id == run_id, table.c.epoch.in_(list(rows)))
            )
            connection.execute(
                insert(table), [{"run_id": run_id, "epoch": e, **v} for e, v in rows.items()]
            )

    def finish(
        self,
        run_id: str,
        worker: str,
        status: str,
        error: str | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> bool:
        assert status in FINISHED
        return self._update(
            run_id,
            Run.worker == worker,
            Run.status == "running",
            status=status,
            error=error,
            metrics=metrics,
            finished_at=utcnow(),
            pid=None,
            progress=None,
        )

    def fail_queued(self, run_id: str, error: str) -> bool:
        return self._update(
            run_id, Run.status == "queued", status="failed", error=error, finished_at=utcnow()
        )

    def release(self, run_id: str, worker: str) -> bool:
        """Give a running run back to the queue (its worker is stopping)."""
        return self._update(
            run_id,
            Run.worker == worker,
            Run.status == "running",
            status="queued",
            worker=None,
            pid=None,
            attempts=Run.attempts - 1,
        )

    def requeue_stale(self, run_id: str, before: datetime) -> bool:
        """Queue a run again whose worker stopped renewing it (the first caller wins)."""
        return self._update(
            run_id,
            Run.status == "running",
            Run.heartbeat_at < before,
            status="queued",
            worker=None,
            pid=None,
        )

    def cancel(self, run_id: str) -> Run | None:
        """A queued run is cancelled at once; a running one when its worker sees the flag."""
        self._update(run_id, Run.status == "queued", status="cancelled", finished_at=utcnow())
        self._update(run_id, Run.status == "running", cancel_requested=True)
        return self.get(run_id)

    # uploads

    def add_upload(self, **fields: Any) -> Upload:
        upload = Upload(created_at=utcnow(), **fields)
        with self._session.begin() as session:
            session.add(upload)
        return upload

    def upload(self, upload_id: str) -> Upload | None:
        with self._session() as session:
            return session.get(Upload, upload_id)


def stale_cutoff(seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds)


def fork_ids(engine: Engine, model_id: str) -> list[str]:
    """The ids of the models forked from `model_id` (one level)."""
    from ..store.tables import SavedModel

    with engine.connect() as connection:
        query = select(SavedModel.id).where(SavedModel.forked_from == model_id)
        return list(connection.scalars(query).all())
