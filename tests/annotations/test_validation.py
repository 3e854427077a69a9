"""The validation table of ``check_demonstration``: one case per rule and per field."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from annotations.models import Category
from annotations.validation import check_demonstration

CONTEXT_KEYS = ["closed_qa", "information_extraction", "summarization"]
NO_CONTEXT_KEYS = ["open_qa", "brainstorming", "classification", "creative_writing", "general_qa"]
SOURCE = "https://en.wikipedia.org/wiki/Lighthouse"

pytestmark = pytest.mark.django_db


def category(key):
    return Category.objects.get(key=key)


def complete_text(key, **overrides):
    """Everything a submission in category ``key`` needs."""
    values = {"instruction": "What happened in 1846?", "response": "A storm damaged the tower."}
    if key in CONTEXT_KEYS:
        values |= {"context": "In 1846 a storm damaged the timber tower.", "source_url": SOURCE}
    return values | overrides


def errors_of(**kwargs):
    with pytest.raises(ValidationError) as caught:
        check_demonstration(**kwargs)
    return caught.value.message_dict


def test_the_eight_categories_are_seeded_with_their_context_rule_guidelines_and_example():
    categories = {c.key: c for c in Category.objects.all()}
    assert set(categories) == set(CONTEXT_KEYS + NO_CONTEXT_KEYS)
    for key, c in categories.items():
        assert c.needs_context is (key in CONTEXT_KEYS)
        assert c.is_active
        assert c.guidelines.strip() and c.example_instruction.strip() and c.example_response.strip()
        assert bool(c.example_context) is c.needs_context


def test_default_limits_are_the_documented_ones():
    assert django_settings.DOLLY_MAX_INSTRUCTION_CHARS == 10_000
    assert django_settings.DOLLY_MAX_CONTEXT_CHARS == 100_000
    assert django_settings.DOLLY_MAX_RESPONSE_CHARS == 100_000


# Required fields ------------------------------------------------------------------------------


@pytest.mark.parametrize("instruction", ["", "   \n\t  ", None])
@pytest.mark.parametrize("complete", [False, True])
def test_instruction_is_required_for_drafts_and_submissions(instruction, complete):
    errors = errors_of(category=category("open_qa"), instruction=instruction, response="An answer.", complete=complete)
    assert list(errors) == ["instruction"]


@pytest.mark.parametrize("complete", [False, True])
def test_category_is_required(complete):
    errors = errors_of(category=None, instruction="Why?", response="Because.", complete=complete)
    assert list(errors) == ["category"]


@pytest.mark.parametrize("key", CONTEXT_KEYS + NO_CONTEXT_KEYS)
def test_a_draft_needs_only_an_instruction(key):
    text = check_demonstration(category=category(key), instruction="Half an idea", complete=False)
    assert text.as_dict() == {"instruction": "Half an idea", "context": "", "source_url": "", "response": ""}


@pytest.mark.parametrize("response", ["", "  \n "])
def test_a_submission_needs_a_response(response):
    errors = errors_of(category=category("open_qa"), instruction="Why?", response=response, complete=True)
    assert list(errors) == ["response"]


@pytest.mark.parametrize("key", CONTEXT_KEYS + NO_CONTEXT_KEYS)
def test_a_complete_submission_passes_in_every_category(key):
    text = check_demonstration(category=category(key), complete=True, **complete_text(key))
    assert text.response == "A storm damaged the tower."


def test_a_closed_category_is_refused():
    closed = category("open_qa")
    closed.is_active = False
    errors = errors_of(category=closed, complete=False, **complete_text("open_qa"))
    assert list(errors) == ["category"]
    assert "closed" in errors["category"][0]


def test_non_text_values_are_refused_by_field():
    errors = errors_of(category=category("open_qa"), instruction="Why?", response=42, complete=False)
    assert list(errors) == ["response"]


def test_every_failing_field_is_reported_at_once():
    errors = errors_of(category=category("closed_qa"), instruction="", response="", complete=True)
    assert set(errors) == {"instruction", "response", "context", "source_url"}


# Context rule per category ---------------------------------------------------------------------


@pytest.mark.parametrize("key", CONTEXT_KEYS)
def test_reference_text_is_required_where_the_category_needs_one(key):
    errors = errors_of(category=category(key), complete=True, **complete_text(key, context="  "))
    assert list(errors) == ["context"]


@pytest.mark.parametrize("key", CONTEXT_KEYS)
def test_source_url_is_required_where_the_category_needs_reference_text(key):
    errors = errors_of(category=category(key), complete=True, **complete_text(key, source_url=""))
    assert list(errors) == ["source_url"]


@pytest.mark.parametrize("key", CONTEXT_KEYS)
def test_imported_records_may_lack_a_source_url(key):
    text = check_demonstration(
        category=category(key), complete=True, require_source_url=False, **complete_text(key, source_url="")
    )
    assert text.source_url == ""


@pytest.mark.parametrize("key", NO_CONTEXT_KEYS)
def test_reference_text_is_not_allowed_where_the_category_does_not_use_one(key):
    errors = errors_of(category=category(key), complete=True, **complete_text(key, context="A passage."))
    assert list(errors) == ["context"]


@pytest.mark.parametrize("key", NO_CONTEXT_KEYS)
def test_source_url_is_not_allowed_where_the_category_does_not_use_one(key):
    errors = errors_of(category=category(key), complete=True, **complete_text(key, source_url=SOURCE))
    assert list(errors) == ["source_url"]


def test_a_draft_may_keep_reference_text_while_its_category_is_still_undecided():
    text = check_demonstration(
        category=category("open_qa"), instruction="Why?", context="A passage.", source_url=SOURCE, complete=False
    )
    assert text.context == "A passage."


# Source URL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "data:text/html,hi",
        "//example.com/page",
        "example.com/page",
        "https://",
        "not a url",
    ],
)
def test_only_http_and_https_source_urls_are_accepted(url):
    errors = errors_of(category=category("closed_qa"), complete=False, **complete_text("closed_qa", source_url=url))
    assert list(errors) == ["source_url"]


@pytest.mark.parametrize("url", ["http://intranet.example.com/wiki/Page", "https://en.wikipedia.org/wiki/Tower"])
def test_http_and_https_source_urls_pass(url):
    text = check_demonstration(
        category=category("closed_qa"), complete=True, **complete_text("closed_qa", source_url=url)
    )
    assert text.source_url == url


# Length limits ---------------------------------------------------------------------------------

LIMIT_SETTINGS = {
    "instruction": "DOLLY_MAX_INSTRUCTION_CHARS",
    "context": "DOLLY_MAX_CONTEXT_CHARS",
    "source_url": "DOLLY_MAX_SOURCE_URL_CHARS",
    "response": "DOLLY_MAX_RESPONSE_CHARS",
}


def text_of_length(field, length):
    if field == "source_url":
        prefix = "https://example.com/"
        return prefix + "a" * (length - len(prefix))
    return "x" * length


@pytest.mark.parametrize("field", list(LIMIT_SETTINGS))
def test_a_field_at_its_limit_passes(settings, field):
    setattr(settings, LIMIT_SETTINGS[field], 40)
    value = text_of_length(field, 40)
    text = check_demonstration(
        category=category("closed_qa"), complete=True, **complete_text("closed_qa", **{field: value})
    )
    assert getattr(text, field) == value


@pytest.mark.parametrize("field", list(LIMIT_SETTINGS))
def test_a_field_one_past_its_limit_is_refused(settings, field):
    setattr(settings, LIMIT_SETTINGS[field], 40)
    errors = errors_of(
        category=category("closed_qa"),
        complete=False,
        **complete_text("closed_qa", **{field: text_of_length(field, 41)}),
    )
    assert list(errors) == [field]
    assert "40" in errors[field][0] and "41" in errors[field][0]


def test_the_limit_counts_the_text_after_surrounding_whitespace_is_stripped(settings):
    settings.DOLLY_MAX_INSTRUCTION_CHARS = 10
    text = check_demonstration(category=category("open_qa"), instruction="  " + "x" * 10 + "\n\n", complete=False)
    assert text.instruction == "x" * 10


def test_the_default_limits_admit_long_dolly_style_records():
    text = check_demonstration(
        category=category("summarization"),
        instruction="i" * 10_000,
        context="c" * 100_000,
        source_url=SOURCE,
        response="r" * 100_000,
        complete=True,
    )
    assert len(text.context) == 100_000


# Characters ------------------------------------------------------------------------------------

BAD_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
TEXT_FIELDS = ["instruction", "context", "response"]


@pytest.mark.parametrize("char", BAD_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in BAD_CHARACTERS])
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_control_characters_are_refused_and_named(field, char):
    errors = errors_of(
        category=category("closed_qa"), complete=False, **complete_text("closed_qa", **{field: f"before{char}after"})
    )
    assert list(errors) == [field]
    assert f"U+{ord(char):04X}" in errors[field][0]
    assert "position 7" in errors[field][0]


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("strip", [True, False])
def test_trailing_control_characters_are_refused_not_stripped_away(field, strip):
    errors = errors_of(
        category=category("closed_qa"), complete=False, strip=strip, **complete_text("closed_qa", **{field: "text\x1f"})
    )
    assert list(errors) == [field]


def test_nul_in_the_source_url_is_refused():
    errors = errors_of(
        category=category("closed_qa"), complete=False, **complete_text("closed_qa", source_url=SOURCE + "\x00")
    )
    assert list(errors) == ["source_url"]


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_lone_surrogates_are_refused(field):
    errors = errors_of(
        category=category("closed_qa"), complete=False, **complete_text("closed_qa", **{field: "half \ud83d pair"})
    )
    assert list(errors) == [field]
    assert "surrogate" in errors[field][0]


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_newlines_tabs_and_carriage_returns_are_kept_inside_text(field):
    value = "line one\r\nline two\n\tindented \u00e9\u4e2d\U0001f600"
    text = check_demonstration(
        category=category("closed_qa"), complete=True, **complete_text("closed_qa", **{field: value})
    )
    assert getattr(text, field) == value


# Whitespace ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["instruction", "context", "source_url", "response"])
def test_surrounding_whitespace_is_stripped_for_typed_input(field):
    value = complete_text("closed_qa")[field]
    text = check_demonstration(
        category=category("closed_qa"), complete=True, **complete_text("closed_qa", **{field: f" \n\t{value} \r\n"})
    )
    assert getattr(text, field) == value


@pytest.mark.parametrize("field", ["instruction", "context", "response"])
def test_whitespace_is_kept_exactly_when_strip_is_off(field):
    value = complete_text("closed_qa")[field]
    text = check_demonstration(
        category=category("closed_qa"),
        complete=True,
        strip=False,
        **complete_text("closed_qa", **{field: f"  {value}\n"}),
    )
    assert getattr(text, field) == f"  {value}\n"
