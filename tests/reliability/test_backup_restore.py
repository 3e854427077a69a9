"""A backup restored into an empty database is the same site: standings check out, exports are byte-identical.

On PostgreSQL (``pg_dump``) the empty database is a new one on the same server; on SQLite (the
online backup, the default local setup) it is a file in a folder that does not exist yet.  The
test database itself is the site backed up.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from datasets import services as dataset_services
from datasets.models import Release
from datasets.options import ExportOptions
from leaderboard.models import PointEntry
from operations.backups import BackupError, backup, restore
from tests.factories import AdminFactory, ReviewerFactory, UserFactory
from tests.leaderboard.conftest import approve, make_contest, submitted
from tests.s3 import drop_bucket, new_bucket

from .workers import database_url

ROOT = Path(__file__).resolve().parents[2]
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup (the default local setup)")


def _manage(*args, database, media, **extra):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def site(seeded, settings, tmp_path):
    """A small site with a contest, approvals and their points, and one finished release."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return _make_site()


@pytest.fixture
def bucket_site(seeded, s3_storage, settings, tmp_path):
    """The same site with its files in a bucket (and nothing in the media folder)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return _make_site()


def _make_site():
    make_contest(categories=("open_qa", "brainstorming"))
    reviewer = ReviewerFactory(username="rev")
    for n, name in enumerate(["ann", "ben", "cat"]):
        author = UserFactory(username=name)
        for k in range(n + 2):
            approve(
                submitted(
                    author,
                    category="open_qa" if k % 2 else "brainstorming",
                    instruction=f"{name} asks question {k}: why?",
                ),
                reviewer=reviewer,
                rating=4,
            )
        submitted(author, instruction=f"{name} waits for a review")
    release = dataset_services.release_create(created_by=AdminFactory(username="boss"), options=ExportOptions())
    release.refresh_from_db()
    assert release.status == Release.State.DONE, release.error
    return release


@pytest.fixture
def empty_database(tmp_path):
    """A ``DATABASE_URL`` where no site is yet."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'db.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url().rsplit("/", 1)[0] + "/" + name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _export(out, *, database=None, media=None):
    """Export the approved records to ``out``, from ``database`` in a new process, or from the test
    database in this one (a SQLite test database lives in this process's memory)."""
    if database is None:
        call_command("export_dataset", "--out", str(out), stdout=StringIO())
    else:
        result = _manage("export_dataset", "--out", str(out), database=database, media=media)
        assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _original_database():
    return database_url() if connection.vendor == "postgresql" else None


def _check_standings(database, media):
    result = _manage("check_standings", database=database, media=media)
    assert result.returncode == 0, result.stderr
    assert "Standings match the ledger" in result.stdout


def test_a_restored_backup_passes_check_standings_and_exports_the_same_bytes(site, empty_database, tmp_path):
    backup(tmp_path / "backup")
    original_media = Path(tmp_path / "media")
    restored_media = tmp_path / "restored-media"

    result = _manage("restore", str(tmp_path / "backup"), database=empty_database, media=restored_media)
    assert result.returncode == 0, result.stderr
    _check_standings(empty_database, restored_media)

    original = _export(tmp_path / "original.jsonl", database=_original_database(), media=original_media)
    restored = _export(tmp_path / "restored.jsonl", database=empty_database, media=restored_media)
    assert original == restored
    assert original.count(b"\n") == 2 + 3 + 4

    for entry in site.files:
        relative = Path(site.storage_prefix) / entry["name"]
        assert (restored_media / relative).read_bytes() == (original_media / relative).read_bytes()


