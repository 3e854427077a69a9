"""Read queries: contests, boards, a person's points.

Modules: ``contests``, ``board_query`` (which board a request asks for), ``boards`` (boards read
from the running totals, and the entry point ``leaderboard``), ``rows`` (naming and ranking
rows) and ``points`` (a person's own points).
"""

from .board_query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SCOPES,
    WINDOW_LABELS,
    WINDOWS,
    BoardQuery,
    parse_board_query,
    window_start,
)
from .boards import leaderboard
from .contests import access_contest, category_progress, contest_list, contests_by_status, rules_in_words
from .points import points_by_category, points_by_day, points_history, standings_of, streak
from .rows import Board, BoardRow

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "SCOPES",
    "WINDOWS",
    "WINDOW_LABELS",
    "Board",
    "BoardQuery",
    "BoardRow",
    "access_contest",
    "category_progress",
    "contest_list",
    "contests_by_status",
    "leaderboard",
    "parse_board_query",
    "points_by_category",
    "points_by_day",
    "points_history",
    "rules_in_words",
    "standings_of",
    "streak",
    "window_start",
]
