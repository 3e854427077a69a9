"""Each automatic flag, positive and negative, and the submit paths that compute them."""

import pytest
from django.db import connection

from annotations import quality
from annotations import services as demonstration_services
from annotations.models import AIPhrase, Category, QualityFlag
from annotations.text import normalise, text_hash, trigram_similarity

from .conftest import category, submit

pytestmark = pytest.mark.django_db
WIKI = "https://en.wikipedia.org/wiki/Rayleigh_scattering"
# The first two LSH bands of "Why is the sky blue?": stored bands must not change silently.
BANDS_OF_SKY = [4290504869986559413, 1222530833432106127]
PASSAGE = (
    "Rayleigh scattering is the scattering of light by particles much smaller than its wavelength. "
    "It explains why the daytime sky is blue and why sunsets are red."
)


def kinds(demonstration):
    return set(QualityFlag.objects.filter(demonstration=demonstration).values_list("kind", flat=True))


def flag(demonstration, kind):
    return QualityFlag.objects.get(demonstration=demonstration, kind=kind)


def test_a_clean_submission_has_no_flags(user):
    assert kinds(submit(user)) == set()


def test_normalised_hash_ignores_case_punctuation_and_spacing():
    assert normalise("  Why is the SKY blue?!  ") == "why is the sky blue"
    assert text_hash("Why is the sky blue?", "") == text_hash("why is the   sky blue", "")
    assert text_hash("Why is the sky blue?", "") != text_hash("Why is the sea blue?", "")
    assert text_hash("", "") == ""


class TestDuplicates:
    def test_exact_duplicate_points_to_the_first(self, user, other_user):
        first = submit(user, instruction="Why is the sky blue?")
        second = submit(other_user, instruction="  why is the SKY blue ")
        assert flag(second, "exact_duplicate").other_id == first.pk
        assert "exact_duplicate" not in kinds(first)

    def test_same_instruction_with_another_reference_text_is_no_duplicate(self, user, other_user):
        submit(
            user,
            key="summarization",
            instruction="Summarise this passage.",
            context=PASSAGE,
            source_url=WIKI,
            response="Small particles scatter blue light; hence a blue sky and red sunsets.",
        )
        other = submit(
            other_user,
            key="summarization",
            instruction="Summarise this passage.",
            context="The Aller is a river in Lower Saxony that joins the Weser near Verden.",
            source_url="https://de.wikipedia.org/wiki/Aller",
            response="A German river joining the Weser.",
        )
        assert not kinds(other) & {"exact_duplicate", "near_duplicate"}

    def test_drafts_and_rejected_records_do_not_count(self, user, other_user):
        demonstration_services.demonstration_create(
            author=user, category=category("open_qa"), instruction="Why is the sky blue?", response="Scattering."
        )
        rejected = submit(user, instruction="Why is the sky blue?")
        rejected.__class__.objects.filter(pk=rejected.pk).update(status="rejected")
        assert not kinds(submit(other_user, instruction="Why is the sky blue?")) & {"exact_duplicate", "near_duplicate"}

    def test_near_duplicate_above_threshold(self, user, other_user):
        first = submit(user, instruction="Why is the sea salty and not fresh like rivers?")
        second = submit(other_user, instruction="Why is the sea so salty and not fresh like the rivers?")
        near = flag(second, "near_duplicate")
        assert near.other_id == first.pk
        assert near.params == {
            "code": "near_duplicate",
            "similarity": pytest.approx(near.params["similarity"]),
            "demonstration": first.pk,
        }
        assert near.params["similarity"] >= quality.near_duplicate_threshold()
        assert "% similar" in near.message
        assert "exact_duplicate" not in kinds(second)

    def test_different_question_is_not_a_near_duplicate(self, user, other_user):
        submit(user, instruction="What is the capital of France?")
        assert "near_duplicate" not in kinds(submit(other_user, instruction="What is the capital of Spain?"))

    def test_exact_duplicate_is_not_reported_twice_as_near(self, user, other_user):
        submit(user, instruction="Why is the sky blue?")
        assert kinds(submit(other_user, instruction="Why is the sky blue?")) == {"exact_duplicate"}

    def test_python_similarity_matches_pg_trgm(self):
        pairs = [
            ("What is the capital of France?", "What is the capital of Spain?"),
            ("Why is the sea salty?", "Why is the sea so salty?"),
            ("Give me a list of 5 fruits", "Give me a list of five fruits"),
        ]
        if connection.vendor != "postgresql":
            assert round(trigram_similarity(*pairs[0]), 4) == 0.6389
            return
        with connection.cursor() as cursor:
            for a, b in pairs:
                cursor.execute("SELECT similarity(%s, %s)", [a, b])
                assert trigram_similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


