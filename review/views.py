"""Review pages: the queue, decisions, reviewer edits, reopening, statistics, notifications.

Thin: parse, call a service or selector, render.  Permissions are checked by the
``selectors.access_*``/``check_*`` functions and again by the services.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from annotations import selectors as demonstration_selectors
from annotations.exceptions import StaleEdit, TransitionNotAllowed
from annotations.forms import DemonstrationForm
from annotations.models import Category
from annotations.views import render_editor
from core.forms import add_service_errors
from core.i18n import colon
from core.integers import optional_int, to_int
from core.pagination import page_of

from . import selectors, services
from .comparison import is_duplicate_flag
from .exceptions import HeldByAnotherReviewer
from .forms import FILTER_KEYS, DecisionForm, QueueFilterForm, suggested_reason
from .notifications import notifications_mark_read
from .undo import UndoNotAllowed, review_undo, undo_deadline, undo_window

UNDO_SESSION_KEY = "review_undo"


def _queue_url(query):
    url = reverse("review-queue")
    return f"{url}?{query}" if query else url


def _filter_params(request):
    """The queue's filter parameters, carried in the query string of the decision and edit forms."""
    return [(key, request.GET[key]) for key in FILTER_KEYS if request.GET.get(key)]


def _filter_query(request):
    return urlencode(_filter_params(request))


def _undo_offer(request):
    """The decision the reviewer made last, while it can still be undone: ``{"review", "seconds"}``."""
    now = timezone.now()
    review = selectors.recent_decision(
        reviewer=request.user, review_id=request.session.get(UNDO_SESSION_KEY), since=now - undo_window()
    )
    if review is None:
        return None
    return {"review": review, "seconds": max(1, int((undo_deadline(review) - now).total_seconds()))}


def record_decision(request, demonstration, **decision):
    """Record the signed-in reviewer's decision through ``services.review_decide``.

    The queue's buttons and the duplicate comparison's "Reject as duplicate" both decide here,
    so the next page says what was recorded and offers to undo it (review/includes/undo.html).
    Service refusals propagate.
    """
    review = services.review_decide(demonstration=demonstration, reviewer=request.user, **decision)
    request.session[UNDO_SESSION_KEY] = review.pk
    return review


def queue_url_for(request):
    """The queue, with the filters ``request`` carries."""
    return _queue_url(_filter_query(request))


def _render_item(request, demonstration, *, form=None, filters_form=None, claimed=True, status=200):
    """The review page for one submission, with its flags, history, decision form and queue size."""
    item = selectors.review_item(demonstration.pk)
    flags = list(item.flags.all())
    context = {
        "item": item,
        "flags": flags,
        "has_duplicate_flag": any(is_duplicate_flag(flag) for flag in flags),
        "undo": _undo_offer(request),
        "history": list(selectors.reviews_of(item).exclude(round=item.review_round)[:20]),
        "form": form or DecisionForm(initial={"version": item.version, "reason": suggested_reason(flags)}),
        "filters": filters_form,
        "filter_query": _filter_query(request),
        "claimed": claimed,
        "queue_size": selectors.queue_size(
            reviewer=request.user,
            now=timezone.now(),
            filters=filters_form.to_filters() if filters_form else selectors.NO_FILTERS,
        ),
        "decisions_in_round": selectors.round_reviews(item).count(),
    }
    return render(request, "review/queue.html", context, status=status)


@login_required
def review_queue(request):
    """Claim the next submission (or keep the one already held) and show it."""
    selectors.check_can_review(request.user)
    filters_form = QueueFilterForm.for_request(request)
    if filters_form.is_bound and not filters_form.is_valid():
        for field, errors in filters_form.errors.items():
            messages.error(request, f"{filters_form.fields[field].label}{colon()}{' '.join(errors)}")
    demonstration = services.review_claim_next(reviewer=request.user, filters=filters_form.to_filters())
    if demonstration is None:
        return render(request, "review/queue_empty.html", {"filters": filters_form, "undo": _undo_offer(request)})
    return _render_item(request, demonstration, filters_form=filters_form)


@login_required
def review_open(request, public_id):
    """One submission opened directly (a link from a list, a flag's other record); not claimed."""
    demonstration = selectors.access_review_item(user=request.user, public_id=public_id)
    return _render_item(request, demonstration, filters_form=QueueFilterForm.for_request(request), claimed=False)


