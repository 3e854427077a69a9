"""An admin gives a training job its key and its webhook, in English and French, on a phone and a desktop."""

import pytest
from playwright.sync_api import expect

from datasets.models import WebhookDelivery
from tests.factories import AdminFactory
from tests.training.receiver import Receiver, start, stop

from .helpers import axe_violations, screenshot


@pytest.fixture
def receiver(settings):
    settings.DOLLY_WEBHOOK_ALLOW_PRIVATE = True
    running = start(Receiver())
    yield running
    stop(running)


@pytest.mark.parametrize(("locale", "width"), [("en-GB", 1366), ("fr-FR", 390)])
def test_an_admin_creates_a_key_and_a_webhook(browser, url, sign_in, receiver, locale, width):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, AdminFactory(username="ada"))
    french = locale.startswith("fr")
    tag = f"{locale[:2]}-{width}"

    page.goto(url("/accounts/api-keys/"))
    page.get_by_label("Nom" if french else "Name").fill("training cluster")
    page.get_by_role(
        "button", name="Créer une clé de lecteur de jeux de données" if french else "Create a dataset reader key"
    ).click()
    key = page.locator("#new-key").input_value()
    assert key.startswith("dolly_")
    expect(page.locator("tbody td").first).to_contain_text("training cluster")
    assert axe_violations(page) == []
    screenshot(page, f"api-keys-{tag}")

    page.goto(url("/datasets/webhooks/"))
    page.get_by_label("Adresse" if french else "Address").fill(receiver.url())
    page.get_by_label("Secret de signature" if french else "Signing secret").fill("a-secret-for-the-browser-test")
    page.get_by_role("button", name="Enregistrer le webhook" if french else "Register the webhook").click()
    page.get_by_role("button", name="Envoyer un événement de test" if french else "Send a test event").click()
    expect(page.locator(".attempts td").filter(has_text="200").first).to_be_visible()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.State.SUCCEEDED
    assert len(receiver.requests) == 1
    assert axe_violations(page) == []
    screenshot(page, f"webhook-{tag}")
    context.close()
