"""Two web nodes and one worker that share nothing but PostgreSQL, Redis and the bucket.

Each gunicorn node and the Celery worker has its own media folder (as separate machines
would), so a file that went to a local disk instead of the bucket could not be served by the
other processes.  A release created through one node is built by the worker and downloaded
from both: one redirects to a presigned address of the bucket, the other streams the object.
"""

import hashlib
import json
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from annotations.models import Status
from dolly_collect.celery import app as celery_app
from tests.factories import AdminFactory, DemonstrationFactory, category
from tests.s3 import free_ports
from tests.worker import wait_for

from .nodes import WebNode
from .workers import Worker, database_url

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as in CI",
    ),
]


@pytest.fixture
def cluster(seeded, s3_bucket, tmp_path):
    shared = {"DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL, **s3_bucket.env}
    celery_app.control.purge()
    started = []
    try:
        started.append(Worker("builder", MEDIA_ROOT=tmp_path / "worker" / "media", **shared))
        first, second = free_ports(2)
        started.append(WebNode(first, var_dir=tmp_path / "node-a", DOLLY_DOWNLOAD_REDIRECT="true", **shared))
        started.append(WebNode(second, var_dir=tmp_path / "node-b", DOLLY_DOWNLOAD_REDIRECT="false", **shared))
        yield started[1], started[2]
    finally:
        for process in reversed(started):
            process.stop()


def _download(node, path, token):
    """A download as a client does it: a redirect to another host is followed without our credentials."""
    status, headers, body = node.get(path, headers={"Authorization": f"Token {token}"}, follow=False)
    if status == 302:
        with urllib.request.urlopen(headers["Location"], timeout=30) as fetched:  # noqa: S310 - the test's bucket
            return "redirect", headers, fetched.read()
    assert status == 200, body[:500]
    return "stream", headers, body


def test_a_release_built_by_the_worker_downloads_from_both_nodes_with_the_same_bytes(cluster, s3_bucket, tmp_path):
    node_a, node_b = cluster
    for n in range(5):
        DemonstrationFactory(category=category("open_qa"), instruction=f"Question {n}?", status=Status.APPROVED)
    token = Token.objects.create(user=AdminFactory(username="boss")).key
    auth = {"Authorization": f"Token {token}"}
    for node in cluster:
        assert node.json("/readyz")[0] == 200

    status, created = node_a.post_json("/api/v1/exports/", {"formats": ["jsonl"]}, headers=auth)
    assert status == 202, created

    def finished():
        status, body = node_b.json(f"/api/v1/exports/{created['id']}/", headers=auth)
        return body if status == 200 and body["status"] in ("done", "failed") else None

    release = wait_for(finished, timeout=120)
    assert release["status"] == "done", release.get("error")
    assert release["record_count"] == 5

    downloads = {}
    for entry in release["files"]:
        path = f"/api/v1/exports/{created['id']}/download/{entry['name']}"
        (mode_a, headers_a, body_a), (mode_b, headers_b, body_b) = (_download(n, path, token) for n in cluster)
        assert (mode_a, mode_b) == ("redirect", "stream")
        assert body_a == body_b == s3_bucket.read(f"releases/{created['id']}/{entry['name']}")
        assert hashlib.sha256(body_a).hexdigest() == entry["sha256"] == headers_a["X-Checksum-SHA256"]
        assert headers_b["X-Checksum-SHA256"] == entry["sha256"]
        downloads[entry["name"]] = body_a
    manifest = json.loads(downloads["manifest.json"])
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        name: hashlib.sha256(body).hexdigest() for name, body in downloads.items() if name != "manifest.json"
    }
    assert downloads["data.jsonl"].count(b"\n") == 5
    assert not any(path.is_file() for path in (tmp_path / "worker").rglob("*"))
    for folder in ("node-a", "node-b"):
        assert not any(path.is_file() for path in (tmp_path / folder / "media").rglob("*"))
