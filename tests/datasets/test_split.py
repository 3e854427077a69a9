"""The train/test split: the same data and seed give the same files; every category gets its share."""

import pytest

from datasets import sources
from datasets.options import ExportOptions
from datasets.services import export_to_path
from datasets.split import SplitPlanner, allocate, share_of, split_rank

from .conftest import read_jsonl

pytestmark = pytest.mark.django_db

SIZES = {"open_qa": 20, "closed_qa": 10, "brainstorming": 7, "classification": 1}


@pytest.fixture
def records(approved, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 3)
    for key, n in SIZES.items():
        for i in range(n):
            approved(key, instruction=f"{key} question {i}")


def split_export(directory, seed=42, fraction=0.25):
    directory.mkdir(exist_ok=True)
    export_to_path(ExportOptions.from_dict({"test_fraction": fraction, "seed": seed}), directory)
    return read_jsonl(directory / "train.jsonl"), read_jsonl(directory / "test.jsonl")


def test_split_is_deterministic(records, tmp_path):
    split_export(tmp_path / "a")
    split_export(tmp_path / "b")
    for name in ("train.jsonl", "test.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_split_is_stratified_by_category(records, tmp_path):
    train, test = split_export(tmp_path / "s")
    for key, n in SIZES.items():
        in_test = sum(1 for r in test if r["category"] == key)
        in_train = sum(1 for r in train if r["category"] == key)
        assert in_test == allocate(SIZES, 0.25)[key], key
        assert in_test + in_train == n
    assert allocate(SIZES, 0.25) == {"open_qa": 5, "closed_qa": 3, "brainstorming": 2, "classification": 0}
    assert sum(1 for _ in test) == share_of(sum(SIZES.values()), 0.25)


@pytest.mark.parametrize(
    ("sizes", "fraction", "expected"),
    [
        ({"a": 1, "b": 1, "c": 2, "d": 2, "e": 2, "f": 2}, 0.2, {"a": 0, "b": 0, "c": 1, "d": 1, "e": 0, "f": 0}),
        ({"a": 1000, "b": 10}, 0.1, {"a": 100, "b": 1}),
        ({"a": 3, "b": 3, "c": 3}, 0.5, {"a": 2, "b": 2, "c": 1}),
    ],
)
def test_allocation_keeps_every_share_within_one_of_its_quota(sizes, fraction, expected):
    shares = allocate(sizes, fraction)
    assert shares == expected
    assert sum(shares.values()) == share_of(sum(sizes.values()), fraction)
    assert all(abs(shares[k] - sizes[k] * fraction) < 1 for k in sizes)


def test_split_partitions_the_records_and_keeps_order(records, tmp_path):
    train, test = split_export(tmp_path / "s")
    export_to_path(ExportOptions(), tmp_path)
    everything = read_jsonl(tmp_path / "data.jsonl")
    assert sorted(r["instruction"] for r in train + test) == sorted(r["instruction"] for r in everything)
    position = {r["instruction"]: i for i, r in enumerate(everything)}
    for part in (train, test):
        order = [position[r["instruction"]] for r in part]
        assert order == sorted(order)


def test_another_seed_gives_another_test_set(records, tmp_path):
    _, first = split_export(tmp_path / "a", seed=1)
    _, second = split_export(tmp_path / "b", seed=2)
    assert {r["instruction"] for r in first} != {r["instruction"] for r in second}


def test_rank_depends_on_content_and_seed_only():
    digest = "ab" * 32
    assert split_rank(7, digest) == split_rank(7, digest)
    assert split_rank(7, digest) != split_rank(8, digest)
    assert split_rank(7, digest) != split_rank(7, "cd" * 32)


def test_planner_takes_the_lowest_ranks_per_category():
    planner = SplitPlanner(fraction=0.5, seed=7)
    digests = {pk: f"{pk:064x}" for pk in range(1, 9)}
    for pk, digest in digests.items():
        planner.add("open_qa" if pk <= 4 else "closed_qa", pk, digest)
    chosen = planner.test_ids()
    for members in ({1, 2, 3, 4}, {5, 6, 7, 8}):
        expected = sorted(members, key=lambda pk: split_rank(7, digests[pk]))[:2]
        assert chosen & members == set(expected)
