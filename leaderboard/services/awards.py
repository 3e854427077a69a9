"""Points for approvals and reviews, and their reversal: the ledger writes a review decision causes.

The review services call ``on_demonstration_approved``, ``on_approval_reversed`` and
``on_review_recorded`` inside the transaction that changes the demonstration, so an approval
and its points commit or roll back together.  Every approval earns all-time points under the
standard rules, whether or not a contest runs; each contest it counts for adds its own on top.
"""

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .. import scoring
from ..models import Contest, PointEntry, Reason
from ..sql import execute_all, render, sql, table
from .context import read_checked_contexts, read_contexts
from .counting import Counting
from .totals import Write, apply_entries, local_day, serialise_ledger_writers

AWARD_REASONS = (Reason.APPROVAL, Reason.APPROVAL_REVERSED)


ENTRY_COLUMNS = (
    "contest_id",
    "user_id",
    "demonstration_id",
    "review_id",
    "category_id",
    "reason",
    "sequence",
    "points",
    "counted",
    "day",
    "explanation",
    "created_at",
)
_insert_texts = {}


def _insert(entries, at):
    """The statement inserting ``entries`` (created at ``at``), returning their ids in order."""
    key = (len(entries), connection.vendor)
    if key not in _insert_texts:
        row = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(ENTRY_COLUMNS)))
        _insert_texts[key] = render(
            sql.SQL("INSERT INTO {} ({}) VALUES {} RETURNING {}").format(
                table(PointEntry),
                sql.SQL(", ").join(map(sql.Identifier, ENTRY_COLUMNS)),
                sql.SQL(", ").join([row] * len(entries)),
                sql.Identifier("id"),
            )
        )
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(at)
    params = []
    for entry in entries:
        params += [
            entry.contest_id,
            entry.user_id,
            entry.demonstration_id,
            entry.review_id,
            entry.category_id,
            entry.reason,
            entry.sequence,
            entry.points,
            entry.counted,
            ops.adapt_datefield_value(entry.day),
            ops.adapt_json_value(entry.explanation, None),
            stamp,
        ]
    return _insert_texts[key], params


def write_entries(entries, writes, at):
    """Insert one person's ledger entries together and carry them over to the running totals (writer lock held).

    ``entries`` are unsaved ``PointEntry`` rows, ``writes`` the matching ``totals.Write``: one
    round trip on PostgreSQL, whatever the number of entries and boards.
    """
    if not entries:
        return []
    rows = execute_all([*apply_entries(writes, at), _insert(entries, at)])
    for entry, (entry_id,) in zip(entries, rows, strict=True):
        entry.pk = entry_id
        entry.created_at = at
        entry._state.adding = False
        entry._state.db = connection.alias
    return entries


def _write_made(made, at):
    """Write the ``(entry, write)`` pairs ``new_entry`` made, created at ``at`` (see ``write_entries``)."""
    return write_entries([entry for entry, _write in made], [write for _entry, write in made], at)


def new_entry(*, contest, person, reason, score, day, counted=0, **links):
    """An unsaved ledger entry and its ``Write``.

    ``links``: ``demonstration_id``, ``review_id``, ``category_id``, ``sequence``.
    """
    entry = PointEntry(
        contest=contest,
        user_id=person.user_id,
        reason=reason,
        points=score.points,
        explanation=score.explanation,
        day=day,
        counted=counted,
        **links,
    )
    return entry, Write(contest, person, score.points, counted, links.get("category_id"))


def answered_open_instruction(demonstration):
    """True when the response author answered an instruction somebody else wrote."""
    instruction_author_id = getattr(demonstration, "instruction_author_id", None)
    return instruction_author_id is not None and instruction_author_id != demonstration.author_id


def _award_lookup(contest, demonstration):
    return {
        "category_id": demonstration.category_id,
        "demonstration_id": demonstration.pk,
        "day": local_day(contest, demonstration.submitted_at),
    }


