import pytest

from builder import create_app


@pytest.fixture
def app():
    return create_app(
        {
            "TESTING": True,
            "MAX_BODY_BYTES": 200_000,
            "MAX_NODES": 50,
            "RATELIMIT_WORK": "1000000/second",
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()
