"""Contest and leaderboard pages.  Thin: parse, call a selector or service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import BoardVisibility
from accounts.permissions import check_admin, is_admin
from accounts.services import profile_for, profile_update
from annotations.selectors import active_categories
from core.forms import add_service_errors
from core.i18n import colon
from core.pagination import page_of

from . import charts, selectors
from .explain import describe
from .forms import BoardSettingsForm, ContestForm, zone_of
from .models import Contest
from .scoring import STANDARD_RULES
from .services import contests as contest_services

PREVIEW_ROWS = 10
CONTEST_DEFAULTS = {
    "base_points": 10,
    "rating_bonus": 0,
    "open_instruction_bonus": 0,
    "review_points": 0,
    "balance_max_multiplier": "2.00",
}
HISTORY_PAGE_SIZE = 25


@login_required
def contest_list(request):
    context = {**selectors.contests_by_status(), "can_run_contests": is_admin(request.user)}
    return render(request, "leaderboard/contest_list.html", context)


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
            "rules": selectors.rules_in_words(contest),
            "can_run_contests": is_admin(request.user),
            "standard_points": STANDARD_RULES.base_points,
        },
    )


def _board_page(request, contest):
    status = 200
    try:
        query = selectors.parse_board_query(request.GET)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            messages.error(request, f"{field}{colon()}{' '.join(problems)}")
        query, status = selectors.BoardQuery(), 400
    board = selectors.leaderboard(contest=contest, query=query, viewer=request.user, with_neighbours=True)
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
    page = page_of(request, entries, HISTORY_PAGE_SIZE)
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


CONTESTS_FOR_ADMINS = "Contests are run by admins."


def _preview(form):
    """The rules as contributors will read them, from the form's values, nothing saved."""
    fields = form.service_arguments()
    categories = fields.pop("categories")
    contest = Contest(**fields)
    return {"contest": contest, "rules": selectors.rules_in_words(contest, categories)}


def _save_contest(request, form, contest):
    fields = form.service_arguments()
    try:
        if contest is None:
            return contest_services.contest_create(**fields)
        return contest_services.contest_update(contest=contest, **fields)
    except ValidationError as error:
        add_service_errors(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def contest_form(request, slug=None):
    """Create or change a contest: a row per category, dates in the contest's zone, the rules previewed."""
    check_admin(request.user, CONTESTS_FOR_ADMINS)
    contest = selectors.access_contest(slug=slug) if slug else None
    data = request.POST if request.method == "POST" else None
    categories = active_categories()
    status, preview = 200, None
    with timezone.override(zone_of(data, contest)):
        initial = ContestForm.initial_of(contest) if contest else {"time_zone": settings.TIME_ZONE, **CONTEST_DEFAULTS}
        form = ContestForm(data, initial=initial, categories=categories)
        if data is not None and form.is_valid():
            if "preview" in data:
                preview = _preview(form)
            else:
                saved = _save_contest(request, form, contest)
                if saved is not None:
                    messages.success(request, _("Contest saved."))
                    return redirect("contest-detail", saved.slug)
        if data is not None and not form.is_valid():
            status = 400
        return render(
            request,
            "leaderboard/contest_form.html",
            {"form": form, "contest": contest, "preview": preview, "standard_points": STANDARD_RULES.base_points},
            status=status,
        )


@login_required
@require_http_methods(["POST"])
def contest_end(request, slug):
    check_admin(request.user, CONTESTS_FOR_ADMINS)
    contest = selectors.access_contest(slug=slug)
    try:
        contest_services.contest_end(contest=contest)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The contest has ended."))
    return redirect("contest-detail", contest.slug)
