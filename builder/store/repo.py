"""What the API does with saved models, as transactions on the database.

Every method opens its own short session. Writes that depend on the state they read
(update, fork, delete) run in one transaction whose UPDATE/DELETE carries the
condition it relies on, so concurrent writers on SQLite or PostgreSQL can never both
succeed: an update is `UPDATE models ... WHERE id = :id AND revision = :expected`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, defer, sessionmaker

from .db import IMMEDIATE
from .tables import Revision, SavedModel, utcnow
from .tokens import hash_token, new_id, new_token, token_matches

Sort = Literal["newest", "forks", "params"]
MAX_SEARCH_TERMS = 10


class StoreError(Exception):
    """A request the store refuses; the API turns each kind into a status."""


class NotFound(StoreError):
    pass


class Forbidden(StoreError):
    pass


class Conflict(StoreError):
    """The model is not at the revision the writer expected."""

    def __init__(self, current: int | None) -> None:
        super().__init__(f"the model is at revision {current}")
        self.current = current


@dataclass(frozen=True)
class SpecContent:
    """A validated spec: its exact JSON text and the metadata read from it."""

    text: str
    name: str
    description: str
    tags: list[str]
    total_params: int

    @property
    def search_text(self) -> str:
        return "\n".join([self.name, self.description, *self.tags]).casefold()


class Store:
    """Saved models and their revisions in one database.

    Each model keeps its newest `max_revisions` revisions (0: all of them): saving one more
    deletes the oldest in the same transaction. The current spec is never among them.
    """

    def __init__(self, engine: Engine, max_revisions: int = 0) -> None:
        self.engine = engine
        self.max_revisions = max_revisions
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(**{IMMEDIATE: True})
        self._write = sessionmaker(writer, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()

    # reads

    def get(self, model_id: str) -> SavedModel | None:
        with self._read() as session:
            return session.get(SavedModel, model_id)

    def revisions(self, model_id: str) -> Sequence[Revision] | None:
        """Every revision of a model, oldest first, without their specs; None if unknown."""
        with self._read() as session:
            if session.get(SavedModel, model_id) is None:
                return None
            query = (
                select(Revision)
                .where(Revision.model_id == model_id)
                .options(defer(Revision.spec, raiseload=True))
                .order_by(Revision.number)
            )
            return session.scalars(query).all()

    def revision(self, model_id: str, number: int) -> Revision | None:
        with self._read() as session:
            return session.get(Revision, (model_id, number))

    def search(
        self, query: str = "", sort: Sort = "newest", page: int = 1, per_page: int = 20
    ) -> tuple[Sequence[SavedModel], int]:
        """One page of the models whose name, description or tags contain every term."""
        statement = select(SavedModel)
        for term in query.split()[:MAX_SEARCH_TERMS]:
            statement = statement.where(
                SavedModel.search_text.contains(term.casefold(), autoescape=True)
            )
        order = {
            "newest": [SavedModel.created_at.desc()],
            "forks": [SavedModel.forks.desc(), SavedModel.created_at.desc()],
            "params": [SavedModel.total_params.desc(), SavedModel.created_at.desc()],
        }[sort]
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
            rows = session.scalars(
                statement.options(
                    defer(SavedModel.spec, raiseload=True),
                    defer(SavedModel.search_text, raiseload=True),
                )
                .order_by(*order, SavedModel.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
        return rows, total

    # writes

    def create(self, content: SpecContent) -> tuple[SavedModel, str]:
        """Save a new model at revision 1; returns it and its edit token (shown once)."""
        token = new_token()
        with self._write.begin() as session:
            model = self._insert(session, content, hash_token(token))
        return model, token

    def update(
        self,
        model_id: str,
        token: str,
        content: SpecContent,
        expected: int | Collection[int] | None = None,
    ) -> SavedModel:
        """Save `content` as the next revision, if the token fits and nobody was faster.

        `expected` is the revision (or revisions) the writer last saw, from If-Match;
        without it the update applies to the revision this transaction reads.
        """
        if isinstance(expected, int):
            expected = {expected}
        with self._write.begin() as session:
            model = self._authorized(session, model_id, token)
            if expected is not None and model.revision not in expected:
                raise Conflict(model.revision)
            base = model.revision
            now = utcnow()
            result = session.execute(
                update(SavedModel)
                .where(SavedModel.id == model_id, SavedModel.revision == base)
                .values(
                    revision=base + 1,
                    spec=content.text,
                    name=content.name,
                    description=content.description,
                    tags=content.tags,
                    search_text=content.search_text,
                    total_params=content.total_params,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                current = session.scalar(
                    select(SavedModel.revision).where(SavedModel.id == model_id)
                )
                if current is None:  # deleted meanwhile
                    raise NotFound(model_id)
                raise Conflict(current)
            session.add(_revision(model_id, base + 1, content, now))
            if self.max_revisions > 0:
                oldest_kept = base + 2 - self.max_revisions
                session.execute(
                    delete(Revision).where(
                        Revision.model_id == model_id, Revision.number < oldest_kept
                    )
                )
            session.flush()
            session.refresh(model)
        return model

    def delete(self, model_id: str, token: str) -> None:
        """Delete a model and its revisions. Its forks keep `forked_from` (a dangling id)."""
        with self._write.begin() as session:
            self._authorized(session, model_id, token)
            session.execute(delete(Revision).where(Revision.model_id == model_id))
            session.execute(delete(SavedModel).where(SavedModel.id == model_id))

    def fork(self, model_id: str) -> tuple[SavedModel, str]:
        """A new model with the current spec of `model_id`, and a new token.

        Counting the fork and creating it is one transaction: the counter's UPDATE comes
        first, so it also locks the parent against a concurrent update or delete.
        """
        token = new_token()
        with self._write.begin() as session:
            counted = session.execute(
                update(SavedModel)
                .where(SavedModel.id == model_id)
                .values(forks=SavedModel.forks + 1)
                .execution_options(synchronize_session=False)
            )
            if counted.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound(model_id)
            parent = session.get(SavedModel, model_id, populate_existing=True)
            assert parent is not None
            content = SpecContent(
                parent.spec, parent.name, parent.description, list(parent.tags),
                parent.total_params,
            )  # fmt: skip
            child = self._insert(
                session,
                content,
                hash_token(token),
                forked_from=parent.id,
                forked_from_revision=parent.revision,
            )
        return child, token

    # helpers

    def _authorized(self, session: Session, model_id: str, token: str) -> SavedModel:
        model = session.get(SavedModel, model_id)
        if model is None:
            raise NotFound(model_id)
        if not token_matches(token, model.token_hash):
            raise Forbidden(model_id)
        return model

    @staticmethod
    def _insert(
        session: Session,
        content: SpecContent,
        token_hash: str,
        forked_from: str | None = None,
        forked_from_revision: int | None = None,
    ) -> SavedModel:
        now = utcnow()
        model = SavedModel(
            id=new_id(),
            name=content.name,
            description=content.description,
            tags=content.tags,
            search_text=content.search_text,
            spec=content.text,
            revision=1,
            token_hash=token_hash,
            forked_from=forked_from,
            forked_from_revision=forked_from_revision,
            forks=0,
            total_params=content.total_params,
            created_at=now,
            updated_at=now,
        )
        session.add(model)
        session.flush()
        session.add(_revision(model.id, 1, content, now))
        return model


def _revision(model_id: str, number: int, content: SpecContent, now: datetime) -> Revision:
    return Revision(
        model_id=model_id,
        number=number,
        spec=content.text,
        name=content.name,
        total_params=content.total_params,
        created_at=now,
    )
