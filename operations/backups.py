"""Backups of the whole site: the database (``pg_dump``, or SQLite's online backup) and the stored files.

A backup is a folder::

    database.dump      pg_dump custom format (PostgreSQL), or database.sqlite3 (SQLite)
    media.tar          every stored file (releases, uploaded imports) as media/<name>, read from
                       the media folder or the bucket, whichever the site uses
    manifest.json      when, what, and the SHA-256 of both files

Files are restored into the storage the restoring site is configured with, so a backup of a
site on one machine's disk can be restored into a bucket, and the other way round.

``restore`` checks the checksums first, refuses a database that already holds the site's
tables unless told to replace it, then loads both.  Passwords come from the environment
(``PGPASSWORD``), never from the command line, so they do not show in the process list.

SQLite is copied both ways with SQLite's online backup API, never as a plain file copy: it
takes SQLite's locks (a server still writing is waited for, never interleaved with), it
copies a consistent state while the site runs, and a journal or write-ahead log beside the
file is applied or discarded by SQLite rather than replayed over the restored copy.  The
database is opened as Django opens it (``file:`` URIs included); a restore creates the
database's folder when it does not exist yet.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.db import connections

from core import storage as file_storage

DUMP_POSTGRESQL = "database.dump"
DUMP_SQLITE = "database.sqlite3"
MEDIA = "media.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_environment(db):
    env = {
        **os.environ,
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "",
        "PGDATABASE": db["NAME"],
    }
    return env


def _run(command, env=None):
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed programs
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")
    return result


def _sqlite_file(wrapper):
    """The database's file, or None when it is in memory or named by a ``file:`` URI."""
    name = str(wrapper.settings_dict["NAME"])
    return None if wrapper.is_in_memory_db() or name.startswith("file:") else Path(name)


def _sqlite_exists(wrapper):
    path = _sqlite_file(wrapper)
    return path is None or path.is_file()


def _sqlite_timeout(db):
    """How long to wait for another connection's lock: as long as the site's own connections do."""
    return float((db.get("OPTIONS") or {}).get("timeout", 5))


def _sqlite_copy(source_name, target_name, *, timeout):
    """Copy one SQLite database over another with the online backup API (see the module docstring)."""
    source = sqlite3.connect(source_name, uri=True, timeout=timeout)
    try:
        target = sqlite3.connect(target_name, uri=True, timeout=timeout)
        try:
            source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"the SQLite copy failed: {error}") from error
        finally:
            target.close()
    finally:
        source.close()


def backup(destination, *, using="default"):
    """Write a backup folder at ``destination`` (which must not exist yet).  Returns the manifest."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists; give a new folder.")
    db = connections[using].settings_dict
    if connections[using].vendor == "sqlite" and not _sqlite_exists(connections[using]):
        raise BackupError(f"there is no SQLite database at {db['NAME']}")
    partial = destination.with_name(destination.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    if connections[using].vendor == "postgresql":
        dump = partial / DUMP_POSTGRESQL
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"], env=_pg_environment(db))
    elif connections[using].vendor == "sqlite":
        dump = partial / DUMP_SQLITE
        _sqlite_copy(str(db["NAME"]), str(dump), timeout=_sqlite_timeout(db))
    else:
        raise BackupError(f"backups of {connections[using].vendor} databases are not supported")
    files = _archive_files(partial / MEDIA)
    manifest = {
        "created_at": datetime.datetime.now(tz=datetime.UTC).isoformat(),
        "database": {"vendor": connections[using].vendor, "file": dump.name, "sha256": _sha256(dump)},
        "media": {
            "file": MEDIA,
            "sha256": _sha256(partial / MEDIA),
            "files": files,
            "storage": "folder" if file_storage.is_local() else "bucket",
        },
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    partial.rename(destination)
    return manifest


def _site_tables_exist(using):
    return "django_migrations" in connections[using].introspection.table_names()


def restore(source, *, using="default", replace=False):
    """Load a backup folder into the configured database and media folder.

    Refuses when the database already holds the site unless ``replace`` is given.
    """
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    for part in (manifest["database"], manifest["media"]):
        if _sha256(source / part["file"]) != part["sha256"]:
            raise BackupError(f"{part['file']} does not match its checksum; the backup is damaged.")
    stored_files = _archived_files(source / MEDIA)
    vendor = connections[using].vendor
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(f"this backup is of a {manifest['database']['vendor']} database, not {vendor}")
    db = connections[using].settings_dict
    if vendor == "sqlite" and _sqlite_file(connections[using]) is not None:
        _sqlite_file(connections[using]).parent.mkdir(parents=True, exist_ok=True)
    if _site_tables_exist(using) and not replace:
        raise BackupError("the database already holds a site; restore into an empty one, or pass --replace.")
    connections[using].close()
    if vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(source / DUMP_POSTGRESQL),
            ],
            env=_pg_environment(db),
        )
    else:
        _sqlite_copy(str(source / DUMP_SQLITE), str(db["NAME"]), timeout=_sqlite_timeout(db))
    _restore_files(source / MEDIA, stored_files)
    return manifest


def _archive_files(path):
    """Write every stored file (releases, uploaded imports), from the media folder or the bucket,
    into the tar archive ``path`` as ``media/<name>``.  Returns how many."""
    count = 0
    now = datetime.datetime.now(tz=datetime.UTC).timestamp()
    with tarfile.open(path, "w") as archive:
        for name, size in file_storage.walk():
            info = tarfile.TarInfo(f"media/{name}")
            info.size, info.mtime, info.mode = size, now, 0o644
            with file_storage.open_stream(name) as handle:
                archive.addfile(info, handle)
            count += 1
    return count


def _archived_files(path):
    """``{member name: storage name}`` of the archive's files; refuses a name outside the media folder."""
    names = {}
    with tarfile.open(path) as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if not member.isfile() or not name.startswith("media/"):
                continue
            name = name[len("media/") :]
            parts = PurePosixPath(name).parts
            if not parts or name.startswith("/") or ".." in parts:
                raise BackupError(f"{MEDIA} names a file outside the media folder: {member.name}")
            names[member.name] = name
    return names


def _restore_files(path, names):
    """Store every file of the archive ``path`` under its name, in the media folder or the bucket."""
    with tarfile.open(path) as archive:
        for member in archive:
            if member.name in names:
                file_storage.save(names[member.name], archive.extractfile(member))
