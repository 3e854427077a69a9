"""``{% how_points_work %}``: the scoring in plain words, on every page that shows points."""

from django import template

from ..scoring import STANDARD_RULES
from ..selectors.contests import rules_in_words
from ..selectors.earnings import category_values, running_contests
from ..selectors.points import streak

register = template.Library()


@register.inclusion_tag("leaderboard/includes/how_points_work.html", takes_context=True)
def how_points_work(context):
    """Standard points, each running contest's rules, what earns the most now and the viewer's streak."""
    user = context["request"].user
    contests = running_contests()
    values = category_values(contests=contests)
    return {
        "standard_points": STANDARD_RULES.base_points,
        "contests": [rules_in_words(contest) for contest in contests],
        "best": values[0] if values else None,
        "streak": streak(user=user) if user.is_authenticated else 0,
    }
