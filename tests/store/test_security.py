"""Rate limits on writes, security headers on every response, the reverse-proxy setting."""

from __future__ import annotations

import json

import pytest

from builder import create_app
from builder.security import proxy_fix_options
from tests.store.conftest import TEST_CONFIG, tiny_spec

JSON = "application/json"


@pytest.fixture
def limited(app):
    app.config["RATELIMIT_WRITES"] = "3/minute"
    return app.test_client()


def test_writes_are_rate_limited_with_a_json_429(limited):
    body = json.dumps(tiny_spec())
    statuses = [limited.post("/api/models", data=body, content_type=JSON) for _ in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 201]
    assert "Retry-After" not in statuses[0].headers
    saved = statuses[0].get_json()
    over = limited.post("/api/models", data=body, content_type=JSON)
    assert over.status_code == 429
    error = over.get_json()["errors"][0]
    assert set(error) == {"path", "message", "hint"}
    assert "too many writes" in error["message"] and "3/minute" in error["message"]
    assert int(over.headers["Retry-After"]) > 0
    assert over.headers["X-Content-Type-Options"] == "nosniff"
    # every kind of write shares the budget; reads are not limited
    assert limited.post(f"/api/models/{saved['id']}/fork").status_code == 429
    headers = {"Authorization": f"Bearer {saved['edit_token']}"}
    assert limited.delete(f"/api/models/{saved['id']}", headers=headers).status_code == 429
    for _ in range(10):
        assert limited.get(f"/api/models/{saved['id']}").status_code == 200
        assert limited.get("/api/models").status_code == 200
        assert limited.post("/api/validate", data=body, content_type=JSON).status_code == 200


def test_rate_limit_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHCANVAS_RATELIMIT_WRITES", "7/hour")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["RATELIMIT_WRITES"] == "7/hour"
    assert create_app({"TESTING": True}).config["RATELIMIT_WRITES"] == "7/hour"
    monkeypatch.delenv("TORCHCANVAS_RATELIMIT_WRITES")
    assert create_app({"TESTING": True}).config["RATELIMIT_WRITES"] == "60/minute"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/health"),
        ("get", "/api/catalog"),
        ("get", "/api/models"),
        ("get", "/api/models/nosuchid"),
        ("post", "/api/models"),
        ("get", "/"),
        ("get", "/no/such/page"),
        ("delete", "/api/catalog"),
    ],
)
def test_security_headers_on_every_response(client, method, path):
    response = getattr(client, method)(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in csp
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_headers_on_304_and_errors(client):
    saved = client.post("/api/models", data=json.dumps(tiny_spec()), content_type=JSON)
    model_id = saved.get_json()["id"]
    cached = client.get(f"/api/models/{model_id}", headers={"If-None-Match": '"r1"'})
    assert cached.status_code == 304
    assert cached.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in cached.headers["Content-Security-Policy"]


def test_proxy_fix_trusts_forwarded_headers_only_when_configured(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "canvas.example.org"}
    spec = json.dumps(tiny_spec())
    from builder.store import upgrade_app

    direct = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    upgrade_app(direct)
    response = direct.test_client().post(
        "/api/models", data=spec, content_type=JSON, headers=headers
    )
    assert response.get_json()["url"].startswith("http://localhost/m/")
    proxied = create_app({**TEST_CONFIG, "DATABASE_URL": url, "PROXY_FIX": 1})
    response = proxied.test_client().post(
        "/api/models", data=spec, content_type=JSON, headers=headers
    )
    assert response.get_json()["url"].startswith("https://canvas.example.org/m/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_proxy_fix_setting():
    assert proxy_fix_options(None) is None
    assert proxy_fix_options(0) is None
    assert proxy_fix_options("false") is None
    assert proxy_fix_options(True) == dict.fromkeys(
        ["x_for", "x_proto", "x_host", "x_port", "x_prefix"], 1
    )
    assert proxy_fix_options(2)["x_for"] == 2
    assert proxy_fix_options({"x_for": 1, "x_proto": 1}) == {"x_for": 1, "x_proto": 1}
    with pytest.raises(ValueError, match="unknown keys"):
        proxy_fix_options({"x_forwarded": 1})


def test_share_links_never_follow_the_host_header(database_url):
    """Host: evil.example used to give http://evil.example/m/<id>."""
    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": database_url, "PUBLIC_URL": "https://canvas.example.org/"}
    )
    client = app.test_client()
    evil = {"Host": "evil.example"}
    created = client.post("/api/models", json=tiny_spec(), headers=evil).get_json()
    assert created["url"] == f"https://canvas.example.org/m/{created['id']}"
    listed = client.get("/api/models", headers=evil).get_json()["models"]
    assert {m["url"].split("/m/")[0] for m in listed} == {"https://canvas.example.org"}
    page = client.get(f"/m/{created['id']}", headers=evil).get_data(as_text=True)
    assert "evil.example" not in page
    assert f'content="https://canvas.example.org/m/{created["id"]}"' in page
    assert "evil.example" not in client.get("/gallery", headers=evil).get_data(as_text=True)


def test_trusted_hosts_refuse_other_host_names():
    app = create_app({"TESTING": True, "TRUSTED_HOSTS": ["canvas.example.org"]})
    client = app.test_client()
    assert client.get("/api/health", headers={"Host": "canvas.example.org"}).status_code == 200
    assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400


def test_a_public_url_must_be_http():
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app({"TESTING": True, "PUBLIC_URL": "canvas.example.org"})