@sqlite_only
def test_a_sqlite_database_file_backs_up_and_restores_through_the_commands(site, empty_database, tmp_path):
    """The local setup end to end: ``manage.py backup`` of a database file, ``manage.py restore`` of it
    into a folder that does not exist yet, and a second restore refused."""
    backup(tmp_path / "first")
    restored_media = tmp_path / "restored-media"
    result = _manage("restore", str(tmp_path / "first"), database=empty_database, media=restored_media)
    assert result.returncode == 0, result.stderr

    result = _manage("backup", str(tmp_path / "second"), database=empty_database, media=restored_media)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "second" / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "sqlite" and manifest["database"]["file"] == "database.sqlite3"

    path, media = tmp_path / "again" / "site" / "db.sqlite3", tmp_path / "again-media"
    database = f"sqlite:///{path}"
    result = _manage("restore", str(tmp_path / "second"), database=database, media=media)
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(path)) as restored:
        ledger = restored.execute(f"SELECT COUNT(*) FROM {PointEntry._meta.db_table}").fetchone()[0]
    assert ledger == PointEntry.objects.count() > 0
    _check_standings(database, media)
    assert _export(tmp_path / "again.jsonl", database=database, media=media) == _export(tmp_path / "original.jsonl")
    for entry in site.files:
        relative = Path(site.storage_prefix) / entry["name"]
        assert (media / relative).read_bytes() == (tmp_path / "media" / relative).read_bytes()

    result = _manage("restore", str(tmp_path / "second"), database=database, media=media)
    assert result.returncode != 0 and "already holds a site" in result.stderr


@sqlite_only
def test_backing_up_a_sqlite_file_that_does_not_exist_is_refused(tmp_path):
    """A mistyped path is an error, not a 'successful' backup of a new, empty database."""
    missing = tmp_path / "db.sqlite3"
    result = _manage("backup", str(tmp_path / "backup"), database=f"sqlite:///{missing}", media=tmp_path / "media")
    assert result.returncode != 0 and "there is no SQLite database" in result.stderr
    assert not missing.exists() and not (tmp_path / "backup").exists()
    assert not (tmp_path / "backup.partial").exists()


def test_restore_refuses_a_database_that_already_holds_a_site(site, tmp_path):
    backup(tmp_path / "backup")
    with pytest.raises(BackupError, match="already holds a site"):
        restore(tmp_path / "backup")


def test_a_damaged_backup_is_refused_before_anything_is_changed(site, empty_database, tmp_path):
    manifest = backup(tmp_path / "backup")
    dump = tmp_path / "backup" / manifest["database"]["file"]
    dump.write_bytes(dump.read_bytes()[:-10])
    result = _manage("restore", str(tmp_path / "backup"), database=empty_database, media=tmp_path / "elsewhere")
    assert result.returncode != 0
    assert "damaged" in result.stderr
    assert not (tmp_path / "elsewhere").exists()
    if connection.vendor == "sqlite":
        assert not (tmp_path / "restored").exists()


def test_backup_refuses_to_overwrite(tmp_path, db):
    (tmp_path / "backup").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        backup(tmp_path / "backup")


def test_a_site_in_a_bucket_is_backed_up_with_its_objects_and_restored_into_another_bucket(
    bucket_site, s3_storage, s3_server, empty_database, tmp_path
):
    """Releases and uploads in S3 go into the backup; a restore puts them into the bucket the
    restoring site is configured with, byte for byte."""
    line = b'{"instruction": "Why?", "context": "", "response": "Because.", "category": "open_qa"}\n'
    batch = dataset_services.import_stage(
        created_by=bucket_site.created_by, upload=SimpleUploadedFile("dolly.jsonl", line), target_status="approved"
    )
    keys = s3_storage.object_keys()
    assert len(keys) == len(bucket_site.files) + 1 and batch.stored_name in keys
    manifest = backup(tmp_path / "backup")
    assert manifest["media"]["storage"] == "bucket" and manifest["media"]["files"] == len(keys)
    assert not (tmp_path / "media").exists()

    target = new_bucket(s3_server)
    try:
        result = _manage(
            "restore", str(tmp_path / "backup"), database=empty_database, media=tmp_path / "unused", **target.env
        )
        assert result.returncode == 0, result.stderr
        assert target.object_keys() == keys
        for key in keys:
            assert target.read(key) == s3_storage.read(key)
        assert target.read(batch.stored_name) == line
        _check_standings(empty_database, tmp_path / "unused")
        assert not (tmp_path / "unused").exists()
    finally:
        drop_bucket(target)


def test_a_backup_with_a_file_named_outside_the_media_folder_is_refused(site, tmp_path, settings):
    manifest = backup(tmp_path / "backup")
    archive = tmp_path / "backup" / manifest["media"]["file"]
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo("media/../../escaped.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    manifest["media"]["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(manifest))
    settings.MEDIA_ROOT = str(tmp_path / "elsewhere" / "media")
    with pytest.raises(BackupError, match="outside the media folder"):
        restore(tmp_path / "backup")
    assert not (tmp_path / "elsewhere" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
