"""Hostile text in every field is stored exactly as typed or refused with a 400 naming the field,
and wherever it is shown it is inert: escaped by the templates, sanitised by the Markdown filter."""

import json
import socket

import pytest
from django.urls import reverse

from annotations.models import Category, Demonstration, Status
from tests.factories import DemonstrationFactory, category

STORED_AS_TYPED = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "javascript:alert(document.cookie)",
    "[click me](javascript:alert(1)) and ![img](x onerror=alert(1))",
    "{{ request.user.password }} {% debug %}",
    "Right-to-left \u202etxt.exe\u202c and zero\u200bwidth",
    "' OR 1=1; DROP TABLE annotations_demonstration; --",
    "emoji 🦜 and combining e\u0301",
]
REFUSED = {
    "NUL byte": "before\x00after",
    "lone surrogate": "half \ud800 a pair",
}
TEXT_FIELDS = ["instruction", "response"]


def _post(api, **fields):
    body = {"category": "open_qa", "instruction": "A plain question?", "response": "A plain answer.", **fields}
    return api.post(reverse("api:demonstration-list"), data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("text", STORED_AS_TYPED)
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_hostile_text_is_stored_exactly_as_typed(api_for, user, field, text):
    response = _post(api_for(user), **{field: text})
    assert response.status_code == 201, response.content
    stored = Demonstration.objects.get(public_id=response.json()["id"])
    assert getattr(stored, field) == text.strip()
    assert response.json()[field] == text.strip()


@pytest.mark.parametrize("label", sorted(REFUSED))
@pytest.mark.parametrize("field", TEXT_FIELDS + ["context"])
def test_unstorable_characters_are_refused_with_a_400_naming_the_field(api_for, user, field, label):
    fields = {field: REFUSED[label]}
    if field == "context":
        fields.update(category="closed_qa", source_url="https://en.wikipedia.org/wiki/Parrot")
    response = _post(api_for(user), **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Demonstration.objects.exists()


def test_the_web_form_refuses_a_nul_byte_with_a_message(client_for, user):
    response = client_for(user).post(
        reverse("demonstration-create"),
        {
            "category": "open_qa",
            "instruction": "bad\x00byte",
            "response": "fine",
            "action": "save",
        },
    )
    assert response.status_code in (200, 400)
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize(
    "field,limit", [("instruction", "DOLLY_MAX_INSTRUCTION_CHARS"), ("response", "DOLLY_MAX_RESPONSE_CHARS")]
)
def test_text_over_the_limit_is_refused(api_for, user, settings, field, limit):
    response = _post(api_for(user), **{field: "x" * (getattr(settings, limit) + 1)})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "not a url",
    ],
)
def test_source_urls_other_than_http_and_https_are_refused(api_for, user, url):
    response = _post(api_for(user), category="closed_qa", context="A passage about parrots.", source_url=url)
    assert response.status_code == 400
    assert "source_url" in response.json()


def test_source_urls_are_never_fetched(api_for, user, reviewer, settings):
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(8)
        trap.setblocking(False)
        url = f"http://127.0.0.1:{trap.getsockname()[1]}/wiki/Parrot"
        response = _post(
            api_for(user), category="closed_qa", context="Parrots are birds that talk.", source_url=url, submit=True
        )
        assert response.status_code == 201, response.content
        public_id = response.json()["id"]
        api_for(reviewer).get(reverse("api:demonstration-detail", kwargs={"id": public_id}))
        api_for(reviewer).post(
            reverse("api:demonstration-review", kwargs={"id": public_id}),
            {"decision": "approve", "version": response.json()["version"]},
            format="json",
        )
        with pytest.raises(BlockingIOError):
            trap.accept()
    assert Demonstration.objects.get(public_id=public_id).source_url == url


PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def _assert_inert(html):
    assert "<script>window.__pwned" not in html
    assert '<img src=x onerror="window.__pwned' not in html
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in html


def test_pages_escape_hostile_text(client_for, user, reviewer):
    demonstration = DemonstrationFactory(author=user, instruction=PAYLOAD, response=PAYLOAD, context="")
    for name in ("demonstration-detail", "demonstration-edit"):
        page = client_for(user).get(reverse(name, kwargs={"public_id": demonstration.public_id})).content.decode()
        _assert_inert(page)
    _assert_inert(client_for(user).get(reverse("demonstration-list")).content.decode())
    demonstration.status = Status.SUBMITTED
    demonstration.save()
    reviewer_page = client_for(reviewer).get(reverse("review-open", kwargs={"public_id": demonstration.public_id}))
    _assert_inert(reviewer_page.content.decode())


def test_markdown_guidelines_are_sanitised(client_for, user):
    open_qa = category("open_qa")
    open_qa.guidelines = (
        "Be **kind**. <script>window.__pwned=1</script> <img src=x onerror=alert(1)> "
        '[bad](javascript:alert(1)) [good](https://example.com/ok) <a href="jaVasCript:alert(1)">x</a>'
    )
    open_qa.save()
    page = client_for(user).get(reverse("category-detail", kwargs={"key": open_qa.key})).content.decode()
    assert "<strong>kind</strong>" in page
    assert "<script>window.__pwned" not in page
    assert "onerror" not in page
    assert "javascript:" not in page.lower()
    assert 'href="https://example.com/ok"' in page
    assert Category.objects.get(key="open_qa").guidelines == open_qa.guidelines


