"""The Content-Security-Policy holds in a real browser: the admin and the API docs still work, nothing is blocked."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.factories import AdminFactory

from .helpers import PASSWORD


@pytest.fixture
def csp_reports(page):
    """Every script error, and every console error about the policy, while the test runs."""
    found = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def _sign_in_as_superuser(page, url):
    admin = AdminFactory(username="root", is_staff=True, is_superuser=True)
    page.goto(url("/admin/login/"))
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return admin


def test_the_admin_works_under_the_policy(page, url, csp_reports):
    admin = _sign_in_as_superuser(page, url)
    Group.objects.get_or_create(name="csp-check")
    page.goto(url(f"/admin/auth/user/{admin.pk}/change/"))
    chosen = admin.groups.count()
    page.locator("#id_groups_from option", has_text="csp-check").click()
    page.locator("#id_groups_add").click()
    expect(page.locator("#id_groups_to option")).to_have_count(chosen + 1)
    page.goto(url("/admin/auth/user/"))
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    assert csp_reports == []


def test_the_api_docs_render_and_try_out_a_request_under_the_policy(page, url, csp_reports):
    _sign_in_as_superuser(page, url)
    page.goto(url("/api/docs/"))
    operation = page.locator(".opblock-summary", has_text="/api/v1/categories/").first
    expect(operation).to_be_visible()
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    assert csp_reports == []


def test_an_inline_script_injected_into_a_page_is_blocked(page, url, csp_reports):
    _sign_in_as_superuser(page, url)
    page.goto(url("/"))
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("() => window.__ran === true") is False
    assert any("Content Security Policy" in report for report in csp_reports)


def test_hostile_text_stays_inert_in_the_browser(page, url, sign_in):
    from tests.factories import DemonstrationFactory, UserFactory

    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>[x](javascript:window.__pwned=3)'
    author = UserFactory(username="mallet")
    demonstration = DemonstrationFactory(author=author, instruction=payload, response=payload)
    sign_in(page, author)
    for path in (
        "/demonstrations/",
        f"/demonstrations/{demonstration.public_id}/",
        f"/demonstrations/{demonstration.public_id}/edit/",
    ):
        page.goto(url(path))
        expect(page.locator("main")).to_be_visible()
        assert page.evaluate("() => window.__pwned") is None
    expect(page.get_by_label("Instruction")).to_have_value(payload)
