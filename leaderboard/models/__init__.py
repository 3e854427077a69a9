"""Contests, the points ledger and the standings derived from it.

The ledger (``PointEntry``) is the truth: rows are only ever inserted.  Every approval earns
all-time points under the standard rules (an entry without a contest) and, on top, points in
each contest it counts for (``Contest.counts``).  ``Standing``, ``TeamStanding``,
``ScoreCount``, ``CategoryProgress``, ``BoardTotal`` and ``TeamBoardTotal`` are running totals of the ledger,
updated in the same transaction as each ledger insert and recomputable from it at any time
(``manage.py rebuild_standings``, verified by ``manage.py check_standings``).
"""

from .contests import Contest, ContestQuerySet, _default_time_zone
from .ledger import Disqualification, PointEntry, Reason
from .totals import (
    EVERY_CATEGORY,
    BoardScoreCount,
    BoardTotal,
    CategoryProgress,
    Period,
    ScoreCount,
    Standing,
    TeamBoardTotal,
    TeamStanding,
)

__all__ = [
    "EVERY_CATEGORY",
    "BoardScoreCount",
    "BoardTotal",
    "CategoryProgress",
    "Contest",
    "ContestQuerySet",
    "Disqualification",
    "Period",
    "PointEntry",
    "Reason",
    "ScoreCount",
    "Standing",
    "TeamBoardTotal",
    "TeamStanding",
    "_default_time_zone",  # named by migration 0001
]
