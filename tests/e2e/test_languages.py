"""French from the browser's language or the menu; dates and numbers written the French way."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from annotations.models import Demonstration
from tests.factories import DemonstrationFactory, UserFactory

from .helpers import axe_violations, screenshot


def test_a_french_browser_gets_french_pages_and_can_switch_to_english(browser, url, sign_in):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    alice = UserFactory(username="alice")
    DemonstrationFactory(author=alice, instruction="Pourquoi le ciel est-il bleu ?")
    Demonstration.objects.update(updated_at=timezone.make_aware(datetime.datetime(2026, 3, 14, 15, 9)))
    page.goto(url("/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    sign_in(page, alice)
    page.goto(url("/demonstrations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes démonstrations")
    expect(page.locator("tbody time")).to_have_text(re.compile(r"^14/03/2026"))
    page.goto(url("/demonstrations/new/?category=open_qa"))
    page.get_by_label("Consigne").fill("Citez un fromage du Jura.")
    page.get_by_label("Réponse").fill("x" * 1234)
    expect(page.locator("[data-counter-for=id_response] [data-count]")).to_have_text(re.compile(r"^1\s234$"))
    expect(page.locator("[data-autosave-status]")).to_have_text(re.compile(r"^Brouillon enregistré automatiquement"))
    assert axe_violations(page) == []
    screenshot(page, "write-fr")

    page.locator("details.language summary").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a demonstration")
    context.close()
