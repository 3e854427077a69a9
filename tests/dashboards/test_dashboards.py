import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from annotations import services
from annotations.models import Category, Origin, Status
from dashboards import personal, reports, suggestions
from leaderboard.services import contests as contest_services
from review import services as review_services
from tests.factories import AdminFactory, ReviewerFactory, UserFactory, category

REFERENCE = "The Old Mill Bridge opened to horse-drawn traffic in May 1903 and to motor cars in 1911."


def submit(author, key="open_qa", response="Air molecules scatter blue light more than red light.", **extra):
    needs_context = Category.objects.get(key=key).needs_context
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category(key),
        instruction=f"A question about {key} number {extra.pop('n', 0)}?",
        context=REFERENCE if needs_context else "",
        source_url="https://example.org/a" if needs_context else "",
        response=response,
        origin=Origin.WEB,
        submit=True,
        **extra,
    )
    return demonstration


@pytest.fixture
def data(db):
    """Two authors in two teams, a reviewer who approved two and rejected one, one waiting, one draft."""
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    Profile.objects.create(user=ann, team="Finance")
    Profile.objects.create(user=bob, team="Legal")
    rita = ReviewerFactory(username="rita")
    approved = [submit(ann, "open_qa", n=1), submit(ann, "closed_qa", n=2)]
    rejected = submit(bob, "open_qa", n=3, response="Short answer, but long enough to pass the checks here.")
    submit(bob, "brainstorming", n=4, response="x" * 600)
    services.demonstration_create(author=bob, category=category("classification"), instruction="Draft only?")
    for demonstration in approved:
        review_services.review_approve(demonstration=demonstration, reviewer=rita)
    review_services.review_reject(demonstration=rejected, reviewer=rita, reason="factually_wrong")
    return {"ann": ann, "bob": bob, "rita": rita}


def rows_by_label(chart):
    return {row[0]: row[1:] for row in chart["table"]["rows"]}


class TestReports:
    def test_written_per_day_counts_today_per_category_over_the_whole_window(self, data):
        chart = reports.written_per_day(days=7)
        assert len(chart["labels"]) == 7
        assert chart["stacked"] is True
        datasets = {d["label"]: d["data"] for d in chart["datasets"]}
        assert datasets["Open QA"] == [0, 0, 0, 0, 0, 0, 2]
        assert datasets["Classification"][-1] == 1
        assert chart["table"]["rows"][-1][-1] == 5
        assert sum(row[-1] for row in chart["table"]["rows"]) == 5

    def test_the_funnel_goes_from_written_to_submitted_to_approved(self, data):
        chart = reports.status_funnel()
        assert chart["datasets"][0]["data"] == [5, 4, 2]
        assert rows_by_label(chart)["Approved"] == [2, 40.0]

    def test_acceptance_per_category_counts_only_decided_demonstrations(self, data):
        rows = rows_by_label(reports.acceptance_by_category())
        assert rows["Open QA"] == [1, 1, 0, 0, 50.0]
        assert rows["Closed QA"] == [1, 0, 0, 0, 100.0]
        assert rows["Brainstorming"] == [0, 0, 0, 1, None]

    def test_decisions_per_reviewer(self, data):
        chart = reports.acceptance_by_reviewer(days=30)
        assert rows_by_label(chart) == {"rita": [2, 0, 1, 3, 66.7]}

    def test_review_summary_gives_the_backlog_and_times_to_a_decision(self, data):
        summary = reports.review_summary(days=30)
        assert summary["waiting"] == 1
        assert summary["reviews"] == 3
        assert summary["median_hours"] is not None and summary["median_hours"] >= 0
        assert summary["oldest_hours"] is not None

    def test_response_lengths_are_bucketed_per_category(self, data):
        chart = reports.length_distribution()
        rows = rows_by_label(chart)
        assert rows["Brainstorming"][:6] == [0, 0, 0, 1, 0, 0]
        assert rows["Brainstorming"][8] == 600
        shares = dict(zip(chart["labels"], zip(*(d["data"] for d in chart["datasets"]), strict=True), strict=True))
        assert shares["Brainstorming"] == (0, 0, 0, 100.0, 0, 0)

    def test_top_contributors_and_teams(self, data):
        assert rows_by_label(reports.top_contributors()) == {"ann": [2, 2, 100.0], "bob": [0, 2, 0.0]}
        assert rows_by_label(reports.top_teams()) == {"Finance": [2, 2, 1], "Legal": [0, 2, 1]}

    def test_empty_database_gives_empty_reports_not_errors(self, db):
        for chart_id in reports.ADMIN_CHARTS:
            chart = reports.admin_chart(chart_id, days=7)
            assert chart["id"] == chart_id
        assert reports.review_summary(days=7)["median_hours"] is None

    def test_own_summary(self, data):
        summary = personal.own_summary(user=data["bob"])
        assert summary["acceptance"] == 0.0
        assert {status: n for status, _label, n in summary["counts"]}[Status.DRAFT] == 1
        assert summary["total"] == 3


