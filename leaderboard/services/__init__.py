"""Every change to the points ledger and the running totals derived from it.

Modules: ``awards`` (points for approvals and reviews, and their reversal), ``late_approvals``
(a new contest counting approvals already made), ``disqualification``, ``teams``,
``consistency`` (check and rebuild the totals from the ledger), ``totals`` (the running totals
a write carries over), ``submission_rate`` (anti-gaming) and ``contests`` (create, change, end;
import it as ``leaderboard.services.contests``: it enqueues a task).

Concurrency: ledger writers take turns.  Every function that writes the ledger or a running
total first takes one transaction-scoped PostgreSQL advisory lock
(``totals.serialise_ledger_writers``; SQLite writers are serial anyway), held until the
caller's transaction commits.  Nothing else is locked: no row locks on standings or progress.
Every read that decides what to write happens after the lock, so two concurrent approvals of
one demonstration see each other and the second writes nothing, a daily cap is never overrun,
a balance bonus is computed from a count nobody else is changing, and the shared rows (score
histograms, team totals) cannot deadlock.  The unique constraints on ``PointEntry`` are the
last line of defence.  Awarding takes a few milliseconds, so this bounds ledger writes to a
few hundred per second, far above what reviewers produce.
"""

from .awards import award_demonstration, on_approval_reversed, on_demonstration_approved, on_review_recorded
from .consistency import Difference, rebuild_standings, standings_differences
from .disqualification import disqualify
from .submission_rate import check_submission_rate
from .teams import set_team

__all__ = [
    "Difference",
    "award_demonstration",
    "check_submission_rate",
    "disqualify",
    "on_approval_reversed",
    "on_demonstration_approved",
    "on_review_recorded",
    "rebuild_standings",
    "set_team",
    "standings_differences",
]
