import json
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.models import Status
from tests.factories import DemonstrationFactory, category

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip.jsonl"

# The words the near-duplicate tests build their records from: accented ones (the trigrams and the
# exact-duplicate key fold them) and two short common ones that many records share.
WORDS = [
    "river",
    "valley",
    "museum",
    "bridge",
    "harbour",
    "glacier",
    "café",
    "naïve",
    "Zürich",
    "São",
    "orbit",
    "garden",
    "ferry",
    "treaty",
    "the",
    "of",
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Releases and uploads go to a fresh folder per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def fixture_path():
    return FIXTURE


@pytest.fixture
def write_jsonl(tmp_path):
    """Write records (dicts, or raw str/bytes lines) to a .jsonl file and return its path."""

    def write(lines, name="data.jsonl"):
        path = tmp_path / name
        with open(path, "wb") as handle:
            for line in lines:
                if isinstance(line, dict):
                    line = json.dumps(line)
                if isinstance(line, str):
                    line = line.encode("utf-8")
                handle.write(line + b"\n")
        return path

    return write


@pytest.fixture
def run_command():
    """Run a management command; returns (stdout, stderr)."""
    from io import StringIO

    def run(*args, **kwargs):
        out, err = StringIO(), StringIO()
        call_command(*args, stdout=out, stderr=err, **kwargs)
        return out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def approved(db):
    """Create an approved demonstration: ``approved("open_qa", instruction=..., ...)``."""

    def make(key="open_qa", **fields):
        if key in ("closed_qa", "information_extraction", "summarization"):
            fields.setdefault("context", "A reference passage about the subject.")
        fields.setdefault("status", Status.APPROVED)
        return DemonstrationFactory(category=category(key), **fields)

    return make


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
