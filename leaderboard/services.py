"""Every change to contests, the points ledger and the standings.

The ledger is written in the caller's transaction: the review services call
``on_demonstration_approved``, ``on_approval_reversed`` and ``on_review_recorded`` inside
the transaction that changes the demonstration, so an approval and its points commit or
roll back together.

Concurrency: ledger writers take turns.  Every function here that writes the ledger or a
running total first takes one transaction-scoped PostgreSQL advisory lock
(``_serialise_ledger_writers``; SQLite writers are serial anyway), held until the caller's
transaction commits.  Every read that decides what to write happens after it, so two
concurrent approvals of one demonstration see each other and the second writes nothing, a
daily cap is never overrun, and the shared rows (all-time score histogram, team totals)
cannot deadlock.  The unique constraints on ``PointEntry`` are the last line of defence.
Awarding takes a few milliseconds, so this bounds ledger writes to a few hundred per second,
far above what reviewers produce.  Row locks on the progress and standing rows remain as
documentation of what each write depends on.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.names import check_visible_text

from . import scoring
from .models import (
    CategoryProgress,
    Contest,
    Disqualification,
    PointEntry,
    Reason,
    ScoreCount,
    Standing,
    TeamStanding,
)

DUPLICATE_FLAG_KINDS = ("exact_duplicate", "near_duplicate")
AWARD_REASONS = (Reason.APPROVAL, Reason.APPROVAL_REVERSED)


# --- contests ---------------------------------------------------------------------------

CONTEST_FIELDS = (
    "name",
    "slug",
    "description",
    "prizes",
    "starts_at",
    "ends_at",
    "time_zone",
    "base_points",
    "category_multipliers",
    "rating_bonus",
    "open_instruction_bonus",
    "review_points",
    "daily_cap",
    "balance_bonus",
    "balance_max_multiplier",
    "category_targets",
)


@transaction.atomic
def contest_create(*, categories, **fields):
    """Create a contest.  Raises ``ValidationError`` naming the field; nothing is saved then."""
    unknown = set(fields) - set(CONTEST_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    contest = Contest(**fields)
    contest.full_clean()
    if not categories:
        raise ValidationError({"categories": _("Choose at least one category.")})
    contest.save()
    contest.categories.set(categories)
    return contest


@transaction.atomic
def contest_update(*, contest, categories=None, **changes):
    """Change a contest's text, window or rules.  Points already in the ledger stay as they were."""
    unknown = set(changes) - set(CONTEST_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    for name, value in changes.items():
        setattr(contest, name, value)
    contest.full_clean()
    if categories is not None and not categories:
        raise ValidationError({"categories": _("Choose at least one category.")})
    contest.save()
    if categories is not None:
        contest.categories.set(categories)
    return contest


# --- anti-gaming ------------------------------------------------------------------------


def check_submission_rate(user, *, excluding=None, now=None):
    """Refuse a submission when ``user`` already submitted the hourly maximum.

    ``settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR`` (0 turns the limit off).  Counts the
    demonstrations whose latest submission is less than an hour old, other than
    ``excluding`` (the one being resubmitted).  A soft limit: two submissions at the very
    same moment may both pass.  Raises ``ValidationError`` keyed ``submit``.
    """
    limit = getattr(settings, "DOLLY_MAX_SUBMISSIONS_PER_HOUR", 0)
    if not limit:
        return
    from annotations.models import Demonstration

    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    recent = Demonstration.objects.filter(author=user, submitted_at__gte=since)
    if excluding is not None:
        recent = recent.exclude(pk=excluding.pk)
    recent = recent.count()
    if recent >= limit:
        raise ValidationError(
            {
                "submit": [
                    _(
                        "You have submitted %(limit)s demonstrations in the last hour, the most allowed. "
                        "Your text is kept: save it as a draft and submit it a little later."
                    )
                    % {"limit": limit}
                ]
            },
            code="rate_limited",
        )


# --- the ledger and the running totals ----------------------------------------------------

LEDGER_WRITER_LOCK = 0x1EDC_E4B0  # any bigint; one per database


def _serialise_ledger_writers():
    """Wait for any other ledger writer's transaction to end (precondition: inside a transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_WRITER_LOCK])


def local_day(contest, at):
    return timezone.localtime(at, contest.zone).date() if contest else timezone.localdate(at)


# The hot path of every approval is written as a few portable SQL statements (SQLite and
# PostgreSQL alike): one read of everything a write depends on, then one statement per running
# total.  The ORM equivalent costs several times more in query building than in the database.
# Table and column names come from the models and this module; every value is a parameter.


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _sql(query, params):
    """Run one statement; returns (rows or None, rowcount)."""
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return (cursor.fetchall() if cursor.description else None), cursor.rowcount


@dataclass(frozen=True)
class _Person:
    """A person's totals on the contest and all-time boards, read under the writer lock."""

    user_id: int
    team: str
    disqualified: bool
    points: int
    all_time_points: int


@dataclass(frozen=True)
class _Context:
    """What one ledger write decides on."""

    person: _Person
    approved: int
    awards: int
    reversals: int
    net_points: int
    used: int
    duplicate_flag: str | None
    review_paid: bool

    @property
    def awarded(self):
        return self.awards > self.reversals


def _read_context(contest, user_id, *, category_id, demonstration_id, review_id, day):
    from annotations.models import QualityFlag

    entry, standing = _table(PointEntry), _table(Standing)
    params = {
        "c": contest.pk,
        "u": user_id,
        "cat": category_id,
        "d": demonstration_id,
        "r": review_id,
        "day": connection.ops.adapt_datefield_value(day),
        "approval": Reason.APPROVAL,
        "reversal": Reason.APPROVAL_REVERSED,
        "review": Reason.REVIEW,
        "exact": DUPLICATE_FLAG_KINDS[0],
        "near": DUPLICATE_FLAG_KINDS[1],
    }
    per_demo = f"FROM {entry} WHERE contest_id = %(c)s AND demonstration_id = %(d)s AND review_id IS NULL"
    query = f"""
        SELECT
          (SELECT points FROM {standing} WHERE contest_id = %(c)s AND user_id = %(u)s),
          (SELECT disqualified FROM {standing} WHERE contest_id = %(c)s AND user_id = %(u)s),
          (SELECT points FROM {standing} WHERE contest_id IS NULL AND user_id = %(u)s),
          (SELECT team FROM {_table(Profile)} WHERE user_id = %(u)s),
          (SELECT approved FROM {_table(CategoryProgress)} WHERE contest_id = %(c)s AND category_id = %(cat)s),
          (SELECT COUNT(*) {per_demo} AND reason = %(approval)s),
          (SELECT COUNT(*) {per_demo} AND reason = %(reversal)s),
          (SELECT COALESCE(SUM(points), 0) {per_demo}),
          (SELECT COALESCE(SUM(points), 0) FROM {entry} WHERE contest_id = %(c)s AND user_id = %(u)s
             AND day = %(day)s),
          (SELECT kind FROM {_table(QualityFlag)} WHERE demonstration_id = %(d)s AND kind IN (%(exact)s, %(near)s)
             ORDER BY id LIMIT 1),
          (SELECT COUNT(*) FROM {entry} WHERE contest_id = %(c)s AND review_id = %(r)s AND reason = %(review)s)
    """  # noqa: S608
    rows, _count = _sql(query, params)
    (points, disqualified, all_time, team, approved, awards, reversals, net, used, flag, paid) = rows[0]
    return (
        points,
        all_time,
        _Context(
            person=_Person(user_id, team or "", bool(disqualified), points or 0, all_time or 0),
            approved=approved,
            awards=awards,
            reversals=reversals,
            net_points=net,
            used=used,
            duplicate_flag=flag,
            review_paid=bool(paid),
        ),
    )


def _context(contest, user_id, *, category_id=None, demonstration_id=None, review_id=None, day=None):
    """Read a write's context; create the person's standings and the category's progress row if new.

    Precondition: the caller holds the ledger writer lock, so nobody else creates them meanwhile.
    """
    lookup = {"category_id": category_id, "demonstration_id": demonstration_id, "review_id": review_id, "day": day}
    points, all_time, context = _read_context(contest, user_id, **lookup)
    missing = [board for board, value in ((None, all_time), (contest.pk, points)) if value is None]
    if missing:
        Standing.objects.bulk_create([Standing(contest_id=board, user_id=user_id) for board in missing])
        _shift_scores([(board, 0, 1) for board in missing])
    if category_id is not None and context.approved is None:
        CategoryProgress.objects.create(contest=contest, category_id=category_id)
    if missing or (category_id is not None and context.approved is None):
        context = _read_context(contest, user_id, **lookup)[2]
    return context


def lock_person(contest, user_id):
    """The person's totals, their standings created if new (caller holds the ledger writer lock)."""
    return _context(contest, user_id).person


def _add_amounts(model, key_column, amounts, *, value_column, reached_at=None):
    """Add ``amounts[(contest_id, key)]`` to ``value_column`` of each row in one UPDATE; create missing rows.

    With ``reached_at``, each row's ``reached_at`` becomes the later of its own and that one.
    Safe only under the ledger writer lock: nobody else creates these rows meanwhile.
    """
    keys = list(amounts)
    conditions, condition_params = [], []
    for contest_id, key in keys:
        if contest_id is None:
            conditions.append(f"(contest_id IS NULL AND {key_column} = %s)")
            condition_params.append(key)
        else:
            conditions.append(f"(contest_id = %s AND {key_column} = %s)")
            condition_params += [contest_id, key]
    cases, case_params = [], []
    for (contest_id, key), condition in zip(keys, conditions, strict=True):
        cases.append(f"WHEN {condition} THEN %s")
        case_params += [*([key] if contest_id is None else [contest_id, key]), amounts[(contest_id, key)]]
    later, later_params = "", []
    if reached_at is not None:
        stamp = connection.ops.adapt_datetimefield_value(reached_at)
        later = ", reached_at = CASE WHEN reached_at IS NULL OR reached_at < %s THEN %s ELSE reached_at END"
        later_params = [stamp, stamp]
    _rows, updated = _sql(
        f"UPDATE {_table(model)} SET {value_column} = {value_column} + CASE {' '.join(cases)} "  # noqa: S608
        f"ELSE 0 END{later} WHERE {' OR '.join(conditions)}",
        [*case_params, *later_params, *condition_params],
    )
    if updated == len(keys):
        return
    lookup = Q()
    for contest_id, key in keys:
        lookup |= (
            Q(contest_id=contest_id, **{key_column: key})
            if contest_id
            else Q(contest__isnull=True, **{key_column: key})
        )
    existing = set(model.objects.filter(lookup).values_list("contest_id", key_column))
    extra = {"reached_at": reached_at} if model is TeamStanding else {}
    model.objects.bulk_create(
        [
            model(contest_id=contest_id, **{key_column: key, value_column: amounts[(contest_id, key)]}, **extra)
            for contest_id, key in keys
            if (contest_id, key) not in existing
        ]
    )


def _shift_scores(changes):
    """Apply [(contest_id, points, change)] to the score histogram (caller holds the writer lock)."""
    net = {}
    for contest_id, points, change in changes:
        net[(contest_id, points)] = net.get((contest_id, points), 0) + change
    net = {key: change for key, change in net.items() if change}
    if net:
        _add_amounts(ScoreCount, "points", net, value_column="holders")


def _moves(contest_id, old, new):
    return [(contest_id, old, -1), (contest_id, new, 1)] if old != new else []


def _apply(contest, person, delta, at, *, counted=0, category_id=None):
    """Carry a ledger write over to the running totals.  Caller holds the ledger writer lock."""
    if delta:
        stamp = connection.ops.adapt_datetimefield_value(at)
        _sql(
            f"UPDATE {_table(Standing)} SET points = points + %(delta)s, reached_at = CASE "  # noqa: S608
            "WHEN reached_at IS NULL OR reached_at < %(at)s THEN %(at)s ELSE reached_at END "
            "WHERE user_id = %(u)s AND (contest_id = %(c)s OR contest_id IS NULL)",
            {"delta": delta, "at": stamp, "u": person.user_id, "c": contest.pk},
        )
        moves = _moves(None, person.all_time_points, person.all_time_points + delta)
        if not person.disqualified:
            moves += _moves(contest.pk, person.points, person.points + delta)
        _shift_scores(moves)
    if person.team:
        _add_amounts(
            TeamStanding,
            "team",
            {(contest.pk, person.team): delta, (None, person.team): delta},
            value_column="points",
            reached_at=at if delta else None,
        )
    if counted:
        _sql(
            f"UPDATE {_table(CategoryProgress)} SET approved = approved + %s "  # noqa: S608
            "WHERE contest_id = %s AND category_id = %s",
            [counted, contest.pk, category_id],
        )


def _write(
    *,
    contest,
    person,
    reason,
    score,
    day,
    demonstration_id=None,
    review_id=None,
    category_id=None,
    sequence=1,
    counted=0,
):
    entry = PointEntry.objects.create(
        contest=contest,
        user_id=person.user_id,
        reason=reason,
        points=score.points,
        explanation=score.explanation,
        day=day,
        demonstration_id=demonstration_id,
        review_id=review_id,
        category_id=category_id,
        sequence=sequence,
        counted=counted,
    )
    _apply(contest, person, entry.points, entry.created_at, counted=counted, category_id=category_id)
    return entry


def answered_open_instruction(demonstration):
    """True when the response author answered an instruction somebody else wrote."""
    instruction_author_id = getattr(demonstration, "instruction_author_id", None)
    return instruction_author_id is not None and instruction_author_id != demonstration.author_id


def award_demonstration(*, contest, demonstration, review=None):
    """Award ``demonstration`` in ``contest`` unless it already holds an award there.

    Precondition: inside a transaction holding the ledger writer lock, the demonstration row
    locked by the caller and approved.  Returns the new entry, or None when there was nothing to do.
    """
    rules = scoring.Rules.of(contest)
    day = local_day(contest, demonstration.submitted_at)
    context = _context(
        contest,
        demonstration.author_id,
        category_id=demonstration.category_id,
        demonstration_id=demonstration.pk,
        day=day,
    )
    if context.awarded:
        return None
    score = scoring.score_approval(
        rules,
        category_key=demonstration.category.key,
        approved_before=context.approved,
        rating=getattr(review, "rating", None),
        answered_open_instruction=answered_open_instruction(demonstration),
        used_today=context.used,
        duplicate_of=context.duplicate_flag,
        disqualified=context.person.disqualified,
    )
    return _write(
        contest=contest,
        person=context.person,
        reason=Reason.APPROVAL,
        score=score,
        day=day,
        demonstration_id=demonstration.pk,
        category_id=demonstration.category_id,
        sequence=context.awards + 1,
        counted=1,
    )


@transaction.atomic(savepoint=False)
def on_demonstration_approved(demonstration, review=None):
    """Award points in every contest the demonstration counts for.

    Call inside the approval's transaction, with the demonstration row locked and its status
    already approved; ``review`` (the approving review) supplies the quality rating.  Calling
    it twice for the same approval awards nothing the second time.  Returns the new entries.
    """
    if demonstration.submitted_at is None:
        return []
    contests = list(
        Contest.objects.counting(
            category_id=demonstration.category_id,
            at=demonstration.submitted_at,
        ).order_by("id")
    )
    if contests:
        _serialise_ledger_writers()
    entries = []
    for contest in contests:
        entry = award_demonstration(contest=contest, demonstration=demonstration, review=review)
        if entry is not None:
            entries.append(entry)
    return entries


@transaction.atomic(savepoint=False)
def on_approval_reversed(demonstration):
    """Write the opposite of every award the demonstration still holds (reopened or later rejected).

    Same preconditions as ``on_demonstration_approved``; calling it when nothing is awarded
    writes nothing.  Returns the new entries.
    """
    awarded = (
        PointEntry.objects.filter(demonstration_id=demonstration.pk, review_id=None, reason__in=AWARD_REASONS)
        .values("contest_id")
        .annotate(
            awards=Count("id", filter=Q(reason=Reason.APPROVAL)),
            reversals=Count("id", filter=Q(reason=Reason.APPROVAL_REVERSED)),
        )
        .filter(awards__gt=F("reversals"))
        .order_by("contest_id")
    )
    contests = list(Contest.objects.filter(pk__in=[row["contest_id"] for row in awarded]).order_by("id"))
    if contests:
        _serialise_ledger_writers()
    entries = []
    for contest in contests:
        last_award = (
            PointEntry.objects.filter(contest=contest, demonstration_id=demonstration.pk, reason=Reason.APPROVAL)
            .order_by("-sequence")
            .values("category_id", "day")
            .first()
        )
        context = _context(
            contest, demonstration.author_id, category_id=last_award["category_id"], demonstration_id=demonstration.pk
        )
        if not context.awarded:
            continue
        score = scoring.score_reversal(net_points=context.net_points, cause=Reason.APPROVAL_REVERSED)
        entries.append(
            _write(
                contest=contest,
                person=context.person,
                reason=Reason.APPROVAL_REVERSED,
                score=score,
                day=last_award["day"],
                demonstration_id=demonstration.pk,
                category_id=last_award["category_id"],
                sequence=context.reversals + 1,
                counted=-1,
            )
        )
    return entries


@transaction.atomic(savepoint=False)
def on_review_recorded(review):
    """Pay the reviewer in every contest that pays for reviews of this demonstration's category.

    A contest pays for reviews made while it runs.  Call inside the review's transaction;
    a second call for the same review writes nothing.  Returns the new entries.
    """
    demonstration = review.demonstration
    contests = list(
        Contest.objects.counting(category_id=demonstration.category_id, at=review.created_at)
        .filter(
            review_points__gt=0,
        )
        .order_by("id")
    )
    if contests:
        _serialise_ledger_writers()
    entries = []
    for contest in contests:
        day = local_day(contest, review.created_at)
        context = _context(contest, review.reviewer_id, review_id=review.pk, day=day)
        if context.review_paid:
            continue
        score = scoring.score_review(
            scoring.Rules.of(contest),
            used_today=context.used,
            disqualified=context.person.disqualified,
        )
        entries.append(
            _write(
                contest=contest,
                person=context.person,
                reason=Reason.REVIEW,
                score=score,
                day=day,
                demonstration_id=demonstration.pk,
                review_id=review.pk,
                category_id=demonstration.category_id,
            )
        )
    return entries


@transaction.atomic
def disqualify(*, contest, user, reason, actor):
    """Void everything ``user`` holds in ``contest`` and keep them off its boards.

    Every (demonstration, review, category, day) the person still holds points for gets one
    opposite entry with reason ``disqualified``; later approvals in the contest earn 0.  The
    entries stay: the ledger shows what was earned and what was voided.  Disqualifying twice
    changes nothing.  Returns the ``Disqualification``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contributor is disqualified.")})
    _serialise_ledger_writers()
    person = lock_person(contest, user.pk)
    existing = Disqualification.objects.filter(contest=contest, user=user).first()
    if existing is not None:
        return existing
    disqualification = Disqualification.objects.create(
        contest=contest, user=user, reason=reason[:500], decided_by=actor
    )
    held = (
        PointEntry.objects.filter(contest=contest, user=user)
        .values("demonstration_id", "review_id", "category_id", "day")
        .annotate(net=Sum("points"))
        .filter(~Q(net=0))
        .order_by("day", "demonstration_id", "review_id")
    )
    now = timezone.now()
    voids = [
        PointEntry(
            contest=contest,
            user=user,
            reason=Reason.DISQUALIFIED,
            day=row["day"],
            created_at=now,
            demonstration_id=row["demonstration_id"],
            review_id=row["review_id"],
            category_id=row["category_id"],
            points=-row["net"],
            explanation=scoring.score_void(net_points=row["net"], reason=reason[:200]).explanation,
        )
        for row in held
    ]
    PointEntry.objects.bulk_create(voids, batch_size=1000)
    voided = sum(entry.points for entry in voids)
    _apply(contest, person, voided, now)
    Standing.objects.filter(contest=contest, user=user).update(disqualified=True)
    _shift_scores([(contest.pk, person.points + voided, -1)])
    return disqualification


# --- teams -------------------------------------------------------------------------------


def _recompute_team(contest_id, team):
    totals = Standing.objects.filter(contest_id=contest_id, user__profile__team=team).aggregate(
        points=Sum("points"),
        reached_at=Max("reached_at"),
        members=Count("id"),
    )
    lookup = {"contest_id": contest_id, "team": team}
    if not totals["members"]:
        TeamStanding.objects.filter(**lookup).delete()
        return
    updated = TeamStanding.objects.filter(**lookup).update(points=totals["points"], reached_at=totals["reached_at"])
    if not updated:
        TeamStanding.objects.create(points=totals["points"], reached_at=totals["reached_at"], **lookup)


@transaction.atomic
def set_team(*, user, team):
    """Move ``user`` to ``team`` ("" for none); their points move with them, on every board.

    A team's standing is the sum over its current members, so both teams are recomputed
    from their members' standings.  The person's standings are locked first, as an award would.
    """
    team = (team or "").strip()[:100]
    try:
        check_visible_text(team)
    except ValidationError as error:
        raise ValidationError({"team": error.messages})
    _serialise_ledger_writers()
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    old = profile.team
    if old == team:
        return profile
    profile.team = team
    profile.save(update_fields=["team"])
    for contest_id in Standing.objects.filter(user=user).values_list("contest_id", flat=True):
        for name in (old, team):
            if name:
                _recompute_team(contest_id, name)
    return profile


# --- rebuilding and checking -----------------------------------------------------------------


@dataclass
class Difference:
    table: str
    key: tuple
    expected: tuple | None
    stored: tuple | None

    def __str__(self):
        return f"{self.table} {self.key}: ledger says {self.expected}, stored {self.stored}"


def _expected_totals():
    """Every running total as the ledger says it should be, keyed like the tables.

    A team's total is the sum over its current members; a disqualified person keeps a
    (zero) row even when they had earned nothing.
    """
    totals = {"total": Sum("points"), "latest": Max("created_at", filter=~Q(points=0))}
    people = {}
    for row in PointEntry.objects.values("contest_id", "user_id").annotate(**totals).order_by():
        people[(row["contest_id"], row["user_id"])] = (row["total"], row["latest"], False)
    for row in PointEntry.objects.values("user_id").annotate(**totals).order_by():
        people[(None, row["user_id"])] = (row["total"], row["latest"], False)
    for contest_id, user_id in Disqualification.objects.values_list("contest_id", "user_id"):
        points, reached_at, _disqualified = people.get((contest_id, user_id), (0, None, False))
        people[(contest_id, user_id)] = (points, reached_at, True)
        people.setdefault((None, user_id), (0, None, False))
    team_of = dict(Profile.objects.exclude(team="").values_list("user_id", "team"))
    teams = {}
    for (contest_id, user_id), (points, reached_at, _disqualified) in people.items():
        team = team_of.get(user_id)
        if not team:
            continue
        total, latest = teams.get((contest_id, team), (0, None))
        if reached_at is not None and (latest is None or reached_at > latest):
            latest = reached_at
        teams[(contest_id, team)] = (total + points, latest)
    progress = {}
    for row in (
        PointEntry.objects.exclude(category_id=None)
        .filter(reason__in=AWARD_REASONS)
        .values("contest_id", "category_id")
        .annotate(approved=Sum("counted"))
        .order_by()
    ):
        progress[(row["contest_id"], row["category_id"])] = (row["approved"],)
    scores = {}
    for (contest_id, _user_id), (points, _reached_at, disqualified) in people.items():
        if not disqualified:
            scores[(contest_id, points)] = (scores.get((contest_id, points), (0,))[0] + 1,)
    return people, teams, progress, scores


def _stored_totals():
    people = {
        (row["contest_id"], row["user_id"]): (row["points"], row["reached_at"], row["disqualified"])
        for row in Standing.objects.values("contest_id", "user_id", "points", "reached_at", "disqualified")
    }
    teams = {
        (row["contest_id"], row["team"]): (row["points"], row["reached_at"])
        for row in TeamStanding.objects.values("contest_id", "team", "points", "reached_at")
    }
    progress = {
        (row["contest_id"], row["category_id"]): (row["approved"],)
        for row in CategoryProgress.objects.values("contest_id", "category_id", "approved")
    }
    scores = {
        (row["contest_id"], row["points"]): (row["holders"],)
        for row in ScoreCount.objects.values("contest_id", "points", "holders")
    }
    return people, teams, progress, scores


def _compare(table, expected, stored, *, empty=None):
    differences = []
    for key in sorted(set(expected) | set(stored), key=lambda k: (k[0] is not None, k[0] or 0, str(k[1]))):
        want = expected.get(key, empty)
        have = stored.get(key, empty)
        if want != have:
            differences.append(Difference(table, key, want, have))
    return differences


def standings_differences():
    """What differs between the running totals and the ledger (empty when they agree)."""
    return _differences(_expected_totals(), _stored_totals())


def _differences(expected, stored):
    return (
        _compare("standing", expected[0], stored[0])
        + _compare("team_standing", expected[1], stored[1])
        + _compare("category_progress", expected[2], stored[2], empty=(0,))
        + _compare("score_count", expected[3], stored[3], empty=(0,))
    )


@transaction.atomic
def rebuild_standings(*, dry_run=False):
    """Recompute every running total from the ledger; returns the differences it found (and fixed).

    A table with any difference is rewritten whole from the ledger (bulk inserts), holding the
    ledger writer lock so that no entry is added meanwhile; readers keep seeing the old totals
    until the commit.
    """
    _serialise_ledger_writers()
    expected = _expected_totals()
    stored = _stored_totals()
    differences = _differences(expected, stored)
    if dry_run:
        transaction.set_rollback(True)
        return differences
    tables = {difference.table for difference in differences}
    people, teams, progress, scores = expected
    if "standing" in tables:
        Standing.objects.all().delete()
        Standing.objects.bulk_create(
            (
                Standing(
                    contest_id=contest_id,
                    user_id=user_id,
                    points=points,
                    reached_at=reached_at,
                    disqualified=disqualified,
                )
                for (contest_id, user_id), (points, reached_at, disqualified) in people.items()
            ),
            batch_size=5000,
        )
    if "team_standing" in tables:
        TeamStanding.objects.all().delete()
        TeamStanding.objects.bulk_create(
            (
                TeamStanding(contest_id=contest_id, team=team, points=points, reached_at=reached_at)
                for (contest_id, team), (points, reached_at) in teams.items()
            ),
            batch_size=5000,
        )
    if "category_progress" in tables:
        CategoryProgress.objects.all().delete()
        CategoryProgress.objects.bulk_create(
            (
                CategoryProgress(contest_id=contest_id, category_id=category_id, approved=approved)
                for (contest_id, category_id), (approved,) in progress.items()
            ),
            batch_size=5000,
        )
    if "score_count" in tables:
        ScoreCount.objects.all().delete()
        ScoreCount.objects.bulk_create(
            (
                ScoreCount(contest_id=contest_id, points=points, holders=holders)
                for (contest_id, points), (holders,) in scores.items()
            ),
            batch_size=5000,
        )
    return differences
