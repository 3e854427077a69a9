"""Flags are stored as a code and values, and read in the reader's language; old texts are read back."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from annotations import quality
from annotations.flag_messages import field_warnings, finding_message, flag_message
from annotations.models import AIPhrase, QualityFlag
from tests.review.conftest import submit

pytestmark = pytest.mark.django_db
migration = importlib.import_module("annotations.migrations.0015_flag_details_to_codes")


def test_a_submission_stores_codes_and_values_not_sentences(user, other_user):
    first = submit(user, instruction="Why is the sea salty and not fresh like rivers?")
    with translation.override("fr"):
        second = submit(
            other_user,
            instruction="Why is the sea so salty and not fresh like the rivers?",
            response="Ask jane.doe@example.com, she knows why the sea is salty, said the sailor.",
        )
    flags = {flag.kind: flag for flag in QualityFlag.objects.filter(demonstration=second)}
    assert flags["personal_data"].params == {"code": "personal_data", "fields": {"response": ["email"]}}
    near = flags["near_duplicate"].params
    assert near["code"] == "near_duplicate" and near["demonstration"] == first.pk and 0 < near["similarity"] < 1
    assert all(flag.detail == "" for flag in flags.values())


def test_the_message_follows_the_active_language(user):
    demo = submit(user, response="As an AI language model I can say: write to jane.doe@example.com about the sky.")
    pii = QualityFlag.objects.get(demonstration=demo, kind="personal_data")
    ai = QualityFlag.objects.get(demonstration=demo, kind="ai_phrasing")
    with translation.override("en"):
        assert pii.message == "Response: e-mail address"
        assert ai.message == "Response: “as an ai language model”"
    with translation.override("fr"):
        assert pii.message == "Réponse\u00a0: adresse e-mail"
        assert flag_message(ai) == "Réponse\u00a0: «\u00a0as an ai language model\u00a0»"


@pytest.mark.parametrize(
    ("code", "params", "english", "french"),
    [
        (
            "near_duplicate",
            {"similarity": 0.87},
            "Instruction 87% similar to another.",
            "Consigne similaire à 87 % à une autre.",
        ),
        (
            "source_not_allowed",
            {"host": "blog.example.com"},
            "Source host blog.example.com is not in the allowed list.",
            "L’hôte source blog.example.com n’est pas dans la liste autorisée.",
        ),
        (
            "source_missing",
            {},
            "No source address given for the reference text.",
            "Aucune adresse source indiquée pour le texte de référence.",
        ),
        (
            "citation_markers",
            {"fields": {"context": 1, "response": 2}},
            "Bracketed citation markers (Reference text: 1 marker; Response: 2 markers).",
            "Marqueurs de citation entre crochets "
            "(Texte de référence\u00a0: 1 marqueur\u00a0; Réponse\u00a0: 2 marqueurs).",
        ),
    ],
)
def test_every_code_reads_in_english_and_french(code, params, english, french):
    with translation.override("en"):
        assert finding_message(code, {"code": code, **params}) == english
    with translation.override("fr"):
        assert finding_message(code, {"code": code, **params}) == french


def test_an_unknown_code_shows_the_stored_text_and_bad_values_do_not_raise():
    assert finding_message("", {}, "Some old text") == "Some old text"
    assert finding_message("response_too_short", {"length": "many"}, "kept") == "kept"
    assert field_warnings("citation_markers", {"fields": {"response": "x"}}) == []


def test_warnings_name_the_field_they_concern_in_the_authors_language(user):
    AIPhrase.objects.get_or_create(phrase="as an ai language model")
    demo = submit(user, response="As an AI language model: mail jane.doe@example.com for the answer to this.")
    findings = quality.run_checks(demo)
    with translation.override("fr"):
        warnings = [w for f in findings for w in field_warnings(f.code, f.params)]
    fields = [field for field, _ in warnings]
    assert fields.count("response") == 2
    assert any(message.startswith("Données personnelles\u00a0: adresse e-mail") for _, message in warnings)


@pytest.mark.parametrize(
    ("kind", "detail", "params"),
    [
        ("exact_duplicate", "Same instruction and reference text as another.", {"code": "exact_duplicate"}),
        ("near_duplicate", "Instruction 87% similar to another.", {"code": "near_duplicate", "similarity": 0.87}),
        ("near_duplicate", "Consigne similaire à 91 % à une autre.", {"code": "near_duplicate", "similarity": 0.91}),
        (
            "personal_data",
            "instruction: phone number; response: e-mail address, IP address",
            {"code": "personal_data", "fields": {"instruction": ["phone"], "response": ["email", "ip"]}},
        ),
        ("personal_data", "response: adresse e-mail", {"code": "personal_data", "fields": {"response": ["email"]}}),
        (
            "ai_phrasing",
            "response: “as an ai language model”",
            {"code": "ai_phrasing", "fields": {"response": "as an ai language model"}},
        ),
        ("missing_context", "Closed QA needs a reference text.", {"code": "missing_context", "category": "Closed QA"}),
        (
            "source_not_allowed",
            "Source host blog.example.com is not in the allowed list.",
            {"code": "source_not_allowed", "host": "blog.example.com"},
        ),
        ("source_not_allowed", "No source address given for the reference text.", {"code": "source_missing"}),
        (
            "citation_markers",
            "Bracketed citation markers (reference text: 3, response: 1).",
            {"code": "citation_markers", "fields": {"context": 3, "response": 1}},
        ),
        (
            "response_too_short",
            "11 characters; Open QA asks for at least 30.",
            {"code": "response_too_short", "length": 11, "category": "Open QA", "minimum": 30},
        ),
        ("response_equals_context", "The response repeats the reference text.", {"code": "response_equals_context"}),
    ],
)
def test_the_migration_reads_old_sentences_back(kind, detail, params):
    assert migration.read_detail(kind, detail) == params


def test_the_migration_rewrites_stored_flags_and_keeps_unknown_text(user, other_user):
    first = submit(user, instruction="Why is the sea salty and not fresh like rivers?")
    second = submit(other_user, instruction="What makes the sea salty and the rivers fresh?")
    QualityFlag.objects.filter(demonstration__in=[first, second]).delete()
    old = QualityFlag.objects.create(
        demonstration=second, kind="near_duplicate", detail="Instruction 90% similar to another.", other=first
    )
    odd = QualityFlag.objects.create(demonstration=second, kind="personal_data", detail="response: a secret recipe")
    migration.details_to_codes(apps, None)
    old.refresh_from_db()
    odd.refresh_from_db()
    assert old.params == {"code": "near_duplicate", "similarity": 0.9, "demonstration": first.pk} and old.detail == ""
    assert odd.params == {} and odd.message == "response: a secret recipe"
    with translation.override("fr"):
        assert old.message == "Consigne similaire à 90 % à une autre."
    migration.codes_to_details(apps, None)
    old.refresh_from_db()
    assert old.detail == "Instruction 90% similar to another."
