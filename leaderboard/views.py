"""Contest and leaderboard pages.  Thin: parse, call a selector or service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import BoardVisibility
from accounts.services import profile_for, profile_update
from annotations.selectors import active_categories
from core.forms import add_service_errors

from . import charts, selectors
from .explain import describe
from .forms import BoardSettingsForm
from .models import Contest
from .scoring import STANDARD_RULES

PREVIEW_ROWS = 10
HISTORY_PAGE_SIZE = 25


@login_required
def contest_list(request):
    return render(request, "leaderboard/contest_list.html", selectors.contests_by_status())


@login_required
def contest_detail(request, slug):
    contest = selectors.access_contest(slug=slug)
    progress = selectors.category_progress(contest)
    board = selectors.leaderboard(
        contest=contest,
        query=selectors.BoardQuery(limit=PREVIEW_ROWS),
        viewer=request.user,
    )
    return render(
        request,
        "leaderboard/contest_detail.html",
        {
            "contest": contest,
            "progress": progress,
            "bars": charts.category_bars(progress),
            "board": board,
        },
    )


def _board_page(request, contest):
    status = 200
    try:
        query = selectors.parse_board_query(request.GET)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            messages.error(request, f"{field}: {' '.join(problems)}")
        query, status = selectors.BoardQuery(), 400
    board = selectors.leaderboard(contest=contest, query=query, viewer=request.user)
    categories = contest.categories.all() if contest else active_categories()
    return render(
        request,
        "leaderboard/leaderboard.html",
        {
            "contest": contest,
            "board": board,
            "query": query,
            "categories": categories,
            "windows": [(key, selectors.WINDOW_LABELS[key]) for key in selectors.WINDOWS],
            "limits": sorted({10, 50, 100, 200, query.limit}),
            "zone": contest.time_zone if contest else settings.TIME_ZONE,
        },
        status=status,
    )


@login_required
def contest_leaderboard(request, slug):
    return _board_page(request, selectors.access_contest(slug=slug))


@login_required
def alltime_leaderboard(request):
    return _board_page(request, None)


@login_required
def my_points(request):
    contest = None
    slug = request.GET.get("contest") or ""
    if slug:
        contest = Contest.objects.filter(slug=slug).first()
        if contest is None:
            messages.error(request, _("contest: no contest %(slug)r; showing all your points.") % {"slug": slug[:60]})
    entries = selectors.points_history(user=request.user, contest=contest)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    series = selectors.points_by_day(user=request.user, contest=contest)
    return render(
        request,
        "leaderboard/my_points.html",
        {
            "contest": contest,
            "standings": selectors.standings_of(user=request.user),
            "page": page,
            "explained": [(entry, describe(entry.explanation)) for entry in page.object_list],
            "series": series,
            "chart": charts.points_over_time(series),
            "by_category": selectors.points_by_category(user=request.user, contest=contest),
            "query": f"contest={contest.slug}" if contest else "",
            "standard_points": STANDARD_RULES.base_points,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_settings(request):
    profile = profile_for(user=request.user)
    if request.method == "POST":
        form = BoardSettingsForm(request.POST)
        if form.is_valid():
            try:
                profile_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved. Leaderboards now show you as you chose."))
                return redirect("my-points")
    else:
        form = BoardSettingsForm(
            initial={
                "show_on_boards": profile.show_on_boards or BoardVisibility.REAL_NAME,
                "display_name": profile.display_name,
            }
        )
    return render(request, "leaderboard/board_settings.html", {"form": form, "profile": profile})
