"""/healthz (the process answers) and /readyz (database, cache, broker and storage answer) for load balancers.

The failures are real: services stopped or never started, on closed ports of this machine.
"""

import pytest

from tests.s3 import ACCESS_KEY, SECRET_KEY, free_ports

from .nodes import WebNode
from .services import dead_port


def test_healthz_answers_without_the_database_for_any_host_and_without_https(client, settings):
    """No ``db`` fixture: a database query would fail the test.  A balancer probes by address, over HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_reports_every_component_ready(client, transactional_db):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }


def test_readyz_refuses_other_methods(client):
    response = client.post("/readyz")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def _bucket_storage(settings, **options):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region_name": "us-east-1", **options},
        },
    }


def test_readyz_names_a_bucket_on_a_closed_port(client, settings, transactional_db):
    _bucket_storage(settings, bucket_name="releases", endpoint_url=f"http://127.0.0.1:{dead_port()}")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["storage"]
    assert body["checks"]["database"] == "ok"
    assert "unreachable" in body["checks"]["storage"]


def test_readyz_is_ready_with_a_real_bucket_and_names_a_missing_one(client, settings, s3_bucket, transactional_db):
    _bucket_storage(settings, bucket_name=s3_bucket.name, endpoint_url=s3_bucket.server.endpoint)
    assert client.get("/readyz").status_code == 200
    _bucket_storage(settings, bucket_name="no-such-bucket", endpoint_url=s3_bucket.server.endpoint)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["storage"]
    assert "404" in response.json()["checks"]["storage"] or "NoSuchBucket" in response.json()["checks"]["storage"]


def test_a_node_whose_services_are_all_down_is_alive_but_not_ready(tmp_path):
    """A real gunicorn node whose PostgreSQL, Redis and bucket are closed ports."""
    pytest.importorskip("psycopg2")
    dead = dead_port()
    node = WebNode(
        free_ports(1)[0],
        var_dir=tmp_path,
        DATABASE_URL=f"postgres://dolly:dolly@127.0.0.1:{dead}/dolly",
        REDIS_URL=f"redis://127.0.0.1:{dead}/0",
        AWS_STORAGE_BUCKET_NAME="releases",
        AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{dead}",
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    )
    try:
        assert node.json("/healthz") == (200, {"status": "alive"})
        status, body = node.json("/readyz")
        assert status == 503
        assert body["failing"] == ["broker", "cache", "database", "storage"]
        assert all(reason != "ok" for reason in body["checks"].values())
        assert "Connection refused" in body["checks"]["database"] or "refused" in body["checks"]["database"]
    finally:
        node.stop()
