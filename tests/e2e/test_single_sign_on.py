"""Single sign-on in the browser, through a real OpenID Connect provider process on 127.0.0.1."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .helpers import axe_violations, screenshot

ADA = {
    "email": "ada@corp.example",
    "email_verified": True,
    "preferred_username": "ada",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "groups": ["dolly-reviewers"],
}


@pytest.fixture
def sso_page(page, sso_settings, settings, live_server):
    # Signing out goes through the provider, which sends the browser back to the site's address.
    settings.DOLLY_SITE_URL = live_server.url
    # The provider's own page asks a CDN for its stylesheet: nothing leaves this machine.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    return page


def through_the_provider(page, url, sub, button="Sign in with Example Corp"):
    page.goto(url("/accounts/login/"))
    page.get_by_role("link", name=button).click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/oauth2/authorize"))
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_through_the_provider_lands_home_with_the_role(sso_page, url, oidc_provider):
    page = sso_page
    oidc_provider.set_user("ada-sub", **ADA)
    through_the_provider(page, url, "ada-sub")
    page.wait_for_url(url("/"))
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Review")).to_be_visible()
    expect(header.get_by_role("link", name="Datasets")).to_have_count(0)
    expect(header.locator(".account")).to_contain_text("ada")

    # A later sign-in brings the roles the provider now gives.
    header.locator(".account summary").click()  # Sign out sits in the account menu
    header.get_by_role("button", name="Sign out").click()
    # Signing out ends the provider's session too: its end-session page confirms, then sends the
    # browser back to the site's sign-in page.
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(url("/accounts/login/"))
    oidc_provider.set_user("ada-sub", **(ADA | {"groups": ["dolly-admins"], "family_name": "King"}))
    through_the_provider(page, url, "ada-sub")
    page.wait_for_url(url("/"))
    header.locator(".admin-menu summary").click()  # admin pages sit in the Admin menu
    expect(header.get_by_role("link", name="Datasets")).to_be_visible()
    ada = get_user_model().objects.get(username="ada")
    assert (ada.last_name, ada.is_staff) == ("King", True)
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    ("claims", "text"),
    [
        ({"email": "eve@gmail.example"}, "is not at a domain allowed on this site (corp.example)"),
        ({"email_verified": False}, "has not verified your e-mail address ada@corp.example"),
    ],
    ids=["outside-the-allowed-domains", "unverified-address"],
)
def test_a_refused_sign_in_lands_on_a_clear_page(sso_page, url, oidc_provider, claims, text):
    page = sso_page
    oidc_provider.set_user("someone", **(ADA | claims))
    through_the_provider(page, url, "someone")
    page.wait_for_url(re.compile(r"/accounts/sso/callback/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You could not be signed in")
    expect(page.get_by_role("alert")).to_contain_text(text)
    expect(page.get_by_role("link", name="Back to sign-in")).to_be_visible()
    assert not get_user_model().objects.exists()
    assert axe_violations(page) == []
    screenshot(page, f"sso-refused-{'domain' if 'email' in claims else 'unverified'}")


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_sign_in_page_with_the_provider_button(browser, url, sso_settings, width, locale):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(url("/accounts/login/"))
    button = page.locator("a.sso-button")
    expect(button).to_have_text("Se connecter avec Example Corp" if locale == "fr-FR" else "Sign in with Example Corp")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    screenshot(page, f"sign-in-sso-{locale[:2]}-{width}")
    context.close()
