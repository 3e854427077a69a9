"""A deduplicated export keeps exactly the records the search kept before it skipped the band values
and reference texts no earlier chunk had: same near duplicates chunk by chunk, same bytes out."""

import collections
import datetime
import hashlib
import random
import re

import pytest
from django.db import connection
from django.utils import timezone

from annotations import quality
from annotations.models import Demonstration, InstructionBand
from datasets import duplicates, near_index, sources
from datasets.duplicates import NearDuplicates
from datasets.options import ExportOptions
from datasets.records import DollyRecord
from datasets.services import export_to_path
from datasets.sources import DemonstrationSource, selection_filters

from .conftest import WORDS
from .reference_near_duplicates import ReferenceNearDuplicates

pytestmark = pytest.mark.django_db

PASSAGES = [f"Passage {n} about the {word}." for n, word in enumerate(WORDS[:5])]
START = timezone.make_aware(datetime.datetime(2025, 1, 1, 9))


@pytest.fixture
def near_copies(approved):
    """Records one or two words away from a few bases, some with a shared reference text, some not
    selected (drafts, other categories), many copies of one text (more than ``PER_BAND`` per band
    value), equal creation times across chunk boundaries and ids out of creation order."""
    rng = random.Random(11)
    bases = [" ".join(rng.choices(WORDS, k=rng.randint(4, 12))) for _ in range(10)]
    made = []
    for i in range(130):
        words = rng.choice(bases).split()
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        instruction = " ".join(words) if i % 4 else bases[0]
        fields = {"instruction": instruction + f" {i % 3}", "response": f"response {i % 50}"}
        if i % 23 == 0:
            fields["status"] = "draft"
        if i % 5 == 0:
            made.append(approved("closed_qa", context=rng.choice(PASSAGES), **fields))
        else:
            made.append(approved("brainstorming" if i % 7 == 0 else "open_qa", **fields))
    for record in made:
        minutes = rng.randrange(40)  # many equal creation times, in no relation to the ids
        Demonstration.objects.filter(pk=record.pk).update(created_at=START + datetime.timedelta(minutes=minutes))
    quality.index_instruction_bands(Demonstration.objects.all())
    return made


def searched(cls, options, chunk_size, per_record=None, told=False):
    """The near duplicates ``cls`` finds in each chunk of the export, in order; ``told``: tell the
    search when the next chunk starts, as the export does."""
    source = DemonstrationSource(options, chunk_size=chunk_size)
    near = cls(
        lambda prefix, ref: selection_filters(options, prefix, ref),
        source.near_duplicate_threshold,
        per_record=per_record,
    )
    fields = sources._ROW_FIELDS + sources._NEAR_ROW_FIELDS
    found = []
    for rows, following in source._rows_and_next(fields):
        chunk = [(row[0], row[-2], row[-1], row[2]) for row in rows]
        hint = {"following": following and following[-2]} if told else {}
        found.append(near.find(chunk, **hint))
    return found


@pytest.mark.parametrize("chunk_size", [1, 6, 17, 2000])
@pytest.mark.parametrize("filters", [{}, {"categories": ["open_qa", "closed_qa"]}, {"near_duplicate_threshold": 0.6}])
def test_every_chunk_finds_the_near_duplicates_found_before(near_copies, chunk_size, filters):
    options = ExportOptions.from_dict({"dedupe": True, **filters})
    expected = searched(ReferenceNearDuplicates, options, chunk_size)
    assert sum(map(len, expected)) > 20
    assert searched(NearDuplicates, options, chunk_size) == expected
    assert searched(NearDuplicates, options, chunk_size, told=True) == expected


@pytest.mark.parametrize("per_band", [2, 20])
def test_the_caps_on_candidates_cut_where_they_cut_before(near_copies, monkeypatch, per_band):
    monkeypatch.setattr(duplicates, "PER_BAND", per_band)
    monkeypatch.setattr("tests.datasets.reference_near_duplicates.PER_BAND", per_band)
    options = ExportOptions(dedupe=True, near_duplicate_threshold=0.5)
    expected = searched(ReferenceNearDuplicates, options, 9, per_record=3)
    assert searched(NearDuplicates, options, 9, per_record=3) == expected
    assert searched(NearDuplicates, options, 9, per_record=3, told=True) == expected