# Hostile bodies and numbers: each a 400 that says what is wrong, never a 500, never stored. ------

DEMONSTRATIONS = "/api/v1/demonstrations/"
NESTED = "[" * 1500 + "]" * 1500
UNICODE_DIGITS = ["²", "٣", "１", "۴۲"]  # superscript two, Arabic-Indic, fullwidth and Persian digits
HUGE = "1" * 40


def _multipart(fields):
    boundary = b"hostile-boundary"
    parts = [
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--" + boundary + b"--\r\n", "multipart/form-data; boundary=hostile-boundary"


INVALID_UTF8_BODIES = {
    "json": (b'{"category": "open_qa", "instruction": "caf\xe9 \xff\xfe", "response": "A."}', "application/json"),
    "form": (b"category=open_qa&instruction=%ff%fe&response=A.", "application/x-www-form-urlencoded"),
    "multipart": _multipart({b"category": b"open_qa", b"instruction": b"\xff\xfe", b"response": b"A."}),
}


@pytest.mark.parametrize("content_type", sorted(INVALID_UTF8_BODIES))
def test_bytes_that_are_not_utf8_get_the_same_400_in_every_content_type(api_for, user, content_type):
    body, header = INVALID_UTF8_BODIES[content_type]
    response = api_for(user).generic("POST", DEMONSTRATIONS, body, content_type=header)
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert "UTF-8" in detail
    if content_type != "json":
        assert "instruction" in detail
    assert not Demonstration.objects.exists()


def test_a_form_on_a_page_with_bytes_that_are_not_utf8_is_a_400(client_for, user):
    response = client_for(user).generic(
        "POST",
        reverse("demonstration-create"),
        b"category=open_qa&instruction=caf%e9&response=A.&action=save",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "instruction" in response.content.decode() and "UTF-8" in response.content.decode()
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize(
    "body,named",
    [
        ('{"category": "open_qa", "instruction": "Q?", "response": "A.", "response": "B."}', "response"),
        ('{"category": "open_qa", "category": "brainstorming", "instruction": "Q?"}', "category"),
        ('{"category": "open_qa", "instruction": "Q?", "extra": {"a": 1, "a": 2}}', "“a”"),
    ],
)
def test_duplicate_json_keys_are_a_400_naming_the_key(api_for, user, body, named):
    response = api_for(user).generic("POST", DEMONSTRATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert "Duplicate key" in response.json()["detail"] and named in response.json()["detail"]
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize(
    "body",
    [NESTED, '{"instruction": ' + NESTED + "}", '{"a": ' * 2000 + "1" + "}" * 2000, "[" * 100_000],
    ids=["array", "in a field", "objects", "unclosed"],
)
def test_deeply_nested_json_is_a_400(api_for, user, body):
    response = api_for(user).generic("POST", DEMONSTRATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize("value", [*UNICODE_DIGITS, HUGE, "-" + HUGE, "1e3", "NaN"])
@pytest.mark.parametrize("content_type", ["json", "form"])
def test_a_version_that_is_not_a_whole_ascii_number_is_a_400_naming_it(api_for, user, value, content_type):
    demonstration = DemonstrationFactory(author=user, response="Kept.")
    url = f"{DEMONSTRATIONS}{demonstration.public_id}/"
    api = api_for(user)
    if content_type == "json":
        response = api.patch(url, {"version": value, "response": "Changed."}, format="json")
    else:
        response = api.generic(
            "PATCH",
            url,
            f"version={value}&response=Changed.".encode(),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["version"]
    demonstration.refresh_from_db()
    assert (demonstration.response, demonstration.version) == ("Kept.", 1)


def test_huge_json_numbers_are_a_400_naming_the_field(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    url = f"{DEMONSTRATIONS}{demonstration.public_id}/"
    response = api_for(user).generic("PATCH", url, '{"version": ' + HUGE + "}", content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    too_long = api_for(user).generic("PATCH", url, '{"version": ' + "9" * 5000 + "}", content_type="application/json")
    assert too_long.status_code == 400 and "digits" in too_long.json()["detail"]


@pytest.mark.parametrize("value", [*UNICODE_DIGITS, HUGE, "0", "-1"])
@pytest.mark.parametrize(
    "url,parameter",
    [
        (DEMONSTRATIONS, "page"),
        (DEMONSTRATIONS, "page_size"),
        ("/api/v1/leaderboard/", "limit"),
        ("/api/v1/notifications/", "page"),
        ("/api/v1/me/points/", "page"),
    ],
)
def test_page_and_limit_parameters_that_are_not_whole_ascii_numbers_are_a_400_naming_them(
    api_for, user, url, parameter, value
):
    response = api_for(user).get(url, {parameter: value})
    assert response.status_code == 400, (url, parameter, value, response.content)
    assert parameter in response.json()
