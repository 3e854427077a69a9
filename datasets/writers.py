"""Where export files go, written under a temporary name and published only when complete.

A ``Destination`` stages each file under a name that cannot be mistaken for a finished
one (``.NAME.partial-XXXX``), hashes it while it is written, and publishes it under its
final name in one step: ``os.replace`` on a file system (the staging file lives in the
same directory, so the rename is atomic), a copy inside the bucket from the temporary key
the file was uploaded to on S3 (an object is visible only once complete).
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass, field

from core import storage as file_storage

PARTIAL_MARK = ".partial-"


class HashingFile:
    """A binary file wrapper that keeps the SHA-256 and size of everything written through it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data):
        data = bytes(data) if not isinstance(data, bytes) else data
        self.sha256.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(data)

    def tell(self):
        return self.size

    def flush(self):
        self.raw.flush()

    def close(self):
        self.closed = True

    def writable(self):
        return True


@dataclass
class StagedFile:
    name: str
    role: str
    path: str
    handle: HashingFile = field(repr=False)
    records: int | None = None
    uploaded: tuple | None = None  # (storage, temporary name) once uploaded to a bucket

    def finish(self):
        """Flush to disk; returns the manifest entry of the file."""
        if not self.handle.raw.closed:
            self.handle.raw.flush()
            os.fsync(self.handle.raw.fileno())
            self.handle.raw.close()
        entry = {
            "name": self.name,
            "role": self.role,
            "size": self.handle.size,
            "sha256": self.handle.sha256.hexdigest(),
        }
        if self.records is not None:
            entry["records"] = self.records
        return entry

    def discard_local(self):
        if not self.handle.raw.closed:
            self.handle.raw.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def discard(self):
        self.discard_local()
        if self.uploaded is not None:
            storage, temporary = self.uploaded
            file_storage.delete(temporary, storage=storage)
            self.uploaded = None


class Destination:
    """Base: stage files in ``staging_dir`` and publish them by name."""

    file_mode = 0o644

    def staging_dir(self):
        raise NotImplementedError

    def stage(self, name, role):
        directory = self.staging_dir()
        os.makedirs(directory, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix=f".{name}{PARTIAL_MARK}", dir=directory)
        os.chmod(path, self.file_mode)
        return StagedFile(name=name, role=role, path=path, handle=HashingFile(os.fdopen(fd, "wb")))

    def publish(self, staged):
        raise NotImplementedError


class LocalDirectory(Destination):
    """A directory on this machine (``manage.py export_dataset --out``)."""

    def __init__(self, directory):
        self.directory = os.path.abspath(directory)

    def staging_dir(self):
        return self.directory

    def final_path(self, name):
        return os.path.join(self.directory, name)

    def publish(self, staged):
        staged.finish()
        os.replace(staged.path, self.final_path(staged.name))


class StorageDirectory(Destination):
    """A folder of the site's file storage (``core.storage``: the media folder, or a bucket).

    On a file system files are staged in the folder itself and renamed into place.  In a
    bucket each finished file is uploaded by ``stash`` under a temporary key in the folder
    (``.NAME.partial-XXXX``, while the build still runs and holds no lock), and ``publish``
    copies it to its final key inside the bucket; discarding a stashed file deletes its
    temporary object.
    """

    def __init__(self, storage, prefix):
        self.storage = storage
        self.prefix = prefix.rstrip("/")
        self.file_mode = getattr(storage, "file_permissions_mode", None) or self.file_mode
        self._local_dir = file_storage.local_path(self.prefix, storage=storage)

    def name_in_storage(self, name):
        return f"{self.prefix}/{name}"

    def staging_dir(self):
        return self._local_dir or tempfile.gettempdir()

    def stash(self, staged_files):
        """Upload finished staged files under their temporary keys (a bucket only)."""
        if self._local_dir is not None:
            return
        for staged in staged_files:
            if staged.uploaded is None:
                staged.finish()
                temporary = self.name_in_storage(os.path.basename(staged.path))
                with open(staged.path, "rb") as handle:
                    file_storage.save(temporary, handle, storage=self.storage)
                staged.uploaded = (self.storage, temporary)
                staged.discard_local()

    def publish(self, staged):
        staged.finish()
        final = self.name_in_storage(staged.name)
        if self._local_dir is not None:
            os.replace(staged.path, file_storage.local_path(final, storage=self.storage))
            return
        self.stash([staged])
        file_storage.move(staged.uploaded[1], final, storage=self.storage)
        staged.uploaded = None

    def open(self, name):
        return file_storage.open_stream(self.name_in_storage(name), storage=self.storage)

    def clear(self):
        """Delete everything under the prefix: files of an earlier, failed or interrupted build."""
        file_storage.delete_under(self.prefix, storage=self.storage)
