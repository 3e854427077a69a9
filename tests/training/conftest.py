import pytest

from accounts.services import api_key_create
from datasets import services
from datasets.models import Release
from datasets.options import ExportOptions
from tests.datasets.conftest import approved, media_root  # noqa: F401  (the same fixtures as the datasets tests)


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
