import importlib

import pytest

SEEDING_MIGRATIONS = ("0002_seed_categories", "0005_quality_check_data")


def _seed():
    from django.apps import apps

    for module in SEEDING_MIGRATIONS:
        importlib.import_module(f"annotations.migrations.{module}").seed(apps, None)


@pytest.fixture
def seeded(transactional_db):
    """Transactional tests start from an emptied database: put back the rows the migrations seed."""
    _seed()


@pytest.fixture(autouse=True)
def _reseed_after_flush(request, django_db_blocker):
    """A transactional test ends by emptying the database; leave it as the migrations left it instead,
    for the tests that run after (the browser tests, which share the live server's database)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction"))
    if transactional:
        from annotations.models import Category

        with django_db_blocker.unblock():
            if not Category.objects.exists():
                _seed()
