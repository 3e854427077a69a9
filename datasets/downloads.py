"""Download answers for release files and archives, the same for the pages and the API.

With a bucket (and ``DOLLY_DOWNLOAD_REDIRECT`` on, the default) a file's answer is a redirect to
a short-lived presigned address of the object, so the bytes go from the bucket to the client
without passing through the web node (the bucket answers ``Range`` itself); otherwise the file
is streamed from the storage.  Either way the answer carries the file's SHA-256 from the
release's manifest.

Streamed answers can be resumed: ``ETag``, ``If-None-Match``, ``Range`` and ``If-Range``.  One
byte range per request (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``): 206 with ``Content-Range``,
416 when it starts past the end.  Several ranges, or a syntax this does not read, get the whole
body (200), as RFC 9110 allows.
"""

import io
import re

from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from core import storage as file_storage

from . import selectors

CONTENT_TYPES = {
    "jsonl": "application/jsonl",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "md": "text/markdown",
    "json": "application/json",
    "txt": "text/plain",
}


def content_type_for(name):
    extension = name.rpartition(".")[2] if "." in name else "txt"
    return CONTENT_TYPES.get(extension, "application/octet-stream")


def release_file_response(request, *, release, name):
    """A redirect to the bucket, or the file streamed (resumable); 404 for a name the manifest does not list."""
    stored_name, entry = selectors.release_file(release=release, name=name)
    content_type = content_type_for(entry["name"])
    url = file_storage.download_url(stored_name, filename=entry["name"], content_type=content_type)
    if url is not None:
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        response["X-Checksum-SHA256"] = entry["sha256"]
        return response
    handle = selectors.open_release_file(release=release, name=name)[0]
    return ranged_response(
        request,
        size=entry["size"],
        etag=f'"{entry["sha256"]}"',
        filename=entry["name"],
        content_type=content_type,
        stream_range=file_range_reader(handle, reopen=lambda start: file_storage.open_stream(stored_name, start=start)),
        extra_headers={"X-Checksum-SHA256": entry["sha256"]},
        on_close=handle.close,
    )


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def parse_range(header, size):
    """``(start, end)`` inclusive, ``None`` for the whole file, or ``"unsatisfiable"``."""
    match = _RANGE.match((header or "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:  # the last n bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end


def _etag_matches(header, etag):
    if not header:
        return False
    return header.strip() == "*" or etag in [part.strip().removeprefix("W/") for part in header.split(",")]


def ranged_response(request, *, size, etag, filename, content_type, stream_range, extra_headers=None, on_close=None):
    """Answer a GET for a body of ``size`` bytes; ``stream_range(start, end)`` yields those bytes.

    ``on_close`` (closing the file the body is read from) runs when the response is closed."""
    response = _ranged_response(request, size, etag, filename, content_type, stream_range, extra_headers)
    if on_close is not None:
        response._resource_closers.append(on_close)
    return response


def _ranged_response(request, size, etag, filename, content_type, stream_range, extra_headers):
    headers = {"ETag": etag, "Accept-Ranges": "bytes", **(extra_headers or {})}
    if _etag_matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponse(status=304)
        for name, value in headers.items():
            response[name] = value
        return response
    wanted = parse_range(request.headers.get("Range"), size) if request.headers.get("Range") else None
    if_range = request.headers.get("If-Range")
    if wanted is not None and if_range and if_range.strip() != etag:
        wanted = None  # the file changed since the client's first part: send all of it
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        for name, value in headers.items():
            response[name] = value
        return response
    start, end = wanted if wanted else (0, size - 1)
    response = StreamingHttpResponse(
        stream_range(start, end) if size else iter(()), status=206 if wanted else 200, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1 if size else 0)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    for name, value in headers.items():
        response[name] = value
    return response


def file_range_reader(handle, *, reopen=None):
    """``stream_range`` for an open stored file: seek to the start, read up to the end.

    A handle that cannot seek (an object streamed from a bucket) is replaced by
    ``reopen(start)``, which asks the storage for the bytes from ``start`` on, or, without
    ``reopen``, read up to the start."""

    def stream(start, end):
        current = handle
        if start:
            try:
                handle.seek(start)
            except (io.UnsupportedOperation, AttributeError, OSError):
                if reopen is not None:
                    current = reopen(start)
                else:
                    _skip(handle, start)
        try:
            remaining = end - start + 1
            while remaining > 0:
                data = current.read(min(CHUNK, remaining))
                if not data:
                    return
                remaining -= len(data)
                yield data
        finally:
            if current is not handle:
                current.close()

    return stream


def _skip(handle, count):
    while count > 0:
        data = handle.read(min(CHUNK, count))
        if not data:
            return
        count -= len(data)
