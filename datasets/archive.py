"""``archive.tar.gz``: every file of a release in one download, generated as it is sent.

The archive is never stored and never held in memory: it is written chunk by chunk from the
release's stored files.  Its bytes depend only on those files (fixed order, fixed times and
owners in the tar headers, no time or name in the gzip header), so the same release always
gives the same archive; its size and SHA-256 are measured once when the release is done
(``measure_archive``), which is what lets a download say its length, carry an ``ETag`` and
be resumed with ``Range``.  Inside, the files are in a folder named after the release
(``dolly-collect-v3/``), so extracting it gives the folder ``datasets.load_dataset`` reads.
"""

import hashlib
import tarfile
import zlib

from django.core.files.storage import default_storage

from .models import Release
from .writers import StorageDirectory

ARCHIVE_NAME = "archive.tar.gz"
CHUNK = 256 * 1024
_BLOCK = tarfile.BLOCKSIZE
_LEVEL = 6


def folder_name(release):
    return f"{release.name}-{release.label}"


def _tar_header(release, entry):
    info = tarfile.TarInfo(f"{folder_name(release)}/{entry['name']}")
    info.size = entry["size"]
    info.mode = 0o644
    info.mtime = int(release.finished_at.timestamp()) if release.finished_at else 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def _tar_chunks(release):
    """The uncompressed tar stream, in chunks of at most ``CHUNK`` bytes."""
    directory = StorageDirectory(default_storage, release.storage_prefix)
    for entry in release.files:
        yield _tar_header(release, entry)
        with directory.open(entry["name"]) as handle:
            remaining = entry["size"]
            while remaining > 0:
                data = handle.read(min(CHUNK, remaining))
                if not data:
                    raise OSError(f"{entry['name']} is shorter in storage than its manifest entry says.")
                remaining -= len(data)
                yield data
        if entry["size"] % _BLOCK:
            yield b"\0" * (_BLOCK - entry["size"] % _BLOCK)
    yield b"\0" * (2 * _BLOCK)


def archive_chunks(release):
    """The gzip-compressed archive, chunk by chunk: a fixed gzip header (no name, time 0)."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    crc, size = 0, 0
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    for data in _tar_chunks(release):
        crc = zlib.crc32(data, crc)
        size += len(data)
        out = compressor.compress(data)
        if out:
            yield out
    yield compressor.flush() + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


def archive_range(release, start, end):
    """Bytes ``start`` to ``end`` (inclusive) of the archive, generated and the rest skipped."""
    position = 0
    for chunk in archive_chunks(release):
        chunk_end = position + len(chunk)
        if chunk_end > start:
            yield chunk[max(0, start - position) : end + 1 - position]
        position = chunk_end
        if position > end:
            return


def measure_archive(*, release_id):
    """Record the archive's size and SHA-256 on a done release (run once, after the build)."""
    release = Release.objects.filter(pk=release_id, status=Release.State.DONE).first()
    if release is None:
        return None
    digest, size = hashlib.sha256(), 0
    for chunk in archive_chunks(release):
        digest.update(chunk)
        size += len(chunk)
    Release.objects.filter(pk=release.pk, status=Release.State.DONE).update(
        archive_size=size, archive_sha256=digest.hexdigest()
    )
    release.archive_size, release.archive_sha256 = size, digest.hexdigest()
    return release