class TestPersonalData:
    @pytest.mark.parametrize(
        ("text", "found"),
        [
            ("Write to jane.doe+hr@example.co.uk for details.", "email"),
            ("Call me on +44 20 7946 0958 after six.", "phone"),
            ("Ring (555) 123-4567 tomorrow.", "phone"),
            ("My card is 4111 1111 1111 1111, expiry 12/29.", "card"),
            ("Pay with 5500-0000-0000-0004 please.", "card"),
            ("The server is at 192.168.10.24 on the LAN.", "ip"),
            ("Ping 2001:db8::8a2e:370:7334 to test.", "ip"),
        ],
    )
    def test_found(self, user, text, found):
        demo = submit(user, response=f"Sure. {text} Thanks for asking about it.")
        params = flag(demo, "personal_data").params
        assert params["code"] == "personal_data"
        assert list(params["fields"]) == ["response"]
        assert found in params["fields"]["response"]
        assert flag(demo, "personal_data").message.startswith("Response: ")

    @pytest.mark.parametrize(
        "text",
        [
            "The war lasted from 1939 to 1945, 2,190 days in all.",
            "Version 3.11 came out on 2023-10-02 at 10:30:00.",
            "The number 4111 1111 1111 1112 fails the Luhn check.",
            "An ISBN such as 978-0-306-40615-7 identifies a book.",
            "Use the @decorator syntax in Python.",
            "The ratio was 999.1.2 in the draft notation.",
        ],
    )
    def test_not_found(self, user, text):
        assert "personal_data" not in kinds(submit(user, response=f"Here it is. {text}"))

    def test_luhn(self):
        assert quality.luhn_valid("4111111111111111")
        assert not quality.luhn_valid("4111111111111112")


class TestAIPhrasing:
    def test_seeded_phrase_in_the_response(self, user):
        demo = submit(user, response="As an AI language model, I think the sky is blue because of scattering.")
        assert flag(demo, "ai_phrasing").params["fields"] == {"response": "as an ai language model"}
        assert "as an ai language model" in flag(demo, "ai_phrasing").message

    def test_curly_quotes_and_case_do_not_hide_a_phrase(self, user):
        demo = submit(user, response="I\u2019m sorry, but as an AI I cannot say; ask CHATGPT instead.")
        assert "ai_phrasing" in kinds(demo)

    def test_phrase_must_be_whole_words(self, user):
        assert "ai_phrasing" not in kinds(submit(user, response="The Chinese city of Dalian has a busy port."))
        assert "ai_phrasing" not in kinds(
            submit(
                user,
                instruction="What does an openair museum show?",
                response="Buildings moved from elsewhere, rebuilt outdoors.",
            )
        )

    def test_admins_edit_the_list(self, user):
        AIPhrase.objects.create(phrase="delve into the tapestry")
        assert "ai_phrasing" in kinds(submit(user, response="Let us delve into the tapestry of sea salt."))
        AIPhrase.objects.filter(phrase="chatgpt").update(is_active=False)
        assert "ai_phrasing" not in kinds(
            submit(
                user,
                instruction="What is ChatGPT used for?",
                response="People use it to draft text and answer questions.",
            )
        )