@pytest.fixture
def contest(db):
    now = timezone.now()
    return contest_services.contest_create(
        categories=list(Category.objects.filter(key__in=["open_qa", "summarization"])),
        name="Spring",
        slug="spring",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=10),
        base_points=10,
        balance_bonus=True,
        category_targets={"open_qa": 2, "summarization": 10},
    )


class TestSuggestions:
    def test_without_a_contest_the_category_with_fewest_submissions_is_suggested(self, data):
        suggestion = suggestions.suggest_next_category()
        assert suggestion.contest is None
        assert suggestion.category.key == "information_extraction"
        assert suggestion.count == 0

    def test_with_a_contest_the_category_furthest_from_its_target_pays_most(self, contest, data):
        values = suggestions.category_values()
        assert [(v.category.key, v.points, v.approved, v.target) for v in values] == [
            ("summarization", 20, 0, 10),
            ("open_qa", 15, 1, 2),
        ]
        suggestion = suggestions.suggest_next_category()
        assert suggestion.category.key == "summarization"
        assert suggestion.contest == contest


class TestPages:
    def test_the_admin_dashboard_renders_every_chart_with_its_table(
        self, client_for, data, contest, django_assert_max_num_queries
    ):
        client = client_for(AdminFactory(username="ada"))
        with django_assert_max_num_queries(30):
            response = client.get(reverse("dashboard"), {"days": 7})
        assert response.status_code == 200
        content = response.content.decode()
        for chart_id in [*reports.ADMIN_CHARTS, "contest-spring"]:
            assert reverse("dashboard-data", args=[chart_id]) + "?days=7" in content
        assert "Progress of Spring" in content
        assert content.count("<table") >= len(reports.ADMIN_CHARTS)

    def test_chart_data_is_json(self, client_for, data):
        response = client_for(AdminFactory(username="ada")).get(reverse("dashboard-data", args=["funnel"]))
        assert response.status_code == 200
        assert response.json()["datasets"][0]["data"] == [5, 4, 2]

    def test_contributors_and_reviewers_may_not_see_the_admin_dashboard(self, client_for, data):
        for person in (data["ann"], data["rita"]):
            assert client_for(person).get(reverse("dashboard")).status_code == 403
            assert client_for(person).get(reverse("dashboard-data", args=["funnel"])).status_code == 403

    def test_unknown_chart_and_window(self, client_for, data):
        client = client_for(AdminFactory(username="ada"))
        assert client.get(reverse("dashboard-data", args=["nope"])).status_code == 404
        assert client.get(reverse("dashboard"), {"days": 7}).status_code == 200

    @pytest.mark.parametrize("days", ["abc", "0", "-7", "8", "٣0", "9" * 40, "7.0"])
    def test_a_window_the_dashboard_does_not_offer_is_a_400_naming_days(self, client_for, data, days):
        client = client_for(AdminFactory(username="ada"))
        page = client.get(reverse("dashboard"), {"days": days})
        assert page.status_code == 400
        text = page.content.decode()
        assert "“days”" in text and "7, 30, 90, 365" in text and "<h1>" in text
        chart = client.get(reverse("dashboard-data", args=["per-day"]), {"days": days})
        assert chart.status_code == 400 and list(chart.json()) == ["days"]
        assert "7, 30, 90, 365" in chart.json()["days"][0]

    def test_the_window_error_is_in_french_for_french_readers(self, client_for, data):
        client = client_for(AdminFactory(username="ada"))
        page = client.get(reverse("dashboard"), {"days": "abc"}, HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 400 and "paramètre" in page.content.decode()

    def test_the_personal_dashboard_shows_only_ones_own_figures(self, client_for, contest, data):
        response = client_for(data["bob"]).get(reverse("my-dashboard"))
        assert response.status_code == 200
        assert response.context["summary"]["total"] == 3
        assert response.context["suggestion"].category.key == "summarization"
        mine = client_for(data["bob"]).get(reverse("my-dashboard-data", args=["mine-categories"])).json()
        assert {row[0] for row in mine["table"]["rows"]} == {"Open QA", "Brainstorming", "Classification"}

    def test_after_submitting_the_next_category_is_suggested_once(self, client_for, data):
        client = client_for(data["ann"])
        demonstration, _ = services.demonstration_create(
            author=data["ann"],
            category=category("open_qa"),
            instruction="Why do we yawn?",
            response="Nobody knows for sure; cooling the brain is one explanation.",
        )
        response = client.post(
            reverse("demonstration-submit", args=[demonstration.public_id]),
            {"version": demonstration.version},
            follow=True,
        )
        assert response.context["next_suggestion"].category.key == "information_extraction"
        assert "Write Information extraction" in response.content.decode()
        again = client.get(reverse("demonstration-detail", args=[demonstration.public_id]))
        assert again.context["next_suggestion"] is None


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "—"),
        (0.01, "1 minute"),
        (0.5, "30 minutes"),
        (3.25, "3.2 h"),
        (47.9, "47.9 h"),
        (72, "3.0 days"),
    ],
)
def test_waiting_times_read_naturally(hours, text):
    assert reports.duration_text(hours) == text
