"""rebuild_standings, check_standings, import_teams, and the admin screens that change points."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Profile
from leaderboard.models import Disqualification, PointEntry, Reason, Standing, TeamStanding
from tests.factories import AdminFactory, UserFactory

from .conftest import approve, submitted

pytestmark = pytest.mark.django_db


def test_check_standings_passes_then_fails_on_tampering_and_rebuild_fixes(contest, user, capsys):
    approve(submitted(user))
    call_command("check_standings")
    assert "match" in capsys.readouterr().out
    Standing.objects.filter(contest=contest, user=user).update(points=1)
    with pytest.raises(CommandError) as error:
        call_command("check_standings")
    assert "1 running totals disagree" in str(error.value)
    call_command("rebuild_standings", "--dry-run")
    assert "1 running totals would change" in capsys.readouterr().out
    assert Standing.objects.get(contest=contest, user=user).points == 1
    call_command("rebuild_standings")
    assert Standing.objects.get(contest=contest, user=user).points == 10
    call_command("check_standings")


def test_check_standings_exits_non_zero(contest, user):
    approve(submitted(user))
    TeamStanding.objects.create(contest=contest, team="Ghosts", points=5)
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "check_standings"]).execute()
    assert exit_info.value.code == 1


def test_import_teams_all_or_nothing(tmp_path, contest, user, capsys):
    approve(submitted(user))
    good = tmp_path / "teams.csv"
    good.write_text("username,team\nalice,Research\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("username,team\nalice,Sales\nnobody,Sales\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_teams", str(bad))
    assert "bad.csv:3: no user 'nobody'" in str(error.value)
    assert not Profile.objects.filter(team="Sales").exists()
    call_command("import_teams", str(good))
    assert Profile.objects.get(user=user).team == "Research"
    assert TeamStanding.objects.get(contest=contest, team="Research").points == 10
    call_command("check_standings")


def test_admin_disqualifies_through_the_service(client_for, contest, user):
    approve(submitted(user))
    ada = AdminFactory(username="ada")
    client = client_for(ada)
    response = client.post(
        reverse("admin:leaderboard_disqualification_add"),
        {
            "contest": contest.pk,
            "user": user.pk,
            "reason": "Answers copied from a chatbot",
        },
    )
    assert response.status_code == 302, response.content
    assert Disqualification.objects.get().decided_by == ada
    assert PointEntry.objects.filter(user=user, reason=Reason.DISQUALIFIED).get().points == -10
    assert Standing.objects.get(contest=contest, user=user).disqualified
    call_command("check_standings")


def test_admin_team_change_moves_team_points(client_for, contest, user):
    approve(submitted(user))
    client = client_for(AdminFactory(username="ada"))
    response = client.post(
        reverse("admin:accounts_profile_add"),
        {
            "user": user.pk,
            "team": "Research",
            "display_name": "",
            "show_on_boards": "real_name",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    response = client.post(
        reverse("admin:accounts_profile_change", args=[profile.pk]),
        {
            "user": user.pk,
            "team": "Sales",
            "display_name": "",
            "show_on_boards": "real_name",
        },
    )
    assert response.status_code == 302
    assert dict(TeamStanding.objects.filter(contest=contest).values_list("team", "points")) == {"Sales": 10}
    call_command("check_standings")


def test_admin_pages_for_contests_and_the_ledger_open(client_for, contest, user):
    approve(submitted(user))
    client = client_for(AdminFactory(username="ada"))
    for name in (
        "leaderboard_contest_changelist",
        "leaderboard_pointentry_changelist",
        "leaderboard_standing_changelist",
        "leaderboard_disqualification_changelist",
        "accounts_profile_changelist",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    assert client.get(reverse("admin:leaderboard_contest_change", args=[contest.pk])).status_code == 200
    entry = PointEntry.objects.first()
    assert client.get(reverse("admin:leaderboard_pointentry_change", args=[entry.pk])).status_code == 200


def test_contributors_cannot_reach_the_admin(client_for, contest):
    response = client_for(UserFactory(username="plain")).get(reverse("admin:leaderboard_contest_changelist"))
    assert response.status_code == 302


def test_admin_saves_contests_through_the_services_with_dates_in_the_contest_zone(
    client_for, user, django_capture_on_commit_callbacks
):
    import datetime

    from annotations.models import Category
    from leaderboard.models import Contest

    approve(submitted(user))  # before the contest exists, inside its window
    client = client_for(AdminFactory(username="ada"))
    today = datetime.date.today()
    form = {
        "name": "Paris week",
        "slug": "paris-week",
        "starts_at_0": (today - datetime.timedelta(days=3)).isoformat(),
        "starts_at_1": "09:00:00",
        "ends_at_0": (today + datetime.timedelta(days=3)).isoformat(),
        "ends_at_1": "18:00:00",
        "time_zone": "Europe/Paris",
        "categories": [Category.objects.get(key="open_qa").pk],
        "category_targets": "{}",
        "category_multipliers": "{}",
        "base_points": "10",
        "rating_bonus": "0",
        "open_instruction_bonus": "0",
        "review_points": "0",
        "balance_max_multiplier": "2.00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:leaderboard_contest_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    contest = Contest.objects.get(slug="paris-week")
    local = contest.starts_at.astimezone(contest.zone)
    assert (local.hour, local.minute) == (9, 0)
    # The service counted the approval made before the contest existed.
    assert PointEntry.objects.filter(contest=contest, user=user).count() == 1
    page = client.get(reverse("admin:leaderboard_contest_change", args=[contest.pk])).content.decode()
    assert 'value="09:00:00"' in page


def test_count_earlier_approvals_gives_old_approvals_their_standard_points(contest, user, capsys):
    approve(submitted(user))
    PointEntry.objects.filter(contest=None).delete()  # as a ledger from before standard points existed
    call_command("rebuild_standings")
    call_command("count_earlier_approvals")
    assert "All time: 1 approvals counted." in capsys.readouterr().out
    assert Standing.objects.get(contest=None, user=user).points == 10 + 10
    call_command("count_earlier_approvals")
    assert "All time: 0 approvals counted." in capsys.readouterr().out
    call_command("check_standings")
