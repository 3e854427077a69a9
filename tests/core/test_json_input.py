"""``loads_unique_keys`` reads an import line as ``json.loads`` with ``refuse_duplicate_keys`` does:
the same value, or the same error, whatever the text."""

import json

import pytest

from core.json_input import JSONInputError, loads_unique_keys, refuse_duplicate_keys

TEXTS = [
    '{"instruction": "a", "context": "", "response": "b", "category": "open_qa"}',
    '{"a": "x", "a": "y"}',
    '{"a": "x", "b": "y", "a": "x"}',
    '{"a": {"b": "1", "b": "2"}}',
    '{"a": {"a": "1"}, "a": "2"}',
    '{"a": "x", "b": {"c": "1", "c": "2"}, ',
    '{"a": 1, "b": null, "c": true, "d": [1, {"e": "f"}]}',
    '{"a": NaN}',
    "\ufeff" + '{"a": "b"}',
    '{"a": "b"',
    '{"a": "b"} trailing',
    '[["a", "b"]]',
    '"text"',
    ' {"a": "b"}',
    "{}",
    '{"a": "\\ud800", "b": "\\n\\u00e9"}',
    '{"a": [' * 3000,
]


def outcome(read, text):
    try:
        return "value", read(text)
    except (JSONInputError, ValueError, RecursionError) as error:
        return type(error).__name__, str(error), getattr(error, "key", None)


@pytest.mark.parametrize("text", TEXTS)
def test_the_same_value_or_the_same_error_as_the_strict_hook(text):
    assert outcome(loads_unique_keys, text) == outcome(
        lambda t: json.loads(t, object_pairs_hook=refuse_duplicate_keys), text
    )