def _award(contest, demonstration, context, *, review, counted_late):
    """The entry awarding ``demonstration`` on ``contest``'s board (None: all time), or None when already awarded."""
    if context.awarded:
        return None
    rules = scoring.Rules.of(contest) if contest is not None else scoring.STANDARD_RULES
    score = scoring.score_approval(
        rules,
        category_key=demonstration.category.key,
        approved_before=context.approved or 0,
        rating=getattr(review, "rating", None),
        answered_open_instruction=answered_open_instruction(demonstration),
        used_today=context.used,
        duplicate_of=context.duplicate_flag,
        disqualified=context.person.disqualified,
        counted_late=counted_late,
    )
    return new_entry(
        contest=contest,
        person=context.person,
        reason=Reason.APPROVAL,
        score=score,
        day=local_day(contest, demonstration.submitted_at),
        demonstration_id=demonstration.pk,
        category_id=demonstration.category_id,
        sequence=context.awards + 1,
        counted=1 if contest is not None else 0,
    )


def _locked_contexts(user_id, lookups, *, category_id, check=None):
    """Take the ledger writer lock and read the contexts in one round trip; returns (at, contexts, fingerprint).

    ``at``, when the entries are created, is read once the lock is held, so entries keep the
    order writers took turns in.  The board rows are read for the moment before; should the
    day or week have turned in between, ``apply_entries`` reads the new boards' rows itself.
    ``check``: the ``Counting`` whose fingerprint to read too (see ``counting``).
    """
    contexts, fingerprint = read_checked_contexts(
        user_id, lookups, at=timezone.now(), category_id=category_id, lock=True, check=check
    )
    return timezone.now(), contexts, fingerprint


def _counting_contexts(counting, user_id, lookups_of, *, category_id):
    """The contests ``counting`` finds and, under the writer lock, the contexts ``lookups_of(contests)`` lists.

    Returns (contests, at, contexts); no lock and no contexts when there are no lookups.  The
    contests remembered from last time are checked in the context read's round trip and read
    again only when they changed (see ``counting``).
    """
    guess = counting.guess()
    if guess is not None and lookups_of(guess[1]):
        fingerprint, contests = guess
        at, contexts, found = _locked_contexts(user_id, lookups_of(contests), category_id=category_id, check=counting)
        if found == fingerprint:
            return contests, at, contexts
    contests, fingerprint = counting.read()
    lookups = lookups_of(contests)
    if not lookups:
        return contests, None, []
    check = counting if fingerprint is not None else None
    at, contexts, found = _locked_contexts(user_id, lookups, category_id=category_id, check=check)
    if found != fingerprint:
        counting.forget()  # changed since they were read: these are used, and read again next time
    return contests, at, contexts


def award_on_boards(*, boards, demonstration, review=None, counted_late=False):
    """Award ``demonstration`` on each of ``boards`` (contests, None for all time) where it holds no award yet.

    Precondition: inside a transaction, the demonstration row locked by the caller and
    approved.  ``counted_late``: approved before the contest existed.  Takes the ledger writer
    lock and reads every board's context (and the person's rows on the boards the entries add
    to) in one round trip, then inserts the entries and carries them over in another (see
    ``write_entries``).  Returns the new entries.
    """
    lookups = [(contest, _award_lookup(contest, demonstration)) for contest in boards]
    at, contexts, _none = _locked_contexts(demonstration.author_id, lookups, category_id=demonstration.category_id)
    return _write_awards(boards, contexts, at, demonstration, review=review, counted_late=counted_late)


def _write_awards(boards, contexts, at, demonstration, *, review, counted_late):
    made = [
        _award(contest, demonstration, context, review=review, counted_late=counted_late and contest is not None)
        for contest, context in zip(boards, contexts, strict=True)
    ]
    made = [pair for pair in made if pair is not None]
    return _write_made(made, at)


def award_demonstration(*, contest, demonstration, review=None, counted_late=False):
    """Award ``demonstration`` on one board (see ``award_on_boards``); returns the new entry or None."""
    entries = award_on_boards(boards=[contest], demonstration=demonstration, review=review, counted_late=counted_late)
    return entries[0] if entries else None


