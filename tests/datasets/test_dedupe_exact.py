"""Exact duplicates are found through a sketch of each record's punctuation and digits, and the key
is built only when a sketch repeats: the records left out are exactly those whose key an earlier
record had, whatever the chunk boundaries."""

import random
import sys

import pytest

from datasets import sources
from datasets.exact_duplicates import SKETCH_CHARACTERS, ExactDuplicates, KeyedRuns, dedupe_key, sketch
from datasets.options import ExportOptions
from datasets.records import DollyRecord
from datasets.sources import DemonstrationSource, SeenKeys, selected_demonstrations, strip_citations

from .conftest import WORDS

pytestmark = pytest.mark.django_db


def test_case_folding_never_makes_or_removes_a_sketch_character():
    sketched = {chr(b) for b in SKETCH_CHARACTERS}
    assert not any(c.isspace() for c in sketched)
    assert all(c.casefold() == c for c in sketched)
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c not in sketched:
            assert not sketched.intersection(c.casefold()), hex(code)


def variants(rng, n):
    """Texts many of which differ from an earlier one only in case and spacing, or only in where the
    words break (same sketch, different key), or in one digit or mark."""
    bases = [
        (" ".join(rng.choices(WORDS, k=rng.randint(1, 6))), rng.choice(["", "See [1]. Then 2, 3!"]), "ok.")
        for _ in range(12)
    ]
    made = []
    for _ in range(n):
        instruction, context, response = rng.choice(bases)
        change = rng.randrange(6)
        if change == 1:
            instruction = instruction.upper().replace(" ", "  \t")
        elif change == 2:
            instruction = "\n " + instruction.replace(" ", "") + " \x1f"
        elif change == 3:
            response = response.replace(".", "!")
        elif change == 4:
            context = context.replace("2", "7") or "STRASSE ẞ"
        made.append((instruction, context, response))
    return made


def expected_firsts(texts):
    seen, result = set(), []
    for triple in texts:
        key = dedupe_key(*triple)
        result.append(key not in seen)
        seen.add(key)
    return result


@pytest.mark.parametrize("chunk_size", [1, 5, 64])
def test_the_sketch_keeps_the_first_of_each_key(chunk_size):
    rng = random.Random(chunk_size)
    texts = variants(rng, 400)
    by_id = dict(enumerate(texts, start=1))
    records = [DollyRecord(*triple, "open_qa", pk) for pk, triple in by_id.items()]
    reads = []

    def read_texts(ids):
        reads.append(len(ids))
        return [(pk, *by_id[pk]) for pk in ids]

    exact = ExactDuplicates(read_texts, SeenKeys(run_size=7))
    exact._sketches.run_size = 5
    found = []
    for start in range(0, len(records), chunk_size):
        found.extend(exact.first(records[start : start + chunk_size]))
    assert found == expected_firsts(texts)
    assert 0 < found.count(True) < 200
    assert sum(reads) <= len({sketch(*triple) for triple in texts})


def test_keyed_runs_find_every_key_across_merged_runs():
    rng = random.Random(9)
    runs = KeyedRuns(run_size=3)
    keys = list({rng.getrandbits(64) for _ in range(500)})
    for pk, key in enumerate(keys):
        runs.add(key, pk)
    assert len(runs) == 500 and len(runs._runs) < 12
    assert runs.first_ids(keys).tolist() == list(range(500))
    assert runs.first_ids([key ^ 1 for key in keys[:50]]).tolist().count(-1) >= 49


def test_keyed_runs_past_their_largest_size_stay_apart_and_find_every_key():
    rng = random.Random(10)
    runs = KeyedRuns(run_size=3, max_run=12)
    keys = list({rng.getrandbits(64) for _ in range(500)})
    for pk, key in enumerate(keys):
        runs.add(key, pk)
    assert max(len(run) for run, _ids in runs._runs) <= 12 and len(runs._runs) > 40
    assert all((run[1:] > run[:-1]).all() for run, _ids in runs._runs)
    assert runs.first_ids(keys).tolist() == list(range(500))


def test_an_export_leaves_out_the_exact_duplicates_across_chunks(approved, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 6)
    rng = random.Random(3)
    for instruction, context, response in variants(rng, 90):
        approved("closed_qa" if context else "open_qa", instruction=instruction, context=context, response=response)
    options = ExportOptions(dedupe=True, strip_citations=True, near_duplicate_threshold=1.0)
    rows = selected_demonstrations(options).values_list("id", "instruction", "context", "response")
    texts = [(instruction, strip_citations(context), response) for _pk, instruction, context, response in rows]
    expected = [pk for (pk, *_texts), first in zip(rows, expected_firsts(texts), strict=True) if first]
    source = DemonstrationSource(options)
    kept = [record.pk for chunk in source.chunks() for record in chunk]
    left_out = {pk for found in source._exact_found for pk in found.tolist()}
    assert left_out == {pk for pk, *_texts in rows} - set(expected)
    assert set(kept) <= set(expected)
    assert source.skipped["duplicates"] == len(left_out) > 20