@login_required
@require_POST
def review_decide(request, public_id):
    demonstration = selectors.access_review_item(user=request.user, public_id=public_id)
    form = DecisionForm(request.POST)
    query = _filter_query(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_decision(
                request,
                demonstration,
                decision=data["decision"],
                expected_version=data["version"],
                reason=data["reason"],
                comment=data["comment"],
                rating=data["rating"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except HeldByAnotherReviewer as error:
            # The record stays on screen, unclaimed, saying whose turn it is; nothing was recorded.
            form.add_error(None, str(error))
            filters_form = QueueFilterForm.for_request(request)
            return _render_item(request, demonstration, form=form, filters_form=filters_form, claimed=False, status=409)
        except (StaleEdit, TransitionNotAllowed) as error:
            messages.error(request, str(error))
            return redirect(_queue_url(query))
        else:
            return redirect(_queue_url(query))
    filters_form = QueueFilterForm.for_request(request)
    return _render_item(request, demonstration, form=form, filters_form=filters_form, status=400)


@login_required
@require_POST
def review_undo_view(request, public_id):
    """Take back the decision just made; the demonstration comes back to this reviewer's screen."""
    review = selectors.access_own_decision(user=request.user, public_id=public_id)
    try:
        demonstration = review_undo(review=review, reviewer=request.user)
    except UndoNotAllowed as error:
        messages.error(request, str(error))
        return redirect(_queue_url(_filter_query(request)))
    request.session.pop(UNDO_SESSION_KEY, None)
    messages.success(request, _("Decision undone: the demonstration is waiting for your decision again."))
    url = reverse("review-open", args=[demonstration.public_id])
    query = _filter_query(request)
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def review_skip(request, public_id):
    demonstration = selectors.access_review_item(user=request.user, public_id=public_id)
    services.review_skip(demonstration=demonstration, reviewer=request.user)
    return redirect(_queue_url(_filter_query(request)))


@login_required
@require_POST
def review_skips_clear(request):
    selectors.check_can_review(request.user)
    count = services.review_skips_clear(reviewer=request.user)
    messages.success(request, _("%(count)d skipped item(s) are back in your queue.") % {"count": count})
    return redirect("review-queue")


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request, public_id):
    """Correct a submission before deciding on it; saved as a revision the contributor can see."""
    demonstration = selectors.access_review_item(user=request.user, public_id=public_id)
    categories = demonstration_selectors.active_categories()
    query = _filter_query(request)
    stale = None
    if request.method == "POST":
        form = DemonstrationForm(request.POST, categories=categories)
        if form.is_valid():
            try:
                services.review_edit(
                    demonstration=demonstration,
                    reviewer=request.user,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except StaleEdit as error:
                stale = error
                form.add_error(None, _("%(problem)s Your changes below have NOT been saved.") % {"problem": error})
            except TransitionNotAllowed as error:
                messages.error(request, str(error))
                return redirect(_queue_url(query))
            else:
                messages.success(request, _("Correction saved. Decide on the corrected text now."))
                return redirect(_queue_url(query))
    else:
        form = DemonstrationForm.for_demonstration(demonstration, categories=categories)
    return render_editor(
        request,
        "review/edit.html",
        form,
        stale=stale,
        item=demonstration,
        flags=selectors.flags_of(demonstration),
        filter_query=query,
    )


@login_required
@require_POST
def review_reopen(request, public_id):
    demonstration = selectors.access_reopenable(user=request.user, public_id=public_id)
    try:
        services.review_reopen(
            demonstration=demonstration,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            expected_version=optional_int(request.POST.get("version"), field="version", min_value=1),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (StaleEdit, TransitionNotAllowed) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Reopened: the demonstration is back in the review queue."))
    return redirect("demonstration-detail", public_id=public_id)


@login_required
def review_stats(request):
    selectors.check_can_review(request.user)
    categories = list(Category.objects.all())
    per_category = [(c, selectors.reviewer_agreement(category_id=c.pk)) for c in categories if c.required_approvals > 1]
    return render(
        request,
        "review/stats.html",
        {
            "agreement": selectors.reviewer_agreement(),
            "per_category": per_category,
            "reviewers": list(selectors.reviewer_stats()[:200]),
        },
    )


# --- notifications ------------------------------------------------------------------------------


@login_required
def notification_list(request):
    page = page_of(request, selectors.notifications_for(request.user), 25)
    return render(request, "review/notifications.html", {"page": page})


def _notification_id(value):
    try:
        return to_int(value, min_value=1, max_value=2**63 - 1)
    except ValueError:
        return None


@login_required
@require_POST
def notification_read(request):
    ids = [number for number in map(_notification_id, request.POST.getlist("id")) if number is not None] or None
    notifications_mark_read(user=request.user, ids=ids)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notification-list")
