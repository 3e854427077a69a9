"""The duplicate comparison: a flagged record beside the record it resembles, and "Reject as duplicate".

Thin, like ``views``: the comparison is read by ``comparison.access_comparison`` (which checks
the reviewer and the resembled record's visibility) and the decision is recorded by
``views.record_decision``, the queue's own path through ``services.review_decide``.
"""

import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations.exceptions import StaleEdit, TransitionNotAllowed
from annotations.models import Review, Status
from core.forms import add_service_errors
from core.integers import IntegerFormField

from . import selectors
from .comparison import MAX_COMPARED_CHARS, access_comparison
from .views import _filter_query, queue_url_for, record_decision


class DuplicateRejectForm(forms.Form):
    version = IntegerFormField(widget=forms.HiddenInput, min_value=1)


class BadOtherId(ValueError):
    pass


def _other_id(value):
    """The ``with`` parameter: the resembled record's public id, or ``None`` for the first duplicate flag."""
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadOtherId(value) from exc


def _render(request, comparison, *, form=None, error="", status=200):
    flagged = comparison.flagged
    held = selectors.held_by_another(demonstration=flagged, reviewer=request.user, now=timezone.now())
    query = _filter_query(request)
    context = {
        "comparison": comparison,
        "item": flagged,
        "held": held,
        "can_reject": flagged.status == Status.SUBMITTED and comparison.other is not None,
        "form": form or DuplicateRejectForm(initial={"version": flagged.version}),
        "error": error,
        "max_chars": f"{MAX_COMPARED_CHARS:,}",
        "filter_query": query,
        "queue_url": queue_url_for(request),
    }
    return render(request, "review/compare.html", context, status=status)


def _bad_other(request):
    return render(
        request,
        "review/compare_refused.html",
        {"message": _("with: not the id of a demonstration."), "queue_url": queue_url_for(request)},
        status=400,
    )


@login_required
def review_compare(request, public_id):
    """The record flagged as a duplicate beside the record it resembles, with a word diff."""
    try:
        other_id = _other_id(request.GET.get("with"))
    except BadOtherId:
        return _bad_other(request)
    comparison = access_comparison(user=request.user, public_id=public_id, other_public_id=other_id)
    return _render(request, comparison)


@login_required
@require_POST
def review_reject_duplicate(request, public_id):
    """Reject the flagged record with the reason "duplicate", as the queue's Reject would."""
    try:
        other_id = _other_id(request.POST.get("with") or request.GET.get("with"))
    except BadOtherId:
        return _bad_other(request)
    comparison = access_comparison(user=request.user, public_id=public_id, other_public_id=other_id)
    form = DuplicateRejectForm(request.POST)
    if not form.is_valid():
        return _render(request, comparison, form=form, status=400)
    try:
        record_decision(
            request,
            comparison.flagged,
            decision=Review.Decision.REJECT,
            reason=Review.Reason.DUPLICATE,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render(request, comparison, form=form, status=400)
    except (StaleEdit, TransitionNotAllowed) as error:
        # Shown with the record as it is now: another decision or edit got there first.
        fresh = access_comparison(user=request.user, public_id=public_id, other_public_id=other_id)
        return _render(request, fresh, error=str(error), status=409)
    return redirect(queue_url_for(request))
