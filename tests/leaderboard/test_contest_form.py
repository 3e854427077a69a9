"""Admins run contests in the site: a row per category, dates in the contest's zone, the rules previewed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leaderboard.models import Contest
from tests.factories import AdminFactory

from .conftest import make_contest

pytestmark = pytest.mark.django_db


def form_data(**changes):
    data = {
        "name": "Winter push",
        "slug": "winter",
        "time_zone": "Europe/Paris",
        "starts_at": "2027-01-04T09:00",
        "ends_at": "2027-01-31T18:00",
        "base_points": "10",
        "rating_bonus": "2",
        "open_instruction_bonus": "0",
        "review_points": "0",
        "balance_max_multiplier": "2.00",
        "eligible_open_qa": "on",
        "eligible_closed_qa": "on",
        "multiplier_closed_qa": "1.5",
        "target_closed_qa": "300",
    }
    data.update(changes)
    return data


def test_contributors_cannot_run_contests(client_for, user):
    client = client_for(user)
    assert client.get(reverse("contest-create")).status_code == 403
    assert client.post(reverse("contest-create"), form_data()).status_code == 403
    assert not Contest.objects.exists()


def test_an_admin_previews_then_creates_a_contest_in_its_time_zone(client_for):
    client = client_for(AdminFactory(username="ada"))
    page = client.get(reverse("contest-create")).content.decode()
    assert "Closed QA" in page and 'type="datetime-local"' in page
    preview = client.post(reverse("contest-create"), form_data(preview="1"))
    assert preview.status_code == 200 and not Contest.objects.exists()
    text = preview.content.decode()
    assert "× 1.5 for Closed QA" in text and "closed_qa" not in text.split("How contributors will read the rules")[1]
    response = client.post(reverse("contest-create"), form_data())
    assert response.status_code == 302
    contest = Contest.objects.get(slug="winter")
    local = contest.starts_at.astimezone(contest.zone)
    assert (local.date(), local.hour) == (datetime.date(2027, 1, 4), 9)
    assert contest.starts_at.hour == 8  # 09:00 in Paris is 08:00 UTC in January
    assert set(contest.categories.values_list("key", flat=True)) == {"open_qa", "closed_qa"}
    assert (contest.category_multipliers, contest.category_targets) == ({"closed_qa": "1.5"}, {"closed_qa": 300})
    edit = client.get(reverse("contest-edit", args=["winter"])).content.decode()
    assert 'value="2027-01-04T09:00"' in edit


def test_bad_input_names_the_field_and_saves_nothing(client_for):
    client = client_for(AdminFactory(username="ada"))
    response = client.post(reverse("contest-create"), form_data(multiplier_closed_qa="-2", ends_at="2026-12-01T00:00"))
    assert response.status_code == 400
    assert not Contest.objects.exists()
    text = response.content.decode()
    assert "greater than or equal to 0.01" in text
    none = client.post(reverse("contest-create"), form_data(eligible_open_qa="", eligible_closed_qa=""))
    assert none.status_code == 400 and "Choose at least one category." in none.content.decode()
    assert not Contest.objects.exists()


def test_an_admin_changes_and_ends_a_running_contest(client_for):
    contest = make_contest("spring", time_zone="Europe/Paris")
    client = client_for(AdminFactory(username="ada"))
    start = timezone.localtime(contest.starts_at, contest.zone).strftime("%Y-%m-%dT%H:%M")
    end = timezone.localtime(contest.ends_at, contest.zone).strftime("%Y-%m-%dT%H:%M")
    data = form_data(name="Spring, renamed", slug="spring", starts_at=start, ends_at=end)
    assert client.post(reverse("contest-edit", args=["spring"]), data).status_code == 302
    contest.refresh_from_db()
    assert contest.name == "Spring, renamed" and contest.status == "running"
    assert client.post(reverse("contest-end", args=["spring"])).status_code == 302
    contest.refresh_from_db()
    assert contest.status == "ended"
    again = client.post(reverse("contest-end", args=["spring"]), follow=True).content.decode()
    assert "Only a running contest can be ended." in again
