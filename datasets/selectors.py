"""Read queries for releases and imports.  ``access_*`` raise 404 for ids that do not exist."""

import re

from django.core.files.storage import default_storage
from django.http import Http404

from .models import ImportBatch, Release
from .writers import StorageDirectory

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_HEADING = re.compile(r"^(#{1,3}) ", re.M)
_PREVIEW_LEVEL = {1: "### ", 2: "### ", 3: "#### "}


def releases():
    return Release.objects.select_related("created_by", "previous").order_by("-created_at", "-id")


def finished_releases():
    """What a dataset reader sees: releases that are done."""
    return releases().filter(status=Release.State.DONE)


def access_release(*, public_id, finished_only=False):
    try:
        return (finished_releases() if finished_only else releases()).get(public_id=public_id)
    except (Release.DoesNotExist, ValueError) as exc:
        raise Http404("No such release.") from exc


def previous_release(release):
    """The newest finished release created before ``release``: what its "added / removed" counts compare with."""
    return (
        Release.objects.filter(status=Release.State.DONE, created_at__lt=release.created_at)
        .exclude(pk=release.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def latest_release(*, tag=None, name=None):
    """The newest finished release, of ``tag`` and ``name`` when given; ``None`` if there is none."""
    queryset = finished_releases()
    if tag:
        queryset = queryset.filter(tag=tag)
    if name:
        queryset = queryset.filter(name=name)
    return queryset.first()


def release_file(*, release, name):
    """The storage name of the file ``name`` of a finished release, and its manifest entry.

    Only names listed in the release's own manifest are served, so no path from the
    request ever reaches the storage.
    """
    entry = release.file_entry(name) if release.status == Release.State.DONE else None
    if entry is None:
        raise Http404("No such file in this release.")
    return f"{release.storage_prefix}/{entry['name']}", entry


def open_release_file(*, release, name):
    """The stored file ``name`` of a finished release, opened for one streamed read, and its manifest entry."""
    _stored_name, entry = release_file(release=release, name=name)
    try:
        return StorageDirectory(default_storage, release.storage_prefix).open(entry["name"]), entry
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc


def import_batches():
    return ImportBatch.objects.select_related("created_by", "author").order_by("-created_at", "-id")


def access_import(*, public_id):
    try:
        return import_batches().get(public_id=public_id)
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404("No such import.") from exc


def card_for_preview(card):
    """The card's Markdown shaped for the page: YAML header as a code block, headings as h3/h4
    (the levels the site's Markdown filter keeps)."""
    card = _FRONT_MATTER.sub(lambda m: "\n".join("    " + line for line in m.group(0).splitlines()) + "\n\n", card)
    return _HEADING.sub(lambda m: _PREVIEW_LEVEL[len(m.group(1))], card)
