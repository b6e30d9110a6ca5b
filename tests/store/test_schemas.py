"""The pydantic bodies in builder/api/schemas.py describe what the models API sends."""

from __future__ import annotations

import json
import re

from builder.api.run_schemas import RUN_ROUTES
from builder.api.schemas import (
    ROUTES,
    CreatedModel,
    ErrorResponse,
    ForkedModel,
    ModelList,
    ModelOut,
    RevisionList,
    RevisionOut,
)
from tests.store.conftest import tiny_spec


def test_routes_table_lists_every_models_endpoint(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/models"):
            path = re.sub(r"<(?:\w+:)?model_id>", "{id}", rule.rule)
            path = re.sub(r"<(?:\w+:)?number>", "{revision}", path)
            served |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    runs_of_models = [r for r in RUN_ROUTES if r.path.startswith("/api/models")]
    assert served == {(r.method, r.path) for r in [*ROUTES, *runs_of_models]}


def test_responses_validate_against_their_schemas(client):
    created = client.post("/api/models", json=tiny_spec())
    CreatedModel.model_validate(created.get_json())
    model_id, token = created.get_json()["id"], created.get_json()["edit_token"]
    ModelOut.model_validate(client.get(f"/api/models/{model_id}").get_json())
    headers = {"Authorization": f"Bearer {token}"}
    updated = client.put(f"/api/models/{model_id}", json=tiny_spec(), headers=headers)
    ModelOut.model_validate(updated.get_json())
    ForkedModel.model_validate(client.post(f"/api/models/{model_id}/fork").get_json())
    ModelList.model_validate(client.get("/api/models").get_json())
    RevisionList.model_validate(client.get(f"/api/models/{model_id}/revisions").get_json())
    RevisionOut.model_validate(client.get(f"/api/models/{model_id}/revisions/1").get_json())
    ErrorResponse.model_validate(client.get("/api/models/nothing").get_json())
    stale = client.put(
        f"/api/models/{model_id}", json=tiny_spec(), headers={**headers, "If-Match": '"r1"'}
    )
    ErrorResponse.model_validate(stale.get_json())
    schema = ModelOut.model_json_schema()
    assert json.dumps(schema)  # serialisable, for /api/openapi.json
