"""Awarding, reversing, capping and voiding points: the ledger and the totals that follow it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from annotations.models import QualityFlag
from leaderboard import services
from leaderboard.models import CategoryProgress, PointEntry, Reason, Standing, TeamStanding
from tests.factories import AdminFactory, ReviewerFactory, UserFactory

from .conftest import approve, make_contest, reopen, submitted

pytestmark = pytest.mark.django_db


def standing(contest, user):
    return Standing.objects.get(contest=contest, user=user)


def snapshot():
    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "standings": rows(Standing.objects, "contest_id", "user_id", "points", "reached_at", "disqualified"),
        "teams": rows(TeamStanding.objects, "contest_id", "team", "points", "reached_at"),
        "progress": rows(CategoryProgress.objects.exclude(approved=0), "contest_id", "category_id", "approved"),
    }


def assert_consistent():
    assert services.standings_differences() == []


def test_approval_awards_base_points_once_in_each_running_contest(people):
    ann = people[0]
    spring = make_contest("spring", base_points=10)
    other = make_contest("other", base_points=3, categories=("open_qa",))
    make_contest("closed-only", categories=("closed_qa",))
    demo = submitted(ann)
    entries = approve(demo)
    assert sorted(e.points for e in entries) == [3, 10]
    assert standing(spring, ann).points == 10
    assert standing(other, ann).points == 3
    # All time: the standard 10 points every approval earns, plus each contest's on top.
    assert Standing.objects.get(contest=None, user=ann).points == 10 + 13
    assert services.on_demonstration_approved(demo) == []
    assert PointEntry.objects.filter(user=ann).exclude(contest=None).count() == 2
    assert PointEntry.objects.filter(user=ann, contest=None).count() == 1
    assert_consistent()


def test_submission_outside_the_window_or_category_earns_nothing(contest, people):
    ann = people[0]
    early = submitted(ann, at=contest.starts_at - datetime.timedelta(seconds=1))
    wrong = submitted(ann, category="brainstorming")
    assert approve(early) == [] and approve(wrong) == []
    assert not PointEntry.objects.exclude(contest=None).exists()


def test_reversal_writes_the_opposite_and_reapproval_awards_again(contest, people):
    ann = people[0]
    demo = submitted(ann)
    approve(demo)
    [reversal] = reopen(demo)
    assert (reversal.points, reversal.reason, reversal.sequence, reversal.counted) == (
        -10,
        Reason.APPROVAL_REVERSED,
        1,
        -1,
    )
    assert reopen(demo) == []
    assert standing(contest, ann).points == 0
    assert CategoryProgress.objects.get(contest=contest, category=demo.category).approved == 0
    [again] = approve(demo)
    assert (again.points, again.sequence) == (10, 2)
    assert standing(contest, ann).points == 10
    entries = PointEntry.objects.filter(contest=contest).order_by("id")
    assert list(entries.values_list("points", flat=True)) == [10, -10, 10]
    assert_consistent()


def test_rating_and_open_instruction_bonus_come_from_the_review_and_the_record(people):
    ann, ben = people[:2]
    contest = make_contest(rating_bonus=2, open_instruction_bonus=5)
    demo = submitted(ann, instruction_author=ben)
    [entry] = approve(demo, rating=5)
    assert entry.points == 10 + 4 + 5
    own = submitted(ann, instruction_author=ann)
    [plain] = approve(own, rating=3)
    assert plain.points == 10
    assert standing(contest, ann).points == 29


def test_balance_bonus_uses_the_live_approved_count(people):
    contest = make_contest(balance_bonus=True, category_targets={"open_qa": 4}, balance_max_multiplier="2.00")
    points = [approve(submitted(people[i % 4]))[0].points for i in range(6)]
    # 0, 1, 2, 3 of 4 approved before → × 2.00, 1.75, 1.50, 1.25 → 20, 17.5→18, 15, 12.5→13; then 10, 10
    assert points == [20, 18, 15, 13, 10, 10]
    reopen(PointEntry.objects.filter(contest=contest).order_by("id").first().demonstration)
    assert approve(submitted(people[0]))[0].points == 10  # 5 of 4 still count: no bonus
    assert CategoryProgress.objects.get(contest=contest).approved == 6
    assert_consistent()


def test_daily_cap_in_the_contest_time_zone(people):
    ann = people[0]
    contest = make_contest(daily_cap=25, time_zone="Europe/Paris")
    day = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=datetime.UTC)  # 23:30 in Paris
    contest.starts_at = day - datetime.timedelta(days=1)
    contest.save()
    first, second, third = (submitted(ann, at=day + datetime.timedelta(minutes=m)) for m in (0, 10, 20))
    after_midnight = submitted(ann, at=day + datetime.timedelta(minutes=40))  # 00:10 the next Paris day
    assert [approve(d)[0].points for d in (first, second, third, after_midnight)] == [10, 10, 5, 10]
    capped = PointEntry.objects.get(demonstration=third, contest=contest)
    assert capped.explanation["steps"][-1] == {"code": "daily_cap", "cap": 25, "used": 20, "points": 5}
    assert capped.day == datetime.date(2026, 3, 10)
    assert PointEntry.objects.get(demonstration=after_midnight, contest=contest).day == datetime.date(2026, 3, 11)
    # A reversal gives the day's room back to later approvals.
    reopen(first)
    fourth = submitted(ann, at=day + datetime.timedelta(minutes=25))
    assert approve(fourth)[0].points == 10
    assert_consistent()


@pytest.mark.parametrize("kind", ["exact_duplicate", "near_duplicate"])
def test_flagged_duplicates_earn_nothing_but_say_why(contest, people, kind):
    ann = people[0]
    original = submitted(ann)
    copy = submitted(ann)
    QualityFlag.objects.create(demonstration=copy, kind=kind, other=original)
    [entry] = approve(copy)
    assert entry.points == 0
    assert entry.explanation["steps"] == [{"code": "duplicate", "flag": kind}]
    other_flag = submitted(ann)
    QualityFlag.objects.create(demonstration=other_flag, kind="citation_markers")
    assert approve(other_flag)[0].points == 10


def test_reviewers_earn_points_only_where_the_contest_says_so(people):
    rita = ReviewerFactory(username="rita")
    paying = make_contest("paying", review_points=2, categories=("open_qa",))
    make_contest("silent", categories=("open_qa",))
    approve(submitted(people[0]), reviewer=rita)
    [entry] = PointEntry.objects.filter(user=rita)
    assert (entry.contest, entry.reason, entry.points) == (paying, Reason.REVIEW, 2)
    review = entry.review
    assert services.on_review_recorded(review) == []
    assert_consistent()


def test_disqualification_voids_entries_and_later_awards(contest, people):
    ann, ben = people[:2]
    ada = AdminFactory(username="ada")
    approve(submitted(ann))
    approve(submitted(ann, category="closed_qa", context="Some text.", source_url="https://en.wikipedia.org/"))
    approve(submitted(ben))
    services.disqualify(contest=contest, user=ann, reason="Copied answers", actor=ada)
    services.disqualify(contest=contest, user=ann, reason="Twice", actor=ada)
    voids = PointEntry.objects.filter(user=ann, reason=Reason.DISQUALIFIED)
    assert sorted(voids.values_list("points", flat=True)) == [-10, -10]
    assert standing(contest, ann).points == 0 and standing(contest, ann).disqualified
    assert PointEntry.objects.filter(user=ann, contest=contest).count() == 4  # nothing deleted
    [later] = approve(submitted(ann))
    assert later.points == 0 and later.explanation["steps"] == [{"code": "disqualified"}]
    first = PointEntry.objects.filter(user=ann, reason=Reason.APPROVAL).order_by("id").first().demonstration
    [reversal] = reopen(first)
    assert reversal.points == 0
    assert standing(contest, ben).points == 10
    assert_consistent()


def test_disqualification_needs_a_reason(contest, people):
    with pytest.raises(ValidationError) as error:
        services.disqualify(contest=contest, user=people[0], reason=" ", actor=AdminFactory(username="ada"))
    assert "reason" in error.value.message_dict


def test_team_totals_follow_members_and_their_moves(contest, people):
    ann, ben, cat, _dan = people
    for person, team in ((ann, "Sales"), (ben, "Sales"), (cat, "Legal")):
        services.set_team(user=person, team=team)
    approve(submitted(ann))
    approve(submitted(ben))
    approve(submitted(cat))
    approve(submitted(cat))
    teams = dict(TeamStanding.objects.filter(contest=contest).values_list("team", "points"))
    assert teams == {"Sales": 20, "Legal": 20}
    services.set_team(user=ben, team="Legal")
    teams = dict(TeamStanding.objects.filter(contest=contest).values_list("team", "points"))
    assert teams == {"Sales": 10, "Legal": 30}
    assert TeamStanding.objects.get(contest=None, team="Legal").points == 30 + 30  # standard points + contest
    services.set_team(user=ann, team="")
    assert not TeamStanding.objects.filter(team="Sales").exists()
    assert_consistent()


def test_rebuild_from_the_ledger_equals_the_incremental_totals(people):
    ada = AdminFactory(username="ada")
    spring = make_contest(
        "spring", daily_cap=35, rating_bonus=1, review_points=1, balance_bonus=True, category_targets={"open_qa": 5}
    )
    make_contest("all-year", categories=("open_qa", "closed_qa", "brainstorming"))
    services.set_team(user=people[0], team="Ops")
    services.set_team(user=people[1], team="Ops")
    demos = [submitted(people[i % 4], category=("open_qa", "brainstorming")[i % 2]) for i in range(12)]
    for i, demo in enumerate(demos):
        approve(demo, rating=1 + i % 5, reviewer=ReviewerFactory(username=f"rev{i % 2}"))
    reopen(demos[0])
    reopen(demos[5])
    approve(demos[5], rating=5, reviewer=ReviewerFactory(username="rev0"))
    services.disqualify(contest=spring, user=people[3], reason="Gaming", actor=ada)
    before = snapshot()
    assert services.standings_differences() == []
    Standing.objects.all().delete()
    TeamStanding.objects.all().delete()
    CategoryProgress.objects.all().delete()
    assert len(services.standings_differences()) > 0
    assert not Standing.objects.exists()
    services.rebuild_standings()
    after = snapshot()
    assert after == before
    total = PointEntry.objects.aggregate(total=Sum("points"))["total"]
    assert sum(row[2] for row in after["standings"] if row[0] is None) == total


def test_check_detects_a_tampered_standing(contest, people):
    approve(submitted(people[0]))
    Standing.objects.filter(contest=contest, user=people[0]).update(points=999)
    [difference] = services.standings_differences()
    assert difference.table == "standing" and difference.key == (contest.pk, people[0].pk)
    assert difference.expected[0] == 10 and difference.stored[0] == 999
    services.rebuild_standings()
    assert services.standings_differences() == []


def test_submission_rate_limit(settings, people):
    settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR = 2
    ann = people[0]
    services.check_submission_rate(ann)
    submitted(ann)
    submitted(ann)
    with pytest.raises(ValidationError) as error:
        services.check_submission_rate(ann)
    assert "2" in str(error.value)
    services.check_submission_rate(UserFactory(username="fresh"))
    settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR = 0
    services.check_submission_rate(ann)
