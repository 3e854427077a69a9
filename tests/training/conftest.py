import os

import pytest

# The Hugging Face libraries never reach the network in tests (read when they are imported).
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

from accounts.services import api_key_create
from datasets import services
from datasets.models import Release
from datasets.options import ExportOptions
from tests.datasets.conftest import approved, media_root, write_jsonl  # noqa: F401, F811  (the datasets tests' fixtures)


@pytest.fixture
def reader_key(admin_user):
    """``(api_key, raw_key)`` of a dataset reader."""
    return api_key_create(name="training cluster", created_by=admin_user)


@pytest.fixture
def reader_api(reader_key):
    from rest_framework.test import APIClient

    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {reader_key[1]}")


@pytest.fixture
def build():
    """Create and build a release through the services: ``build(name=..., tag=..., **options)``."""

    def make(*, name="", tag="", formats=("jsonl",), **filters):
        release = services.release_create(
            created_by=None, options=ExportOptions.from_dict(filters, formats=list(formats)), name=name, tag=tag
        )
        services.release_build(release.pk)
        release.refresh_from_db()
        assert release.status == Release.State.DONE, release.error
        return release

    return make


@pytest.fixture
def release_folder(media_root):  # noqa: F811
    """The folder of a done release on the local storage."""

    def folder(release):
        return media_root / release.storage_prefix

    return folder


@pytest.fixture(autouse=True)
def webhooks_may_call_this_machine(settings):
    """The receivers are on 127.0.0.1, which production refuses."""
    settings.DOLLY_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    from .receiver import Receiver, start, stop

    running = start(Receiver())
    yield running
    stop(running)
