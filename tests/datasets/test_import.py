"""manage.py import_dataset: every bad line is reported and nothing is imported; good files import in order."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from annotations.models import Category, Demonstration, Origin, Revision, Status
from datasets.models import ImportBatch, ImportedRecord
from datasets.services import IMPORT_ACCOUNT

pytestmark = pytest.mark.django_db

GOOD = {"instruction": "Name a prime number.", "context": "", "response": "Seven.", "category": "open_qa"}
CLOSED = {
    "instruction": "When was it built?",
    "context": "The bridge was built in 1903.",
    "response": "1903.",
    "category": "closed_qa",
}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("this is not json", "not valid JSON: Expecting value at column 1"),
        ('{"instruction": "a", ', "not valid JSON: Expecting property name enclosed in double quotes at column 22"),
        ("[1, 2]", "not a JSON object but a list"),
        ('"just text"', "not a JSON object but text"),
        ({"instruction": "a", "context": "", "category": "open_qa"}, "missing key response"),
        ({**GOOD, "source": "web"}, "unexpected key source"),
        ({**GOOD, "instruction": 42}, "instruction must be text, not a number"),
        ({**GOOD, "context": None}, "context must be text, not null"),
        ({**GOOD, "category": "poetry"}, 'unknown category "poetry" (use --create-categories to add it)'),
        ({**GOOD, "instruction": ""}, "instruction: This field is required."),
        ({**GOOD, "response": ""}, "response: This field is required."),
        ({**GOOD, "context": "Some passage."}, "context: Open QA does not use a reference text; leave it empty."),
        ({**CLOSED, "context": ""}, "context: Closed QA needs a reference text."),
        (
            {**GOOD, "response": "bell \x07 here"},
            "response: Contains a character that cannot be stored: control character U+0007 at position 6.",
        ),
        (b"\xff\xfe not utf-8", "not valid UTF-8 (byte 1)"),
        ("", "empty line"),
    ],
)
def test_each_bad_line_is_reported_and_nothing_is_imported(write_jsonl, capsys, line, reason):
    path = write_jsonl([GOOD, line, CLOSED])
    with pytest.raises(CommandError) as error:
        call_command("import_dataset", str(path))
    assert "1 bad line(s) of 3; nothing was imported" in str(error.value)
    assert capsys.readouterr().err.splitlines() == [f"{path}:2: {reason}"]
    assert Demonstration.objects.count() == 0
    assert ImportBatch.objects.count() == ImportedRecord.objects.count() == 0


def test_text_over_the_limit_is_refused(write_jsonl, capsys, settings):
    settings.DOLLY_MAX_RESPONSE_CHARS = 10
    path = write_jsonl([{**GOOD, "response": "x" * 11}])
    with pytest.raises(CommandError):
        call_command("import_dataset", str(path))
    assert f"{path}:1: response: At most 10 characters (this one has 11)." in capsys.readouterr().err
    assert Demonstration.objects.count() == 0


def test_at_most_fifty_bad_lines_are_listed_then_a_count(write_jsonl, capsys):
    path = write_jsonl([GOOD] + ["nope"] * 60)
    with pytest.raises(CommandError) as error:
        call_command("import_dataset", str(path))
    err = capsys.readouterr().err
    assert err.count(": not valid JSON") == 50
    assert f"{path}:51: not valid JSON" in err and f"{path}:52:" not in err
    assert "... and 10 more bad lines." in err
    assert "60 bad line(s) of 61" in str(error.value)


def test_empty_file_is_refused(write_jsonl, capsys):
    path = write_jsonl([])
    with pytest.raises(CommandError):
        call_command("import_dataset", str(path))
    assert "the file holds no records" in capsys.readouterr().err


def test_good_file_imports_in_file_order(write_jsonl, run_command):
    records = [{**GOOD, "instruction": f"Question {i}"} for i in range(7)] + [CLOSED]
    path = write_jsonl(records)
    out, _ = run_command("import_dataset", str(path))
    assert "Imported 8 records" in out and "skipped 0 already imported" in out
    stored = list(Demonstration.objects.order_by("created_at", "id").values_list("instruction", flat=True))
    assert stored == [r["instruction"] for r in records]
    assert Revision.objects.count() == 8 and ImportedRecord.objects.count() == 8
    assert set(Demonstration.objects.values_list("origin", "status").distinct()) == {(Origin.IMPORT, Status.APPROVED)}
    author = Demonstration.objects.first().author
    assert author.username == IMPORT_ACCOUNT and not author.is_active and not author.has_usable_password()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.State.DONE and batch.imported_count == 8


def test_reimporting_skips_what_was_imported_and_says_so(write_jsonl, run_command, fixture_path):
    run_command("import_dataset", str(fixture_path))
    out, _ = run_command("import_dataset", str(fixture_path))
    assert "Imported 0 records" in out and "skipped 10 already imported" in out
    assert Demonstration.objects.count() == 10
    grown = write_jsonl(list(_lines(fixture_path)) + [GOOD])
    out, _ = run_command("import_dataset", str(grown))
    assert "Imported 1 records" in out and "skipped 10 already imported" in out


def _lines(path):
    return path.read_bytes().rstrip(b"\n").split(b"\n")


def test_a_record_repeated_inside_one_file_is_kept_twice(write_jsonl, run_command):
    path = write_jsonl([GOOD, GOOD])
    out, _ = run_command("import_dataset", str(path))
    assert "Imported 2 records" in out
    assert Demonstration.objects.count() == 2


def test_status_and_author_options(write_jsonl, run_command, user):
    path = write_jsonl([GOOD])
    run_command("import_dataset", str(path), "--status", "submitted", "--author", user.username)
    demonstration = Demonstration.objects.get()
    assert demonstration.status == Status.SUBMITTED and demonstration.author == user
    assert demonstration.submitted_at is not None


def test_unknown_author_is_refused(write_jsonl, run_command):
    with pytest.raises(CommandError, match="No user is called ghost"):
        run_command("import_dataset", str(write_jsonl([GOOD])), "--author", "ghost")
    assert Demonstration.objects.count() == 0


def test_dry_run_checks_and_imports_nothing(write_jsonl, run_command):
    out, _ = run_command("import_dataset", str(write_jsonl([GOOD, CLOSED])), "--dry-run")
    assert "2 lines, all valid" in out and "Dry run: nothing was imported." in out
    assert Demonstration.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_create_categories_adds_the_unknown_ones(write_jsonl, run_command):
    path = write_jsonl([GOOD, {**GOOD, "category": "poetry"}, {**CLOSED, "category": "translation"}])
    out, _ = run_command("import_dataset", str(path), "--create-categories")
    assert "New categories: poetry, translation" in out
    poetry, translation = Category.objects.get(key="poetry"), Category.objects.get(key="translation")
    assert not poetry.needs_context and translation.needs_context
    assert Demonstration.objects.filter(category__key__in=["poetry", "translation"]).count() == 2


def test_missing_file_is_a_clear_error(run_command, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_command("import_dataset", str(tmp_path / "absent.jsonl"))


def test_the_bulk_writer_and_bulk_create_store_the_same_rows_and_bands(admin_user):
    """COPY on PostgreSQL, executemany on SQLite: the same rows as the ORM's ``bulk_create``."""
    from django.utils import timezone

    from annotations.models import InstructionBand
    from annotations.text import minhash_bands
    from datasets.bulk import CopyInserter, OrmInserter, SqliteInserter
    from datasets.importing import CategoryPlan, parse_line

    plan = CategoryPlan.load(create=False)
    lines = [parse_line(1, json.dumps(record).encode(), plan) for record in (GOOD, CLOSED)]
    lines[1].instruction = "Tab\\there,\\nnew line\\r\\n and a backslash \\\\ ok"
    batch = ImportBatch.objects.create(
        source_name="x", author=admin_user, target_status="approved", status=ImportBatch.State.IMPORTING
    )
    now = timezone.now()
    fields = [
        "category_id",
        "instruction",
        "context",
        "response",
        "status",
        "origin",
        "version",
        "author_id",
        "submitted_at",
        "source_url",
        "idempotency_key",
        "instruction_hash",
        "context_hash",
        "review_round",
    ]
    bulk = CopyInserter if connection.vendor == "postgresql" else SqliteInserter
    rows = {}
    for inserter in (OrmInserter, bulk):
        before = set(Demonstration.objects.values_list("pk", flat=True))
        with inserter(author=admin_user, status="approved", batch=batch, now=now) as writer:
            writer.insert(lines, plan.known)
        created = Demonstration.objects.exclude(pk__in=before).order_by("id")
        rows[inserter] = list(created.values_list(*fields))
        assert [r.version for r in Revision.objects.filter(demonstration__in=created)] == [1, 1]
        assert ImportedRecord.objects.filter(demonstration__in=created).count() == 2
        for demonstration in created:
            stored = InstructionBand.objects.filter(demonstration=demonstration).values_list("value", flat=True)
            assert sorted(stored) == sorted(minhash_bands(demonstration.instruction))
        assert len({d.public_id for d in created}) == 2
    assert rows[OrmInserter] == rows[bulk]
    assert rows[bulk][1][1] == lines[1].instruction


