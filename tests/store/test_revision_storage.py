"""Revisions are stored compressed and capped per model; migration 0002 converts old rows.

31 PUTs of a 0.9 MB spec used to grow the database by 25.5 MB: every revision was kept
forever, as plain text.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from builder import create_app
from builder.store import get_store
from builder.store.db import make_engine
from builder.store.migrate import alembic_config, upgrade
from tests.store.conftest import TEST_CONFIG, private_pg_database, require_pg, spec_text

JSON = "application/json"


def save(client, body: str, token: str | None = None, model_id: str | None = None):
    if model_id is None:
        return client.post("/api/models", data=body, content_type=JSON)
    return client.put(
        f"/api/models/{model_id}",
        data=body,
        content_type=JSON,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_newest_revisions_are_kept_and_the_oldest_pruned(app):
    app.config["MAX_REVISIONS"] = 3
    get_store(app).max_revisions = 3
    client = app.test_client()
    created = save(client, spec_text(name="v1")).get_json()
    model_id, token = created["id"], created["edit_token"]
    for number in range(2, 7):
        assert save(client, spec_text(name=f"v{number}"), token, model_id).status_code == 200
    listed = client.get(f"/api/models/{model_id}/revisions").get_json()
    assert [r["revision"] for r in listed["revisions"]] == [4, 5, 6]
    assert listed["current"] == 6
    assert client.get(f"/api/models/{model_id}").get_json()["spec"]["name"] == "v6"
    assert client.get(f"/api/models/{model_id}/revisions/4").get_json()["spec"]["name"] == "v4"
    pruned = client.get(f"/api/models/{model_id}/revisions/1")
    assert pruned.status_code == 404
    assert "keeps the newest 3 revisions" in pruned.get_json()["errors"][0]["hint"]


def test_revisions_are_stored_compressed_and_read_back_exactly(app):
    client = app.test_client()
    body = spec_text(description="a long description " * 500)
    created = save(client, body).get_json()
    with get_store(app).engine.connect() as connection:
        stored = connection.execute(
            text("SELECT spec_zlib FROM revisions WHERE model_id = :id"), {"id": created["id"]}
        ).scalar_one()
    assert zlib.decompress(bytes(stored)).decode() == body.strip()
    assert len(stored) * 5 < len(body)
    revision = client.get(f"/api/models/{created['id']}/revisions/1")
    assert json.loads(revision.data)["spec"] == json.loads(body)


def test_thirty_one_puts_of_a_big_spec_stay_small(app):
    app.config["MAX_REVISIONS"] = 10
    get_store(app).max_revisions = 10
    client = app.test_client()
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    created = save(client, spec_text(description="z" * 9000, name="big")).get_json()
    for number in range(30):
        body = spec_text(description=f"{number} " + "z" * 9000, name="big")
        assert save(client, body, created["edit_token"], created["id"]).status_code == 200
    with get_store(app).engine.connect() as connection:
        count, size = connection.execute(
            text("SELECT count(*), sum(length(spec_zlib)) FROM revisions")
        ).one()
    assert count == 10
    assert size < 10 * 2000  # 10 compressed revisions instead of 31 plain ones


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with private_pg_database(require_pg()) as url:
        yield url


def test_migration_0002_compresses_existing_revisions_and_back(fresh_url):
    upgrade(fresh_url, "0001")
    engine = make_engine(fresh_url)
    now = datetime.now(UTC)
    specs = {n: spec_text(name=f"old {n}", description="é—" * n) for n in range(1, 1203)}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO models (id, name, description, tags, search_text, spec, revision,"
                " token_hash, forks, total_params, created_at, updated_at) VALUES ('m', 'old',"
                " '', '[]', '', :spec, 1202, 'x', 0, 1, :now, :now)"
            ),
            {"spec": specs[1202], "now": now},
        )
        connection.execute(
            text(
                "INSERT INTO revisions (model_id, number, spec, name, total_params, created_at)"
                " VALUES ('m', :number, :spec, 'old', 1, :now)"
            ),
            [{"number": n, "spec": s, "now": now} for n, s in specs.items()],
        )
    engine.dispose()
    upgrade(fresh_url)  # 0002: more rows than one batch
    app = create_app({**TEST_CONFIG, "DATABASE_URL": fresh_url})
    client = app.test_client()
    for number in (1, 500, 501, 1202):
        revision = client.get(f"/api/models/m/revisions/{number}")
        assert revision.status_code == 200
        assert revision.get_json()["spec"] == json.loads(specs[number])
    get_store(app).dispose()
    command.downgrade(alembic_config(fresh_url), "0001")
    engine = make_engine(fresh_url)
    with engine.connect() as connection:
        back = dict(connection.execute(text("SELECT number, spec FROM revisions")).all())
    engine.dispose()
    assert back == {n: s for n, s in specs.items()}