class TestReferenceText:
    def test_allowed_source_and_subdomains(self, user):
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE,
            source_url=WIKI,
            response="Because of Rayleigh scattering by small particles.",
        )
        assert kinds(demo) == set()
        assert quality.source_host_allowed("https://wikipedia.org/wiki/X")
        assert not quality.source_host_allowed("https://notwikipedia.org/wiki/X")
        assert not quality.source_host_allowed("https://wikipedia.org.evil.test/wiki/X")

    def test_source_not_in_the_list(self, user):
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE,
            source_url="https://blog.example.com/sky",
            response="Rayleigh scattering.",
        )
        assert flag(demo, "source_not_allowed").params == {"code": "source_not_allowed", "host": "blog.example.com"}

    def test_allowed_hosts_come_from_the_setting(self, user, settings):
        settings.DOLLY_SOURCE_HOSTS = ["example.com"]
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE,
            source_url="https://blog.example.com/sky",
            response="Rayleigh scattering.",
        )
        assert "source_not_allowed" not in kinds(demo)

    def test_missing_context_and_missing_source_on_import(self, user):
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE,
            source_url=WIKI,
            response="Rayleigh scattering.",
        )
        demo.context, demo.source_url = "", ""
        found = {f.kind for f in quality.run_checks(demo)}
        assert {"missing_context", "source_not_allowed"} <= found

    def test_citation_markers(self, user):
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE + " It was named after Lord Rayleigh.[3][12] [citation needed]",
            source_url=WIKI,
            response="Rayleigh scattering.",
        )
        assert flag(demo, "citation_markers").params == {"code": "citation_markers", "fields": {"context": 3}}
        assert "Reference text: 3 markers" in flag(demo, "citation_markers").message

    def test_no_citation_markers(self, user):
        demo = submit(
            user,
            key="closed_qa",
            instruction="Why is the sky blue, per the text?",
            context=PASSAGE + " See the list [of sources] below.",
            source_url=WIKI,
            response="Rayleigh scattering.",
        )
        assert "citation_markers" not in kinds(demo)


class TestResponse:
    def test_too_short_for_the_category(self, user):
        Category.objects.filter(key="open_qa").update(min_response_chars=30)
        demo = submit(user, response="Scattering.")
        assert flag(demo, "response_too_short").params["length"] == 11
        assert "11 characters" in flag(demo, "response_too_short").message

    def test_long_enough_or_no_minimum(self, user):
        Category.objects.filter(key="open_qa").update(min_response_chars=0)
        assert "response_too_short" not in kinds(submit(user, response="Ok."))
        Category.objects.filter(key="open_qa").update(min_response_chars=10)
        assert "response_too_short" not in kinds(submit(user, instruction="Other question?", response="Exactly ten"))

    def test_response_identical_to_context(self, user):
        demo = submit(
            user,
            key="summarization",
            instruction="Summarise this.",
            context=PASSAGE,
            source_url=WIKI,
            response=PASSAGE.upper(),
        )
        assert "response_equals_context" in kinds(demo)

    def test_response_different_from_context(self, user):
        demo = submit(
            user,
            key="summarization",
            instruction="Summarise this.",
            context=PASSAGE,
            source_url=WIKI,
            response="Tiny particles scatter blue light most: blue skies, red sunsets.",
        )
        assert "response_equals_context" not in kinds(demo)


