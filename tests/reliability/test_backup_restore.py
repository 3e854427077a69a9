"""A backup restored into an empty database is the same site: standings check out, exports are byte-identical."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from datasets import services as dataset_services
from datasets.models import Release
from datasets.options import ExportOptions
from operations.backups import BackupError, backup, restore
from tests.factories import AdminFactory, ReviewerFactory, UserFactory
from tests.leaderboard.conftest import approve, make_contest, submitted

from .workers import database_url

ROOT = Path(__file__).resolve().parents[2]
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore need PostgreSQL")


def _manage(*args, database, media):
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_ROOT": str(media), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def site(seeded, settings, tmp_path):
    """A small site with a contest, approvals and their points, and one finished release."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    make_contest(categories=("open_qa", "brainstorming"))
    reviewer = ReviewerFactory(username="rev")
    for n, name in enumerate(["ann", "ben", "cat"]):
        author = UserFactory(username=name)
        for k in range(n + 2):
            approve(submitted(author, category="open_qa" if k % 2 else "brainstorming",
                              instruction=f"{name} asks question {k}: why?"), reviewer=reviewer, rating=4)
        submitted(author, instruction=f"{name} waits for a review")
    release = dataset_services.create_release(created_by=AdminFactory(username="boss"), options=ExportOptions())
    release.refresh_from_db()
    assert release.status == Release.State.DONE, release.error
    return release


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url().rsplit("/", 1)[0] + "/" + name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@postgresql_only
def test_a_restored_backup_passes_check_standings_and_exports_the_same_bytes(site, empty_database, tmp_path):
    backup(tmp_path / "backup")
    original_media = Path(tmp_path / "media")
    restored_media = tmp_path / "restored-media"

    result = _manage("restore", str(tmp_path / "backup"), database=empty_database, media=restored_media)
    assert result.returncode == 0, result.stderr
    result = _manage("check_standings", database=empty_database, media=restored_media)
    assert result.returncode == 0, result.stderr
    assert "Standings match the ledger" in result.stdout

    exports = {}
    for label, database, media in [("original", database_url(), original_media),
                                   ("restored", empty_database, restored_media)]:
        out = tmp_path / f"{label}.jsonl"
        result = _manage("export_dataset", "--out", str(out), database=database, media=media)
        assert result.returncode == 0, result.stderr
        exports[label] = out.read_bytes()
    assert exports["original"] == exports["restored"]
    assert exports["original"].count(b"\n") == 2 + 3 + 4

    for entry in site.files:
        relative = Path(site.storage_prefix) / entry["name"]
        assert (restored_media / relative).read_bytes() == (original_media / relative).read_bytes()


@postgresql_only
def test_restore_refuses_a_database_that_already_holds_a_site(site, tmp_path):
    backup(tmp_path / "backup")
    with pytest.raises(BackupError, match="already holds a site"):
        restore(tmp_path / "backup")


@postgresql_only
def test_a_damaged_backup_is_refused_before_anything_is_changed(site, empty_database, tmp_path):
    backup(tmp_path / "backup")
    dump = tmp_path / "backup" / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    result = _manage("restore", str(tmp_path / "backup"), database=empty_database, media=tmp_path / "elsewhere")
    assert result.returncode != 0
    assert "damaged" in result.stderr
    assert not (tmp_path / "elsewhere").exists()


def test_backup_refuses_to_overwrite(tmp_path, db):
    (tmp_path / "backup").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        backup(tmp_path / "backup")
