"""The one place that knows where releases and uploaded imports are kept.

Files live in Django's default storage: the media folder of this machine (``MEDIA_ROOT``,
the default), or an S3-compatible bucket when ``AWS_STORAGE_BUCKET_NAME`` is set
(django-storages' ``S3Storage``), so that web nodes and workers on different machines see
the same files.  Everything that reads, writes, lists, moves, deletes or serves those files
goes through the functions here.  Names are relative to the storage's root, with ``/``
between folders: ``releases/<id>/data.jsonl``, ``imports/<id>/<file>``.
"""

import os

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

PROBE_TIMEOUT = 2.0  # seconds a readiness check waits for the bucket


class StorageUnavailable(Exception):
    """The storage cannot be reached (a bucket), or not written (a local folder)."""


def local_path(name="", *, storage=None):
    """The file's path on this machine, or None when the storage is a bucket."""
    try:
        return (storage or default_storage).path(name)
    except NotImplementedError:
        return None


def is_local(*, storage=None):
    return local_path(storage=storage) is not None


def _key(storage, name):
    """The object key of ``name`` in the bucket (below ``AWS_LOCATION``)."""
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _object(storage, name):
    return storage.bucket.Object(_key(storage, name))


def _missing(error):
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def save(name, content, *, storage=None):
    """Store ``content`` (a file object) under exactly ``name``, replacing what was there."""
    storage = storage or default_storage
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, content if isinstance(content, File) else File(content, name=name))
    if saved != name:
        storage.delete(saved)
        raise OSError(f"The storage would not keep the name {name}.")
    return saved


def delete(name, *, storage=None):
    (storage or default_storage).delete(name)


def open_file(name, *, storage=None):
    """``name`` opened for reading, seekable (a bucket's object is fetched into a temporary file)."""
    return (storage or default_storage).open(name, "rb")


def open_stream(name, *, start=0, storage=None):
    """``name`` opened for one pass of reading from byte ``start``, streamed from a bucket without a
    temporary copy (a ranged GET: the bucket skips the bytes before ``start``).

    Raises ``FileNotFoundError`` when there is no such file.
    """
    storage = storage or default_storage
    if is_local(storage=storage):
        handle = storage.open(name, "rb")
        if start:
            handle.seek(start)
        return handle
    from botocore.exceptions import ClientError

    try:
        return _object(storage, name).get(**({"Range": f"bytes={start}-"} if start else {}))["Body"]
    except ClientError as error:
        if _missing(error):
            raise FileNotFoundError(name) from error
        raise


def move(source, target, *, storage=None):
    """Give the file ``source`` the name ``target``: a rename on a file system (atomic); in a
    bucket, a copy made by the bucket itself then the removal of ``source`` (the object
    appears whole or not at all)."""
    storage = storage or default_storage
    if is_local(storage=storage):
        os.replace(local_path(source, storage=storage), local_path(target, storage=storage))
        return
    _object(storage, target).copy({"Bucket": storage.bucket_name, "Key": _key(storage, source)})
    storage.delete(source)


def walk(prefix="", *, storage=None):
    """Every file under ``prefix`` (recursively) as ``(name, size)``, in name order."""
    storage = storage or default_storage
    prefix = prefix.strip("/")
    root = local_path(storage=storage)
    if root is not None:
        top = os.path.join(root, prefix) if prefix else root
        found = []
        for folder, _dirs, files in os.walk(top):
            for file in files:
                path = os.path.join(folder, file)
                found.append((os.path.relpath(path, root).replace(os.sep, "/"), os.path.getsize(path)))
        yield from sorted(found)
        return
    base = _key(storage, "")
    base = base + "/" if base and not base.endswith("/") else base
    start = _key(storage, prefix) + "/" if prefix else base
    paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=start):
        for entry in page.get("Contents", ()):
            if not entry["Key"].endswith("/"):
                yield entry["Key"][len(base) :], entry["Size"]


def delete_under(prefix, *, storage=None):
    """Delete every file under ``prefix``: a release's folder, an import's upload."""
    storage = storage or default_storage
    for name, _size in list(walk(prefix, storage=storage)):
        storage.delete(name)


def download_url(name, *, filename, content_type):
    """A short-lived presigned address of ``name`` in the bucket, for a client to fetch the file
    from the bucket itself; None when files are served by the site (a local folder, or
    ``DOLLY_DOWNLOAD_REDIRECT`` turned off)."""
    if is_local() or not settings.DOLLY_DOWNLOAD_REDIRECT:
        return None
    return default_storage.url(
        name,
        parameters={
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": content_type,
        },
        expire=settings.AWS_QUERYSTRING_EXPIRE,
    )


def _probe_client():
    """An S3 client like the storage's, but with short timeouts and no retries."""
    client = getattr(default_storage, "_readiness_client", None)
    if client is None:
        import boto3
        from botocore.config import Config

        storage = default_storage
        session = boto3.session.Session(
            aws_access_key_id=storage.access_key,
            aws_secret_access_key=storage.secret_key,
            aws_session_token=storage.security_token,
        )
        client = session.client(
            "s3",
            endpoint_url=storage.endpoint_url,
            region_name=storage.region_name,
            use_ssl=storage.use_ssl,
            verify=storage.verify,
            config=Config(
                connect_timeout=PROBE_TIMEOUT,
                read_timeout=PROBE_TIMEOUT,
                retries={"total_max_attempts": 1},
                signature_version=storage.signature_version,
                s3={"addressing_style": storage.addressing_style},
            ),
        )
        storage._readiness_client = client
    return client


def check():
    """Raise ``StorageUnavailable`` unless files can be stored: the bucket answers with these
    credentials, or the media folder exists (or can be made) and is writable."""
    root = local_path()
    if root is not None:
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"the media folder cannot be created: {error.strerror}") from error
        if not os.access(root, os.W_OK | os.X_OK):
            raise StorageUnavailable("the media folder is not writable")
        return
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        _probe_client().head_bucket(Bucket=default_storage.bucket_name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise StorageUnavailable(f"the bucket answered {code}") from error
    except BotoCoreError as error:
        raise StorageUnavailable(f"the bucket is unreachable ({type(error).__name__})") from error
