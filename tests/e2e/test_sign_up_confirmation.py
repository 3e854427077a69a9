"""A sign-up at an allowed domain, confirmed from the e-mailed link, in the browser."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from .helpers import axe_violations, screenshot

PASSWORD = "An0ther-long-passphrase"


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_sign_up_then_confirm_from_the_link(browser, url, live_server, settings, locale):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    settings.DOLLY_SITE_URL = live_server.url
    french = locale == "fr-FR"
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(url("/accounts/signup/"))
    page.locator("#id_username").fill("payroll")
    page.locator("#id_email").fill("payroll@corp.example")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(r"/accounts/signup/sent/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultez votre boîte de réception" if french else "Check your inbox"
    )
    expect(page.locator("main")).to_contain_text("payroll@corp.example")
    assert axe_violations(page) == []
    screenshot(page, f"signup-sent-{locale[:2]}-390")
    assert not get_user_model().objects.get(username="payroll").is_active

    (message,) = mail.outbox
    link = re.search(r"http://\S+/accounts/signup/confirm/\S+/", message.body).group(0)
    page.goto(link)
    button = page.get_by_role("button", name="Confirmer mon adresse" if french else "Confirm my address")
    expect(button).to_be_visible()
    assert not get_user_model().objects.get(username="payroll").is_active
    screenshot(page, f"signup-confirm-{locale[:2]}-390")
    button.click()
    page.wait_for_url(url("/"))
    expect(page.locator(".site-header .account")).to_contain_text("payroll")
    assert get_user_model().objects.get(username="payroll").is_active
    context.close()
