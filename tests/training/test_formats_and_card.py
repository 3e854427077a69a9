"""Chat messages and dolly prompt formats, and the card's ``configs`` read by the Hugging Face ``datasets`` library."""

import json

import pytest
import yaml

from datasets.training_formats import DOLLY_INTRO, PROMPT_NO_INPUT, PROMPT_WITH_INPUT

from .hf import load_splits

pytestmark = pytest.mark.django_db


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def records(approved):
    approved("closed_qa", instruction="When did the tower open?", context="The tower opened in 1889.", response="1889.")
    for n in range(11):
        approved("open_qa", instruction=f"Open question {n}?", response=f"Answer {n}.")
    approved("summarization", instruction="Summarise this.", context="A long passage.", response="Short.")


def test_chat_messages_put_the_reference_text_in_the_user_turn(records, build, release_folder):
    release = build(formats=("chat",))
    rows = lines(release_folder(release) / "data.chat.jsonl")
    assert len(rows) == 13 and all(set(row) == {"messages"} for row in rows)
    by_answer = {row["messages"][1]["content"]: row["messages"] for row in rows}
    assert by_answer["1889."] == [
        {"role": "user", "content": "When did the tower open?\n\nThe tower opened in 1889."},
        {"role": "assistant", "content": "1889."},
    ]
    assert by_answer["Answer 3."][0] == {"role": "user", "content": "Open question 3?"}


def test_dolly_prompts_follow_dolly_training_code(records, build, release_folder):
    release = build(formats=("dolly_prompt",))
    texts = {row["text"] for row in lines(release_folder(release) / "data.prompt.jsonl")}
    with_input = (
        f"{DOLLY_INTRO}\n\n### Instruction:\nWhen did the tower open?\n\nInput:\nThe tower opened in 1889.\n\n"
        "### Response:\n1889.\n\n### End"
    )
    without_input = f"{DOLLY_INTRO}\n\n### Instruction:\nOpen question 0?\n\n### Response:\nAnswer 0.\n\n### End"
    assert with_input in texts and without_input in texts and len(texts) == 13
    card = (release_folder(release) / "README.md").read_text()
    assert PROMPT_WITH_INPUT in card and PROMPT_NO_INPUT in card and "## Training templates" in card


def test_the_card_lists_each_format_s_files_per_split(records, build, release_folder):
    release = build(formats=("jsonl", "chat"), test_fraction=0.25)
    card = (release_folder(release) / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["configs"] == [
        {
            "config_name": "jsonl",
            "default": True,
            "data_files": [{"split": "train", "path": "train.jsonl"}, {"split": "test", "path": "test.jsonl"}],
        },
        {
            "config_name": "chat",
            "data_files": [
                {"split": "train", "path": "train.chat.jsonl"},
                {"split": "test", "path": "test.chat.jsonl"},
            ],
        },
    ]


def test_load_dataset_on_the_release_folder_gives_the_splits(records, build, release_folder, tmp_path):
    release = build(formats=("jsonl", "parquet", "chat", "dolly_prompt"), test_fraction=0.25)
    counts = release.counts["splits"]
    expected = {split: sum(per_category.values()) for split, per_category in counts.items()}
    assert expected["train"] + expected["test"] == 13 and expected["test"] > 0

    default = load_splits(release_folder(release), tmp_path)
    assert {split: part["rows"] for split, part in default.items()} == expected
    assert default["train"]["columns"] == ["instruction", "context", "response", "category"]
    chat = load_splits(release_folder(release), tmp_path, "chat")
    assert {split: part["rows"] for split, part in chat.items()} == expected
    assert [turn["role"] for turn in chat["test"]["first"]["messages"]] == ["user", "assistant"]
    prompts = load_splits(release_folder(release), tmp_path, "dolly_prompt")
    assert prompts["train"]["columns"] == ["text"] and prompts["train"]["first"]["text"].endswith("### End")
