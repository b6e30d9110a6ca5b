"""Concurrent writers against a real production server (`torchcanvas serve --workers 2`).

The server runs in a subprocess with gunicorn, on a temporary SQLite file and, when
DATABASE_URL points at one, on a private PostgreSQL database. 50 threads write at once:
every save must be retrievable byte for byte, of 50 updates based on the same revision
exactly one may win, and no update or fork may ever be lost.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.live_server import live_server
from tests.store.conftest import private_pg_database, require_pg, tiny_spec

pytestmark = pytest.mark.slow

WRITERS = 50
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        sqlite = f"sqlite:///{folder / 'torchcanvas.db'}"
        with live_server(sqlite, folder / "server.log", "--workers", "2") as base:
            yield base
        return
    with (
        private_pg_database(require_pg()) as url,
        live_server(url, folder / "server.log", "--workers", "2") as base,
    ):
        yield base


def all_at_once(task: Callable[[int], Any], count: int = WRITERS) -> list[Any]:
    """Run task(0..count-1) in `count` threads released together."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def spec_body(index: int) -> str:
    """Distinct specs, formatted in different ways, with text that needs escaping."""
    spec = tiny_spec(
        name=f"Writer {index} — “quoted” <b>ß</b>",
        description="x" * index + "\u2028'; --",
        tags=[f"w{index}", "concurrency"],
    )
    spec["nodes"][0]["params"]["out_features"] = index + 1
    indent = [None, 2, "\t"][index % 3]
    return json.dumps(spec, indent=indent, ensure_ascii=index % 2 == 0)


def raw_spec(body: bytes) -> str:
    text = body.decode("utf-8")
    start = text.index('"spec": ') + len('"spec": ')
    _, end = json.JSONDecoder().raw_decode(text, start)
    return text[start:end]


def create(base: str, body: str) -> dict[str, Any]:
    response = requests.post(f"{base}/api/models", data=body.encode(), headers=JSON, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()


def test_concurrent_creates_are_all_retrievable_byte_exact(server):
    bodies = [spec_body(i) for i in range(WRITERS)]
    saved = all_at_once(lambda i: create(server, bodies[i]))
    assert len({s["id"] for s in saved}) == WRITERS
    for body, model in zip(bodies, saved, strict=True):
        response = requests.get(f"{server}/api/models/{model['id']}", timeout=30)
        assert response.status_code == 200
        assert raw_spec(response.content) == body
        assert response.json()["revision"] == 1


def test_concurrent_updates_with_the_same_if_match_one_wins(server):
    model = create(server, spec_body(0))
    bodies = [spec_body(i) for i in range(WRITERS)]
    headers = {**JSON, "Authorization": f"Bearer {model['edit_token']}", "If-Match": '"r1"'}

    def update(index: int) -> requests.Response:
        url = f"{server}/api/models/{model['id']}"
        return requests.put(url, data=bodies[index].encode(), headers=headers, timeout=60)

    responses = all_at_once(update)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: WRITERS - 1}, statuses
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["errors"][0]["path"] == "/If-Match"
    current = requests.get(f"{server}/api/models/{model['id']}", timeout=30)
    assert current.json()["revision"] == 2
    assert raw_spec(current.content) == bodies[winner]
    revisions = requests.get(f"{server}/api/models/{model['id']}/revisions", timeout=30).json()
    assert [r["revision"] for r in revisions["revisions"]] == [1, 2]
    first = requests.get(f"{server}/api/models/{model['id']}/revisions/1", timeout=30)
    assert raw_spec(first.content) == spec_body(0)


def test_retrying_writers_lose_no_update(server):
    """Each writer reads, writes with If-Match and retries on 409: all writes land in order."""
    model = create(server, spec_body(0))
    url = f"{server}/api/models/{model['id']}"
    auth = {**JSON, "Authorization": f"Bearer {model['edit_token']}"}
    writers, rounds = 10, 3

    def write(index: int) -> int:
        conflicts = 0
        for n in range(rounds):
            body = spec_body(100 + index * rounds + n)
            while True:
                etag = requests.get(url, timeout=30).headers["ETag"]
                headers = {**auth, "If-Match": etag}
                response = requests.put(url, data=body.encode(), headers=headers, timeout=60)
                if response.status_code == 200:
                    break
                assert response.status_code == 409, response.text
                conflicts += 1
        return conflicts

    all_at_once(write, writers)
    final = requests.get(url, timeout=30).json()
    assert final["revision"] == 1 + writers * rounds
    revisions = requests.get(f"{url}/revisions", timeout=30).json()["revisions"]
    assert [r["revision"] for r in revisions] == list(range(1, 2 + writers * rounds))
    names = Counter(r["name"] for r in revisions[1:])
    assert len(names) == writers * rounds  # every write is one revision, none overwritten


def test_concurrent_forks_are_all_counted(server):
    model = create(server, spec_body(0))

    def fork(_: int) -> requests.Response:
        return requests.post(f"{server}/api/models/{model['id']}/fork", timeout=60)

    responses = all_at_once(fork)
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses][:3]
    assert len({r.json()["id"] for r in responses}) == WRITERS
    parent = requests.get(f"{server}/api/models/{model['id']}", timeout=30).json()
    assert parent["forks"] == WRITERS
    assert parent["revision"] == 1
