"""The dataset card is a template: the same bytes as the card written before it was one.

The files in fixtures/cards were written by the code that built the card by concatenation; the
one change since is intended: a card listing CSV files says how their formula cells are neutralised.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest

from datasets.card import CardStats, render_card
from datasets.options import ExportOptions

pytestmark = pytest.mark.django_db

CARDS = Path(__file__).parent / "fixtures" / "cards"


@dataclass
class Row:
    category: str
    instruction: str
    context: str
    response: str


def _stats(split=False):
    stats = CardStats()
    rows = [
        Row("open_qa", "Why is the sky blue?", "", "Because of Rayleigh scattering, mostly."),
        Row("open_qa", "What is a byte?", "", "Eight bits."),
        Row("closed_qa", "When was it built?", "The tower was built in 1889 for the fair.", "In 1889."),
        Row("brainstorming", "Ideas for a rainy day?", "", "Read, bake, build a fort, watch a film." * 40),
    ]
    if split:
        stats.add(rows[:3], "train")
        stats.add(rows[3:], "test")
    else:
        stats.add(rows)
    return stats


FILES = [
    {"name": "data.jsonl", "role": "data", "size": 12345, "sha256": "a" * 64, "records": 4},
    {"name": "record-hashes.txt", "role": "record_hashes", "size": 68, "sha256": "b" * 64, "records": 4},
]
SPLIT_FILES = [
    {"name": "data-train.jsonl", "role": "data", "size": 1234567, "sha256": "c" * 64, "records": 3},
    {"name": "data-test.jsonl", "role": "data", "size": 999, "sha256": "d" * 64, "records": 1},
    {"name": "data-train.csv", "role": "data", "size": 1200, "sha256": "e" * 64, "records": 3},
    {"name": "data-test.csv", "role": "data", "size": 900, "sha256": "f" * 64, "records": 1},
]


def _cases():
    split = ExportOptions(
        statuses=("approved", "submitted"),
        categories=("brainstorming", "closed_qa", "open_qa"),
        created_from=datetime.date(2025, 1, 2),
        dedupe=True,
        test_fraction=0.25,
        seed=7,
        with_metadata=True,
        formats=("jsonl", "csv"),
    )
    return {
        "empty": {
            "title": "Empty",
            "stats": CardStats(),
            "record_count": 0,
            "filters": ExportOptions().filters_dict(),
            "files": [],
            "skipped": {},
        },
        "plain": {
            "title": "Dolly Collect dataset",
            "stats": _stats(),
            "record_count": 4,
            "filters": ExportOptions().filters_dict(),
            "files": FILES,
            "skipped": {},
            "released_at": "2026-12-01",
        },
        "split": {
            "title": 'A "quoted" title',
            "stats": _stats(split=True),
            "record_count": 4,
            "filters": split.filters_dict(),
            "files": SPLIT_FILES,
            "skipped": {"duplicates": 1234, "near_duplicates": 2},
            "split_fraction": 0.25,
            "released_at": "2026-12-02",
        },
    }


@pytest.mark.parametrize("name", sorted(_cases()))
def test_the_card_keeps_its_bytes(name):
    expected = (CARDS / f"{name}.md").read_text(encoding="utf-8")
    assert render_card(**_cases()[name]) == expected
