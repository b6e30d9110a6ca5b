"""Hostile strings in every free-text field of a spec are saved and given back exactly.

Names, descriptions, tags, node labels and layout keys get arbitrary Unicode (quotes,
markup, SQL fragments, control characters, right-to-left marks, emoji...). They must
come back byte for byte, be found by search, and never break the database or the JSON;
the only refusals are NUL and unpaired surrogates, which get a clear 422.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.conftest import tiny_spec

JSON = "application/json"
NASTY = [
    "<script>alert(1)</script>",
    "'; DROP TABLE models; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM revisions WHERE ('1'='1",
    "%_\\%\\_",
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
    "\u202eevil\u202c",
    "\u2028\u2029\x85",
    "\ufeff\ufffe\uffff",
    "🚀👩‍👩‍👧\U0010ffff",
    "\x1b[31mred\x1b[0m",
    "\\u0000 as text",
    "\r\n\t\b\f",
    "</textarea><img src=x onerror=alert(1)>",
]
text = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=40))
name = text.filter(lambda s: 0 < len(s) <= 120)
tag = text.filter(lambda s: len(s) <= 40)


def saved_text(client: Any, body: str) -> tuple[Any, dict[str, Any] | None]:
    response = client.post("/api/models", data=body, content_type=JSON)
    return response, response.get_json() if response.status_code == 201 else None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=name,
    description=text,
    tags=st.lists(tag, max_size=4),
    label=text.filter(lambda s: len(s) <= 200),
    layout_key=text,
)
def test_hostile_strings_round_trip_exactly(client, name, description, tags, label, layout_key):
    spec = tiny_spec(name=name, description=description, tags=tags)
    spec["nodes"][0]["label"] = label
    spec["layout"] = {layout_key: {"x": 1.5, "y": -2}}
    for ensure_ascii in (True, False):
        body = json.dumps(spec, ensure_ascii=ensure_ascii)
        response, saved = saved_text(client, body)
        has_nul = any("\x00" in s for s in [name, description, label, layout_key, *tags])
        if has_nul:
            assert response.status_code == 422
            assert "NUL" in response.get_json()["errors"][0]["message"]
            continue
        assert response.status_code == 201, response.get_json()
        assert saved is not None
        got = client.get(f"/api/models/{saved['id']}")
        raw = got.get_data().decode("utf-8")
        assert body in raw  # the exact text, inside the response
        model = got.get_json()
        assert model["spec"] == spec
        assert (model["name"], model["description"], model["tags"]) == (name, description, tags)
        listed = client.get("/api/models", query_string={"q": name[:50], "per_page": 100})
        if name.split():
            assert saved["id"] in {m["id"] for m in listed.get_json()["models"]}


def test_every_nasty_string_in_a_query_is_harmless(client):
    for nasty in NASTY + ["\x00", "'", '"', "\\", "%", "_"]:
        response = client.get("/api/models", query_string={"q": nasty})
        assert response.status_code == 200, nasty
        assert response.get_json()["total"] == 0