class TestSubmitPaths:
    def test_drafts_are_not_checked(self, user):
        demo, _ = demonstration_services.demonstration_create(
            author=user, category=category("open_qa"), instruction="Email me at a@example.com", response="x"
        )
        assert kinds(demo) == set()

    def test_update_with_submit_checks(self, user):
        demo, _ = demonstration_services.demonstration_create(
            author=user, category=category("open_qa"), instruction="How tall is Everest?", response="8,849 m"
        )
        submitted = demonstration_services.demonstration_update(
            demonstration=demo,
            editor=user,
            expected_version=1,
            submit=True,
            changes={"response": "8,849 metres. Mail me at bob@example.com for the source."},
        )
        assert "personal_data" in kinds(submitted)

    def test_submit_checks_and_resubmission_replaces_flags(self, user, reviewer):
        from review import services

        demo, _ = demonstration_services.demonstration_create(
            author=user,
            category=category("open_qa"),
            instruction="How tall is Everest?",
            response="8,849 m; write to bob@example.com",
        )
        demo = demonstration_services.demonstration_submit(demonstration=demo, actor=user)
        assert kinds(demo) == {"personal_data"}
        services.review_request_changes(demonstration=demo, reviewer=reviewer, reason="personal_data")
        demo.refresh_from_db()
        demonstration_services.demonstration_update(
            demonstration=demo,
            editor=user,
            expected_version=demo.version,
            submit=True,
            changes={"response": "Mount Everest is 8,849 metres above sea level."},
        )
        assert kinds(demo) == set()

    def test_reviewer_edit_recomputes_flags(self, user, reviewer):
        from review import services

        demo = submit(user, response="Blue light scatters more. Call 0207 946 0958 to discuss.")
        assert "personal_data" in kinds(demo)
        services.review_edit(
            demonstration=demo,
            reviewer=reviewer,
            expected_version=demo.version,
            changes={"response": "Blue light scatters more than red light does."},
        )
        assert "personal_data" not in kinds(demo)


class TestLSHBands:
    def test_band_values_are_stable(self):
        from annotations.text import minhash_bands

        assert minhash_bands("Why is the sky blue?") == minhash_bands("why is the SKY blue")
        assert minhash_bands("Why is the sky blue?")[:2] == BANDS_OF_SKY
        assert minhash_bands("?!") == []

    def test_submitted_instructions_are_indexed_drafts_are_not(self, user):
        from annotations.models import InstructionBand

        draft, _ = demonstration_services.demonstration_create(
            author=user, category=category("open_qa"), instruction="A draft about tides?", response="Moon."
        )
        submitted = submit(user)
        assert InstructionBand.objects.filter(demonstration=draft).count() == 0
        assert InstructionBand.objects.filter(demonstration=submitted).count() == 16

    def test_near_duplicate_across_categories(self, user, other_user):
        first = submit(user, key="general_qa", instruction="How should I prepare for my first performance review?")
        second = submit(other_user, instruction="How should I prepare for my first performance reviews?")
        assert flag(second, "near_duplicate").other_id == first.pk

    def test_near_duplicate_with_the_same_reference_text(self, user, other_user):
        first = submit(
            user,
            key="closed_qa",
            instruction="According to the passage, why is the sky blue?",
            context=PASSAGE,
            source_url=WIKI,
            response="Rayleigh scattering.",
        )
        second = submit(
            other_user,
            key="closed_qa",
            instruction="According to this passage, why is the sky blue?",
            context=PASSAGE,
            source_url=WIKI,
            response="Because of Rayleigh scattering.",
        )
        assert flag(second, "near_duplicate").other_id == first.pk


def test_refresh_instruction_bands_command(user):
    from django.core.management import call_command

    from annotations.models import InstructionBand

    submit(user)
    submit(user, instruction="Another question about the colour of the sea?")
    InstructionBand.objects.all().delete()
    call_command("refresh_instruction_bands", "--batch-size", "1")
    assert InstructionBand.objects.count() == 32


def test_refresh_instruction_bands_for_some_ids(user, other_user):
    from annotations.models import InstructionBand
    from annotations.quality import refresh_instruction_bands

    first = submit(user)
    second = submit(user, instruction="Another question about the colour of the sea?")
    InstructionBand.objects.all().delete()
    assert refresh_instruction_bands(demonstration_ids=[second.pk]) == 1
    assert set(InstructionBand.objects.values_list("demonstration_id", flat=True)) == {second.pk}
    copy = submit(other_user, instruction="Another question about the colour of the seas?")
    assert flag(copy, "near_duplicate").other_id == second.pk
    assert first.pk not in set(InstructionBand.objects.values_list("demonstration_id", flat=True))