def test_records_created_at_one_instant_across_many_chunks(approved, monkeypatch):
    """Ties on the creation time spanning several chunks, ids in reverse: the lowest ids of a band
    value can belong to records the export reads later."""
    monkeypatch.setattr(duplicates, "PER_BAND", 3)
    monkeypatch.setattr("tests.datasets.reference_near_duplicates.PER_BAND", 3)
    rng = random.Random(5)
    base = " ".join(rng.choices(WORDS, k=8))
    made = [approved("open_qa", instruction=f"{base} {rng.choice(WORDS)}", response=f"r{i}") for i in range(40)]
    for position, record in enumerate(made):
        moment = START + datetime.timedelta(minutes=(len(made) - 1 - position) // 15)
        Demonstration.objects.filter(pk=record.pk).update(created_at=moment)
    quality.index_instruction_bands(Demonstration.objects.all())
    options = ExportOptions(dedupe=True, near_duplicate_threshold=0.7)
    for chunk_size in (4, 7):
        expected = searched(ReferenceNearDuplicates, options, chunk_size)
        assert sum(map(len, expected)) > 10
        assert searched(NearDuplicates, options, chunk_size) == expected
        assert searched(NearDuplicates, options, chunk_size, told=True) == expected


def test_the_export_writes_the_bytes_it_wrote_before(near_copies, monkeypatch, tmp_path):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 8)
    options = {"dedupe": True, "with_metadata": True}
    now, before = tmp_path / "now", tmp_path / "before"
    now.mkdir()
    before.mkdir()
    result = export_to_path(ExportOptions.from_dict(options), now)
    monkeypatch.setattr(sources, "NearDuplicates", ReferenceNearDuplicates)
    reference = export_to_path(ExportOptions.from_dict(options), before)
    assert result.counts == reference.counts
    assert result.counts["skipped"]["near_duplicates"] > 10
    assert (now / "data.jsonl").read_bytes() == (before / "data.jsonl").read_bytes()


def test_the_exact_duplicate_key_is_the_one_computed_before():
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    rng = random.Random(4)
    alphabet = [*spaces, "a", "B", "ß", "É", "x", "\x1f"]
    for _ in range(2000):
        texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 10))) for _ in range(3)]
        before = "\x1f".join(re.sub(r"\s+", " ", text).strip().casefold() for text in texts)
        digest = int.from_bytes(hashlib.blake2b(before.encode("utf-8"), digest_size=8).digest(), "big")
        assert sources.dedupe_key(DollyRecord(*texts, "open_qa", 1)) == digest


@pytest.mark.parametrize(("budget", "trigrams"), [(1500, 40), (3000, 40), (1500, 1 << 16)])
def test_masks_forgotten_and_read_again_give_the_same_answers(near_copies, monkeypatch, budget, trigrams):
    """A tiny budget for the masks in memory: earlier candidates' masks come back from the file; with a
    tiny trigram vocabulary the masks start afresh between chunks, and earlier candidates are read
    back from the database (pushing out masks remembered for the same chunk)."""
    monkeypatch.setattr(duplicates, "TRIGRAM_MASK_BYTES", budget)
    monkeypatch.setattr(duplicates, "TRIGRAMS", trigrams)
    options = ExportOptions(dedupe=True, near_duplicate_threshold=0.6)
    expected = searched(ReferenceNearDuplicates, options, 6)
    assert searched(NearDuplicates, options, 6, told=True) == expected


@pytest.mark.parametrize("part_rows", [7, 2_000_000])
def test_the_shared_band_values_are_counted_alike_in_one_part_or_many(near_copies, monkeypatch, part_rows):
    """The database counts the rows of each band value, a part of the value range at a time."""
    monkeypatch.setattr(near_index, "_PARTITION_ROWS", part_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {InstructionBand._meta.db_table}")
    held = collections.Counter(InstructionBand.objects.values_list("value", flat=True))
    shared = sorted((value, count) for value, count in held.items() if count > 1)
    values, counts = near_index._shared_band_values()
    assert len(shared) > 10
    assert list(zip(values.tolist(), counts.tolist(), strict=True)) == shared


def test_masks_pushed_out_of_memory_come_back_from_the_file_until_the_trigrams_start_afresh():
    masks = near_index.TrigramMasks(budget=4 * near_index._kept_size(1 << 300), trigrams=4)
    kept = {0: 0, **{ordinal: (1 << 300) | (ordinal * 7919) for ordinal in range(1, 5000)}}
    for ordinal, mask in kept.items():
        masks.keep(ordinal, mask)
    assert len(masks._kept) < 10
    assert all(masks.get(ordinal) == mask for ordinal, mask in kept.items())
    assert masks.get(5000) is None
    masks.mask("more than four trigrams")
    masks.start_chunk()
    assert all(masks.get(ordinal) is None for ordinal in kept)
    afresh = {ordinal: (1 << 200) | ordinal for ordinal in range(3, 300)}
    for ordinal, mask in afresh.items():
        masks.keep(ordinal, mask)
    assert all(masks.get(ordinal) == mask for ordinal, mask in afresh.items())
    assert masks.get(1) is None


def test_masks_pushed_out_of_memory_are_not_read_from_the_database_again(near_copies, monkeypatch):
    monkeypatch.setattr(duplicates, "TRIGRAM_MASK_BYTES", 1500)
    read_again = []
    texts = near_index.texts
    monkeypatch.setattr(near_index, "texts", lambda ids, per_query: read_again.extend(ids) or texts(ids, per_query))
    options = ExportOptions(dedupe=True, near_duplicate_threshold=0.6)
    assert any(searched(NearDuplicates, options, 6, told=True))
    assert read_again == []
