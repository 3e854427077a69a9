"""Dashboard pages, the JSON their charts are drawn from, and the page of one demonstration.

Thin: parse, call reports or selectors, render.  The demonstration page lives here because it
gathers writing (annotations), review and the next suggestion (contests).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.permissions import check_admin
from annotations import selectors as demonstration_selectors
from annotations.views import JUST_SUBMITTED
from core.exceptions import BadQueryParameter
from core.integers import to_int
from review import selectors as review_selectors

from . import personal, reports, suggestions


def _window(request):
    """``?days=``: one of ``reports.WINDOWS`` (the default when absent), else a 400 naming it."""
    raw = request.GET.get("days", "")
    if raw == "":
        return reports.DEFAULT_WINDOW
    try:
        days = to_int(raw, min_value=1)
    except ValueError:
        days = None
    if days not in reports.WINDOWS:
        raise BadQueryParameter(
            "days",
            _("Choose a window of %(windows)s days.")
            % {"windows": ", ".join(str(window) for window in reports.WINDOWS)},
        )
    return days


@login_required
@require_GET
def admin_dashboard(request):
    check_admin(request.user)
    days = _window(request)
    charts = [reports.ADMIN_CHARTS[chart_id](days) for chart_id in reports.ADMIN_CHARTS]
    charts[4:4] = reports.contest_progress()
    return render(
        request,
        "dashboards/admin.html",
        {
            "days": days,
            "windows": reports.WINDOWS,
            "charts": charts,
            "review": reports.review_summary(days=days),
            "values": suggestions.category_values()[:3],
        },
    )


@login_required
@require_GET
def admin_chart_data(request, chart_id):
    check_admin(request.user)
    try:
        days = _window(request)
    except BadQueryParameter as error:
        return JsonResponse(error.detail(), status=400)
    chart = reports.admin_chart(chart_id, days=days)
    if chart is None:
        raise Http404("No such chart.")
    return JsonResponse(chart)


@login_required
@require_GET
def personal_dashboard(request):
    return render(
        request,
        "dashboards/personal.html",
        {
            "summary": personal.own_summary(user=request.user),
            "charts": [builder(user=request.user) for builder in personal.PERSONAL_CHARTS.values()],
            "values": suggestions.category_values()[:3],
            "suggestion": suggestions.suggest_next_category(),
        },
    )


@login_required
@require_GET
def personal_chart_data(request, chart_id):
    chart = personal.personal_chart(chart_id, user=request.user)
    if chart is None:
        raise Http404("No such chart.")
    return JsonResponse(chart)


@login_required
def demonstration_detail(request, public_id):
    """One demonstration with its revisions and reviews, and what to write next right after submitting it."""
    demonstration = demonstration_selectors.access_demonstration(user=request.user, public_id=public_id)
    revisions = list(demonstration_selectors.revisions_of(demonstration))
    just_submitted = request.session.pop(JUST_SUBMITTED, None) == str(demonstration.public_id)
    return render(
        request,
        "annotations/demonstration_detail.html",
        {
            "demonstration": demonstration,
            "next_suggestion": suggestions.suggest_next_category() if just_submitted else None,
            "revisions": revisions,
            "is_author": demonstration.author_id == request.user.pk,
            **review_selectors.detail_context(demonstration=demonstration, user=request.user, revisions=revisions),
        },
    )
