"""Import files built to break the reader: each gets a FILE:LINE reason, never a traceback, and nothing is kept.

A truncated gzip, a file that only starts like one, a line nested 5,000 deep, a line or a file
larger than the limits once decompressed (checked while streaming), and millions of empty lines.
"""

import gzip
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape

from annotations.models import Demonstration
from datasets.importing import MAX_BAD_LINES
from datasets.models import ImportBatch

pytestmark = pytest.mark.django_db

GOOD = {"instruction": "Name a prime number.", "context": "", "response": "Seven.", "category": "open_qa"}


def _lines(count):
    return b"".join(
        json.dumps({**GOOD, "instruction": f"Name prime number {n}."}).encode() + b"\n" for n in range(count)
    )


def _truncated_gzip():
    whole = gzip.compress(_lines(2000))
    return whole[: len(whole) // 2]


HOSTILE = {
    "truncated.jsonl.gz": (_truncated_gzip(), "the gzip data ends early: the file is cut short"),
    "magic.jsonl.gz": (b"\x1f\x8b" + b"this is not gzip at all\n" * 10, "the file is not valid gzip data"),
    "nested.jsonl": (b"[" * 5000 + b"]" * 5000 + b"\n", "not a dolly record: the JSON is nested too deeply"),
    "nested-objects.jsonl": (b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"\n", "the JSON is nested too deeply"),
    # json.loads alone keeps the last "response" silently.
    "duplicate-key.jsonl": (
        b'{"instruction": "Name a prime.", "context": "", "response": "Seven.", "response": "Four.", '
        b'"category": "open_qa"}\n',
        ':1: duplicate key "response"',
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_command_names_the_line_and_imports_nothing(name, tmp_path, run_command):
    content, reason = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match="nothing was imported"):
        run_command("import_dataset", str(path))
    _, err = _refusal(run_command, path)
    assert f"{path}:" in err and reason in err
    assert Demonstration.objects.count() == 0


def _refusal(run_command, path):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_dataset", str(path), "--dry-run", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_an_upload_is_refused_by_line_and_its_file_removed(
    name, client_for, admin_user, media_root, django_capture_on_commit_callbacks
):
    content, reason = HOSTILE[name]
    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("datasets:import-list"), {"file": SimpleUploadedFile(name, content), "status": "approved"}
        )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.State.INVALID
    assert any(problem.startswith(f"{name}:") and reason in problem for problem in batch.problems), batch.problems
    assert batch.stored_name == ""
    assert not [path for path in media_root.rglob("*") if path.is_file()]
    page = admin.get(response.url)
    assert page.status_code == 200 and escape(reason).encode() in page.content
    assert Demonstration.objects.count() == 0


def test_a_line_longer_than_the_limit_is_refused_and_the_next_lines_are_still_read(settings, tmp_path, run_command):
    settings.DOLLY_IMPORT_MAX_LINE_BYTES = 1000
    long_line = json.dumps({**GOOD, "response": "x" * 300_000}).encode()
    path = tmp_path / "long.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(2) + long_line + b"\n" + b"not json\n"))
    _, err = _refusal(run_command, path)
    assert f"{path}:3: the line is longer than" in err and "DOLLY_IMPORT_MAX_LINE_BYTES" in err
    assert f"{path}:4: not valid JSON" in err


def test_a_file_larger_than_the_limit_once_decompressed_stops_there(settings, tmp_path, run_command):
    settings.DOLLY_IMPORT_MAX_BYTES = 50_000
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(5000)))
    assert path.stat().st_size < 50_000
    _, err = _refusal(run_command, path)
    assert "the file is larger than" in err and "DOLLY_IMPORT_MAX_BYTES" in err
    line = int(err.split("the file is larger than")[0].rsplit(":", 2)[-2])
    assert line < 1000


def test_millions_of_empty_lines_stop_after_the_bad_line_limit(tmp_path, run_command):
    path = tmp_path / "newlines.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n" * 3_000_000))
    assert path.stat().st_size < 10_000
    _, err = _refusal(run_command, path)
    assert f"{path}:{MAX_BAD_LINES}: {MAX_BAD_LINES} bad lines: the rest of the file was not read" in err


def test_the_default_limits_admit_the_longest_record_the_text_limits_allow(settings, tmp_path, run_command):
    record = {
        "instruction": "é" * settings.DOLLY_MAX_INSTRUCTION_CHARS,
        "context": "",
        "response": "\u2603" * settings.DOLLY_MAX_RESPONSE_CHARS,
        "category": "open_qa",
    }
    path = tmp_path / "longest.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(record).encode() + b"\n"))
    out, _ = run_command("import_dataset", str(path), "--skip-indexing")
    assert "Imported 1 records" in out
    assert Demonstration.objects.get().response == record["response"]


def test_a_refused_upload_leaves_no_file_in_storage(client_for, admin_user, django_capture_on_commit_callbacks):
    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("datasets:import-list"),
            {"file": SimpleUploadedFile("bad.jsonl", b"not json\n"), "status": "approved"},
        )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.State.INVALID and batch.stored_name == ""
    assert not default_storage.exists(f"imports/{batch.public_id}/bad.jsonl")