@transaction.atomic(savepoint=False)
def on_demonstration_approved(demonstration, review=None):
    """Award all-time points and points in every contest the demonstration counts for.

    Call inside the approval's transaction, with the demonstration row locked and its status
    already approved; ``review`` (the approving review) supplies the quality rating.  Calling
    it twice for the same approval awards nothing the second time.  Returns the new entries.
    """
    if demonstration.submitted_at is None:
        return []
    counting = Counting(category_id=demonstration.category_id, at=demonstration.submitted_at)

    def lookups_of(contests):
        return [(contest, _award_lookup(contest, demonstration)) for contest in [None, *contests]]

    contests, at, contexts = _counting_contexts(
        counting, demonstration.author_id, lookups_of, category_id=demonstration.category_id
    )
    boards = [None, *contests]
    return _write_awards(boards, contexts, at, demonstration, review=review, counted_late=False)


def _still_awarded(demonstration):
    """The boards (contest ids, None for all time) where the demonstration holds more awards than reversals."""
    return list(
        PointEntry.objects.filter(demonstration_id=demonstration.pk, review_id=None, reason__in=AWARD_REASONS)
        .values("contest_id")
        .annotate(
            awards=Count("id", filter=Q(reason=Reason.APPROVAL)),
            reversals=Count("id", filter=Q(reason=Reason.APPROVAL_REVERSED)),
        )
        .filter(awards__gt=F("reversals"))
        .order_by(F("contest_id").asc(nulls_first=True))
        .values_list("contest_id", flat=True)
    )


@transaction.atomic(savepoint=False)
def on_approval_reversed(demonstration):
    """Write the opposite of every award the demonstration still holds (reopened or later rejected).

    Same preconditions as ``on_demonstration_approved``; calling it when nothing is awarded
    writes nothing.  Returns the new entries.
    """
    boards = _still_awarded(demonstration)
    if not boards:
        return []
    contests = Contest.objects.in_bulk([board for board in boards if board is not None])
    serialise_ledger_writers()
    last_awards = {}
    for award in (
        PointEntry.objects.filter(demonstration_id=demonstration.pk, reason=Reason.APPROVAL, review_id=None)
        .order_by("sequence")
        .values("contest_id", "category_id", "day")
    ):
        last_awards[award["contest_id"]] = award
    lookups = [
        (
            contests[board] if board is not None else None,
            {"category_id": last_awards[board]["category_id"], "demonstration_id": demonstration.pk},
        )
        for board in boards
    ]
    at = timezone.now()
    contexts = read_contexts(demonstration.author_id, lookups, at=at)
    made = []
    for (contest, lookup), context in zip(lookups, contexts, strict=True):
        if not context.awarded:
            continue
        score = scoring.score_reversal(net_points=context.net_points, cause=Reason.APPROVAL_REVERSED)
        made.append(
            new_entry(
                contest=contest,
                person=context.person,
                reason=Reason.APPROVAL_REVERSED,
                score=score,
                day=last_awards[contest.pk if contest is not None else None]["day"],
                demonstration_id=demonstration.pk,
                category_id=lookup["category_id"],
                sequence=context.reversals + 1,
                counted=-1 if contest is not None else 0,
            )
        )
    return _write_made(made, at)


@transaction.atomic(savepoint=False)
def on_review_recorded(review):
    """Pay the reviewer in every contest that pays for reviews of this demonstration's category.

    A contest pays for reviews made while it runs.  Call inside the review's transaction;
    a second call for the same review writes nothing.  Returns the new entries.
    """
    demonstration = review.demonstration
    counting = Counting(category_id=demonstration.category_id, at=review.created_at, paying_reviews=True)

    def lookups_of(contests):
        return [(c, {"review_id": review.pk, "day": local_day(c, review.created_at)}) for c in contests]

    contests, at, contexts = _counting_contexts(
        counting, review.reviewer_id, lookups_of, category_id=demonstration.category_id
    )
    if not contests:
        return []
    lookups = lookups_of(contests)
    made = []
    for (contest, lookup), context in zip(lookups, contexts, strict=True):
        if context.review_paid:
            continue
        score = scoring.score_review(
            scoring.Rules.of(contest), used_today=context.used, disqualified=context.person.disqualified
        )
        made.append(
            new_entry(
                contest=contest,
                person=context.person,
                reason=Reason.REVIEW,
                score=score,
                day=lookup["day"],
                demonstration_id=demonstration.pk,
                review_id=review.pk,
                category_id=demonstration.category_id,
            )
        )
    return _write_made(made, at)
