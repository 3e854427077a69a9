#!/usr/bin/env python3
"""Fetch a Dolly Collect release for a training job, verify it, and load it with Hugging Face ``datasets``.

Only the standard library and ``datasets`` are needed.  The job holds a dataset reader key
(an admin creates one at /accounts/api-keys/) and learns of a release in one of two ways:

    # ask for the newest finished release (of a tag)
    fetch_release.py --site https://dolly.example.com --key "$DOLLY_READER_KEY" --tag production --out releases/

    # or wait for the signed webhook that announces it (register http://this-host:8765/ as a webhook)
    fetch_release.py --site https://dolly.example.com --key "$DOLLY_READER_KEY" --out releases/ \
        --listen 0.0.0.0:8765 --webhook-secret "$DOLLY_WEBHOOK_SECRET"

Then it downloads ``archive.tar.gz`` (resuming a partial download with ``Range``), checks the
archive's SHA-256 and every file's SHA-256 against the manifest, and calls
``datasets.load_dataset`` on the release folder.  The last line printed is a JSON summary.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import tarfile
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

CHUNK = 1024 * 1024
SIGNATURE_TOLERANCE = 300  # seconds: older signed deliveries are refused (replays)


class Refused(Exception):
    pass


def verify_signature(secret, body, header, *, now=None):
    """Check ``X-Dolly-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise Refused("the signature header has no time")
    if abs((time.time() if now is None else now) - timestamp) > SIGNATURE_TOLERANCE:
        raise Refused("the signature is too old (or from the future)")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise Refused("the signature does not match the body")


def api_get(site, key, path):
    request = urllib.request.Request(site.rstrip("/") + path, headers={"Authorization": f"Api-Key {key}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def latest_release(site, key, tag=None):
    query = "?" + urllib.parse.urlencode({"tag": tag}) if tag else ""
    return api_get(site, key, f"/api/v1/exports/latest/{query}")


def wait_for_webhook(address, secret):
    """Serve one signed ``release.published`` delivery on ``host:port``; returns its release."""
    host, _, port = address.rpartition(":")
    received = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                verify_signature(secret, body, self.headers.get("X-Dolly-Signature"))
                event = json.loads(body)
            except (Refused, ValueError) as error:
                self.send_error(401, str(error))
                return
            self.send_response(204)
            self.end_headers()
            if event.get("event") == "release.published":
                received["release"] = event["release"]

        def log_message(self, *args):
            pass

    server = HTTPServer((host or "0.0.0.0", int(port)), Handler)
    print(f"listening on {address}", flush=True)
    try:
        while "release" not in received:
            server.handle_request()
    finally:
        server.server_close()
    return received["release"]


def download(url, key, path, *, size=None, etag=None):
    """Download ``url`` to ``path``, resuming a partial file with ``Range`` and ``If-Range``."""
    have = os.path.getsize(path) if os.path.exists(path) else 0
    if size is not None and have == size:
        return path
    headers = {"Authorization": f"Api-Key {key}"}
    if have and etag:
        headers.update({"Range": f"bytes={have}-", "If-Range": etag})
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
        mode = "ab" if response.status == 206 else "wb"
        with open(path, mode) as handle:
            while chunk := response.read(CHUNK):
                handle.write(chunk)
    return path


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def extract(archive_path, out_dir):
    """Extract the archive's one folder, refusing any member that would land outside ``out_dir``."""
    out_dir = os.path.realpath(out_dir)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:
            target = os.path.realpath(os.path.join(out_dir, member.name))
            if not member.isfile() or not target.startswith(out_dir + os.sep):
                raise Refused(f"unexpected archive member {member.name!r}")
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(out_dir, members=members, **safe)
    folders = {member.name.split("/", 1)[0] for member in members}
    if len(folders) != 1:
        raise Refused("the archive should hold exactly one folder")
    return os.path.join(out_dir, folders.pop())


def verify_folder(folder, release):
    """Every file the release lists is in the folder with the manifest's size and SHA-256."""
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    if manifest.get("release") != release["id"]:
        raise Refused("the manifest belongs to another release")
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for entry in release["files"]:
        if entry["name"] == "manifest.json":
            expected = entry
        else:
            expected = listed.get(entry["name"])
            if expected is None or expected["sha256"] != entry["sha256"]:
                raise Refused(f"{entry['name']} differs between the release and its manifest")
        path = os.path.join(folder, entry["name"])
        if os.path.getsize(path) != expected["size"] or sha256_of(path) != expected["sha256"]:
            raise Refused(f"{entry['name']} does not match its SHA-256")
    return len(release["files"])


def fetch(release, key, out_dir):
    """Download, verify and extract ``release`` (the JSON of /api/v1/exports/{id}/); returns the folder."""
    os.makedirs(out_dir, exist_ok=True)
    archive = release["archive"]
    path = os.path.join(out_dir, f"{release['name']}-{release['label']}.tar.gz")
    etag = f'"{archive["sha256"]}"' if archive.get("sha256") else None
    download(archive["url"], key, path, size=archive.get("size"), etag=etag)
    if archive.get("sha256") and sha256_of(path) != archive["sha256"]:
        os.remove(path)  # a corrupt or stale partial file: start again next time
        raise Refused("the archive does not match its SHA-256")
    folder = extract(path, out_dir)
    verify_folder(folder, release)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="e.g. https://dolly.example.com")
    parser.add_argument("--key", default=os.environ.get("DOLLY_READER_KEY"), help="dataset reader key")
    parser.add_argument("--tag", help="the latest release of this tag (e.g. production)")
    parser.add_argument("--out", default="releases", help="folder to download into")
    parser.add_argument("--config", default=None, help="the card's config to load (default: the first format)")
    parser.add_argument("--listen", help="host:port: wait for the release.published webhook instead of asking latest")
    parser.add_argument("--webhook-secret", default=os.environ.get("DOLLY_WEBHOOK_SECRET"))
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("give the dataset reader key with --key or DOLLY_READER_KEY")
    if args.listen:
        if not args.webhook_secret:
            parser.error("--listen needs --webhook-secret (or DOLLY_WEBHOOK_SECRET)")
        release = wait_for_webhook(args.listen, args.webhook_secret)
    else:
        release = latest_release(args.site, args.key, args.tag)
    folder = fetch(release, args.key, args.out)

    from datasets import load_dataset

    splits = load_dataset(folder, args.config)
    print(
        json.dumps(
            {
                "release": release["id"],
                "label": release["label"],
                "folder": folder,
                "splits": {name: len(split) for name, split in splits.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Refused as error:
        print(f"refused: {error}", file=sys.stderr)
        sys.exit(2)
