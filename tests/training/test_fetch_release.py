"""``examples/fetch_release.py`` against a live site: a training job holding only a reader key.

The site runs in a live server thread on a port the system assigns; the script runs as its own
process (as a training job would), with the Hugging Face libraries offline.
"""

import importlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from datasets.webhooks import services as webhook_services

from .hf import offline_env

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "fetch_release.py"
LISTEN_PORTS = range(8188, 8190)


def _free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def live_site(django_db_setup, django_db_blocker):
    """One live server for the module (like pytest-django's own), on a port the system assigns."""
    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def site(live_site, transactional_db, settings):
    """The live site, with the rows the migrations seed put back (an earlier transactional test may have emptied it)."""
    from django.apps import apps

    for module in ("0002_seed_categories", "0005_quality_check_data"):
        importlib.import_module(f"annotations.migrations.{module}").seed(apps, None)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    return live_site


def run_script(*args, cache, **kwargs):
    command = [sys.executable, "-I", str(SCRIPT), *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=offline_env(cache), **kwargs
    )


def summary(process, timeout=300):
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def expected_splits(release):
    return {split: sum(counts.values()) for split, counts in release.counts["splits"].items()}


@pytest.fixture
def records(approved):
    approved("closed_qa", instruction="When did it open?", context="It opened in 1889.", response="1889.")
    for n in range(9):
        approved("open_qa", instruction=f"Question {n}?", response=f"Answer {n}.")


def test_the_script_fetches_latest_verifies_and_loads_it(site, records, build, reader_key, tmp_path):
    build(tag="production", test_fraction=0.3)
    newer = build(tag="nightly", test_fraction=0.3, formats=("jsonl", "chat"))
    production = build(tag="production", test_fraction=0.3)
    out = tmp_path / "releases"
    result = summary(
        run_script("--site", site.url, "--key", reader_key[1], "--tag", "production", "--out", str(out), cache=tmp_path)
    )
    assert result["release"] == str(production.public_id) and result["label"] == production.label
    assert result["splits"] == expected_splits(production) and sum(result["splits"].values()) == 10
    assert (out / f"dolly-collect-{production.label}" / "manifest.json").exists()
    chat = summary(
        run_script(
            "--site",
            site.url,
            "--key",
            reader_key[1],
            "--tag",
            "nightly",
            "--out",
            str(out),
            "--config",
            "chat",
            cache=tmp_path,
        )
    )
    assert chat["release"] == str(newer.public_id) and chat["splits"] == expected_splits(newer)


def test_a_revoked_key_gets_nothing(site, records, build, reader_key, admin_user, tmp_path):
    from accounts.services import api_key_revoke

    build()
    api_key_revoke(api_key=reader_key[0], revoked_by=admin_user)
    process = run_script("--site", site.url, "--key", reader_key[1], "--out", str(tmp_path / "r"), cache=tmp_path)
    _out, err = process.communicate(timeout=120)
    assert process.returncode != 0 and "401" in err


def test_the_script_is_told_by_a_signed_webhook(site, records, build, reader_key, admin_user, settings, tmp_path):
    settings.DOLLY_SITE_URL = site.url
    port = next(port for port in LISTEN_PORTS if _free(port))
    secret = "the-training-cluster-secret"
    process = run_script(
        "--site",
        site.url,
        "--key",
        reader_key[1],
        "--out",
        str(tmp_path / "releases"),
        "--listen",
        f"127.0.0.1:{port}",
        "--webhook-secret",
        secret,
        cache=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while _free(port):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.1)
        webhook_services.webhook_endpoint_create(
            url=f"http://127.0.0.1:{port}/", secret=secret, events=["release.published"], created_by=admin_user
        )
        started = timezone.now()
        release = build(test_fraction=0.3)  # publishing delivers the webhook (tasks run in-process here)
        delivery = release_delivery(started)
        assert delivery.status == "succeeded", [(a.status_code, a.error) for a in delivery.attempts.all()]
        result = summary(process)
        assert result["release"] == str(release.public_id) and result["splits"] == expected_splits(release)
        delivery = release_delivery(started)
        assert delivery.status == "succeeded" and delivery.attempts.get().status_code == 204
    finally:
        if process.poll() is None:  # never leave the listener behind
            process.kill()
            process.wait()


def release_delivery(since):
    from datasets.models import WebhookDelivery

    return WebhookDelivery.objects.get(event="release.published", created_at__gte=since)
