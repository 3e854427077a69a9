"""The answer to a download of one release file, the same for the pages and the API.

With a bucket (and ``DOLLY_DOWNLOAD_REDIRECT`` on, the default) the answer is a redirect to a
short-lived presigned address of the object, so the bytes go from the bucket to the client
without passing through the web node; otherwise the file is streamed from the storage.
Either way the answer carries the file's SHA-256 from the release's manifest.
"""

from django.http import FileResponse, HttpResponseRedirect

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


def release_file_response(*, release, name):
    """A redirect to the bucket, or the file streamed; 404 for a name the manifest does not list."""
    stored_name, entry = selectors.release_file(release=release, name=name)
    content_type = content_type_for(entry["name"])
    url = file_storage.download_url(stored_name, filename=entry["name"], content_type=content_type)
    if url is not None:
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
    else:
        handle = selectors.open_release_file(release=release, name=name)[0]
        response = FileResponse(handle, as_attachment=True, filename=entry["name"], content_type=content_type)
        response["Content-Length"] = str(entry["size"])
    response["X-Checksum-SHA256"] = entry["sha256"]
    return response
