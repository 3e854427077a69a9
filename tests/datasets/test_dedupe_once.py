"""A deduplicated export searches each chunk's near duplicates once, even when it reads the rows twice
(a train/test split), and keeps exactly the records the per-pass search keeps."""

import random
import re

import pytest

from annotations import quality
from annotations.text import trigrams
from datasets import sources
from datasets.duplicates import NearDuplicates
from datasets.options import ExportOptions
from datasets.services import export_to_path
from datasets.sources import DemonstrationSource, selected_demonstrations, selection_filters

from .conftest import WORDS, read_jsonl


def reference_trigrams(text):
    """The trigram set as it was built before, one word at a time."""
    result = set()
    for word in re.sub(r"[\W_]+", " ", (text or "").lower(), flags=re.UNICODE).split():
        padded = f"  {word} "
        result.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return result


@pytest.fixture
def near_copies(approved, monkeypatch):
    """Generated records, many of them one word away from an earlier one, in several chunks."""
    monkeypatch.setattr(sources, "CHUNK_SIZE", 7)
    rng = random.Random(5)
    bases = [" ".join(rng.choices(WORDS, k=12)) for _ in range(12)]
    for i in range(60):
        words = rng.choice(bases).split()
        if i % 3:
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        approved(
            "closed_qa" if i % 5 == 0 else "open_qa", instruction=" ".join(words) + f" ({i % 4})", response=f"r{i}"
        )
    quality.index_instruction_bands(selected_demonstrations(ExportOptions(dedupe=True)))


def per_pass_search(options):
    """The near duplicates the search finds chunk by chunk, searched afresh (what each pass did before)."""
    source = DemonstrationSource(options)
    near = NearDuplicates(lambda prefix, ref: selection_filters(options, prefix, ref), source.near_duplicate_threshold)
    found = set()
    for rows in source._rows(sources._ROW_FIELDS + sources._NEAR_ROW_FIELDS):
        found |= near.find([(row[0], row[-2], row[-1], row[2]) for row in rows])
    return found


def test_trigram_sets_are_the_ones_built_before():
    rng = random.Random(3)
    alphabet = "abc xyz ÉéçßİıǅﬁΩЖ日本 09 ,.?!_-\t\n🙂"
    texts = ["", None, "?!", "a", "İstanbul STRASSE ǅ"] + ["".join(rng.choices(alphabet, k=60)) for _ in range(300)]
    assert [trigrams(text) for text in texts] == [reference_trigrams(text) for text in texts]


def test_two_passes_search_once_and_keep_what_a_fresh_search_keeps(near_copies, monkeypatch):
    options = ExportOptions(dedupe=True)
    expected = per_pass_search(options)
    assert len(expected) > 10
    calls = []
    original = NearDuplicates.find

    def counted(self, rows, **hint):
        calls.append(len(rows))
        return original(self, rows, **hint)

    monkeypatch.setattr(NearDuplicates, "find", counted)
    source = DemonstrationSource(options)
    passes = [[record.pk for chunk in source.chunks() for record in chunk] for _ in range(2)]
    assert passes[0] == passes[1]
    assert len(calls) == 9 and sum(calls) == 60
    selected = list(selected_demonstrations(options).values_list("pk", flat=True))
    assert passes[0] == [pk for pk in selected if pk not in expected]
    assert source.skipped["near_duplicates"] == len(expected)


def test_a_split_keeps_the_same_records_as_the_whole_export(near_copies, tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    whole.mkdir()
    split.mkdir()
    export_to_path(ExportOptions.from_dict({"dedupe": True}), whole)
    export_to_path(ExportOptions.from_dict({"dedupe": True, "test_fraction": 0.2}), split)
    kept = read_jsonl(whole / "data.jsonl")
    parts = read_jsonl(split / "train.jsonl") + read_jsonl(split / "test.jsonl")
    assert sorted(map(str, parts)) == sorted(map(str, kept))
    assert len(kept) < 60