def test_bulk_ids_on_sqlite_never_reuse_those_of_deleted_records(admin_user, approved):
    from django.utils import timezone

    from datasets.bulk import SqliteInserter
    from datasets.importing import CategoryPlan, parse_line

    if connection.vendor != "sqlite":
        pytest.skip("the id sequence is SQLite's")
    gone = approved(instruction="Deleted before the import.")
    gone_id = gone.pk
    Demonstration.objects.filter(pk=gone_id).delete()
    plan = CategoryPlan.load(create=False)
    lines = [parse_line(1, json.dumps(GOOD).encode(), plan)]
    batch = ImportBatch.objects.create(
        source_name="x", author=admin_user, target_status="approved", status=ImportBatch.State.IMPORTING
    )
    with SqliteInserter(author=admin_user, status="approved", batch=batch, now=timezone.now()) as writer:
        writer.insert(lines, plan.known)
    assert Demonstration.objects.get().pk > gone_id


def test_an_import_of_many_batches_skips_the_lines_imported_before_and_indexes_every_record(
    write_jsonl, run_command, monkeypatch
):
    """Batches of two: each one's bands are written while the next is read (on SQLite, on a helper thread)."""
    from annotations.models import InstructionBand
    from annotations.text import minhash_bands
    from datasets.services import imports

    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 2)
    records = [{**GOOD, "instruction": f"Question number {i} about rivers"} for i in range(9)]
    run_command("import_dataset", str(write_jsonl([records[1], records[4], records[5]], name="before.jsonl")))
    # The first record again at the end: an earlier batch of the same import wrote it, which is no reason to skip it.
    out, _ = run_command("import_dataset", str(write_jsonl([*records, records[0]])))
    assert "Imported 7 records" in out and "skipped 3 already imported" in out
    batch = ImportBatch.objects.latest("id")
    ids = ImportedRecord.objects.filter(batch=batch).values_list("demonstration_id", flat=True)
    imported = list(Demonstration.objects.filter(pk__in=ids).order_by("id").values_list("id", "instruction"))
    assert [instruction for _, instruction in imported] == [records[i]["instruction"] for i in (0, 2, 3, 6, 7, 8, 0)]
    for pk, instruction in imported:
        stored = InstructionBand.objects.filter(demonstration_id=pk).values_list("value", flat=True)
        assert sorted(stored) == sorted(minhash_bands(instruction))
    assert InstructionBand.objects.count() == 10 * 16
    for demonstration in Demonstration.objects.filter(pk__in=ids):
        stored = (demonstration.instruction_hash, demonstration.context_hash)
        demonstration.set_text_hashes()
        assert stored == (demonstration.instruction_hash, demonstration.context_hash) and stored[0]


