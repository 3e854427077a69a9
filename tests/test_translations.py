"""The French catalogue is complete, compiled, and covers every string of the code and templates."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[sdf]|\{\w*\}")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO))


def test_every_string_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for entry in catalogue:
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            expected = sorted(set(PLACEHOLDER.findall(source)))
            found = sorted(set(PLACEHOLDER.findall(text)))
            if expected != found and not (entry.msgid_plural and set(found) <= set(expected)):
                wrong.append((entry.msgid, text))
    assert not wrong, wrong[:10]


# Code and address literals in a translation keep their own punctuation: a header or a line format
# quoted in guillemets, a JSON example, a URL scheme, an HTML entity.
QUOTED_LITERAL = re.compile(r"«\u00a0[^»]*\S[:;][^»]*\u00a0»")
LITERAL = re.compile(r"\{[^}]*\}|\w+://|&\w+;")


def test_french_punctuation_has_a_non_breaking_space_before_it(catalogue):
    """French puts a non-breaking space before : ; ! ? » and after «, so the mark never starts a line."""
    wrong = []
    for entry in catalogue:
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            bare = LITERAL.sub("x", QUOTED_LITERAL.sub("«\u00a0x\u00a0»", text))
            if re.search(r"[^\u00a0][:;!?»]|«[^\u00a0]", bare):
                wrong.append(text)
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_matches_the_source(catalogue):
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(MO))}
    stale = []
    for entry in catalogue.translated_entries():
        mo_entry = compiled.get((entry.msgctxt, entry.msgid))
        if (
            mo_entry is None
            or mo_entry.msgstr != entry.msgstr
            or (entry.msgid_plural and mo_entry.msgstr_plural != entry.msgstr_plural)
        ):
            stale.append(entry.msgid)
    assert not stale, f"locale/fr/LC_MESSAGES/django.mo is out of date (run compilemessages): {stale[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_the_catalogue_has_every_string_of_the_code_and_templates(tmp_path, catalogue):
    """``makemessages`` run afresh finds no string that the committed catalogue lacks."""
    workdir = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        workdir,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "var",
            "test-artifacts",
            "node_modules",
            "tests",
            "bench",
            "*.pyc",
            "__pycache__",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "--no-obsolete"],
        cwd=workdir,
        check=True,
        capture_output=True,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
    )
    found = polib.pofile(str(workdir / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    known = {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}
    missing = sorted(entry.msgid for entry in found if (entry.msgctxt, entry.msgid) not in known)
    assert not missing, (
        f"{len(missing)} strings are not in locale/fr/LC_MESSAGES/django.po (run makemessages -l fr, "
        f"translate, compilemessages): {missing[:10]}"
    )


def test_a_french_browser_gets_french_pages_with_french_dates(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    page = client.get(reverse("login"))
    assert page["Content-Language"] == "fr"
    assert '<html lang="fr">' in page.content.decode()
    with translation.override("fr"):
        assert translation.gettext("Sign in") != "Sign in"


def test_the_language_menu_switches_to_french_and_back(db):
    client = Client()
    client.post(reverse("set_language"), {"language": "fr", "next": "/accounts/login/"})
    assert client.get(reverse("login"))["Content-Language"] == "fr"
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert client.get(reverse("login"))["Content-Language"] == "en"