def test_bands_that_fail_to_be_written_leave_nothing_of_the_import(write_jsonl, run_command, monkeypatch):
    """SQLite's writer inserts each batch on a helper thread: an error there still undoes the whole import."""
    from annotations.models import InstructionBand
    from datasets import bulk
    from datasets.services import imports

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's writer copies its rows")
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 2)
    calls = []
    real = bulk.SqliteInserter._insert_values

    def fails_the_second_time(self, cursor, table, *args):
        if table == InstructionBand._meta.db_table:
            calls.append(table)
            if len(calls) == 2:
                raise bulk.sqlite3.OperationalError("disk I/O error")
        return real(self, cursor, table, *args)

    monkeypatch.setattr(bulk.SqliteInserter, "_insert_values", fails_the_second_time)
    records = [{**GOOD, "instruction": f"Question number {i} about rivers"} for i in range(7)]
    with pytest.raises(Exception, match="disk I/O error"):
        run_command("import_dataset", str(write_jsonl(records)))
    assert len(calls) >= 2
    assert Demonstration.objects.count() == 0 and ImportedRecord.objects.count() == 0
    assert InstructionBand.objects.count() == 0 and not ImportBatch.objects.exists()


def test_a_row_the_database_refuses_mid_batch_leaves_nothing_of_the_import(write_jsonl, run_command, approved):
    """A band already stored for the id the import gives its second record: the bulk insert breaks the
    band key halfway through its statement, and every row written before it is undone too."""
    from django.db import IntegrityError

    from annotations.models import InstructionBand
    from annotations.text import minhash_bands

    before = approved(instruction="Written before the import.")
    records = [{**GOOD, "instruction": f"Question number {i} about rivers"} for i in range(3)]
    InstructionBand.objects.create(demonstration_id=before.pk + 2, value=minhash_bands(records[1]["instruction"])[3])
    with pytest.raises(IntegrityError):
        run_command("import_dataset", str(write_jsonl(records)))
    assert list(Demonstration.objects.values_list("pk", flat=True)) == [before.pk]
    assert not ImportedRecord.objects.exists() and not ImportBatch.objects.exists()
    assert list(InstructionBand.objects.values_list("demonstration_id", flat=True)) == [before.pk + 2]
    assert Revision.objects.filter(demonstration__origin=Origin.IMPORT).count() == 0
