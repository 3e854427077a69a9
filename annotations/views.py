"""Server-rendered pages for contributors.  Thin: parse, call a service or selector, render."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.i18n import colon
from core.integers import optional_int
from core.pagination import page_of

from . import selectors, services
from .exceptions import StaleEdit, TransitionNotAllowed
from .forms import DemonstrationForm, StatusFilterForm
from .models import Category, Origin, Status
from .validation import max_lengths


@login_required
def home(request):
    categories = list(selectors.active_categories())
    counts = selectors.status_counts(user=request.user)
    return render(
        request,
        "annotations/home.html",
        {
            "categories": categories,
            "counts": [(status, label, counts.get(status, 0)) for status, label in Status.choices],
        },
    )


@login_required
def category_list(request):
    return render(request, "annotations/category_list.html", {"categories": selectors.active_categories()})


@login_required
def category_detail(request, key):
    category = get_object_or_404(selectors.active_categories(), key=key)
    return render(request, "annotations/category_detail.html", {"category": category})


@login_required
def demonstration_list(request):
    categories = list(Category.objects.all())
    filters = StatusFilterForm(request.GET or None, statuses=Status.choices, categories=categories)
    status = category = None
    if filters.is_valid():
        status = filters.cleaned_data["status"] or None
        category = filters.cleaned_data["category"] or None
    elif filters.is_bound:
        messages.error(request, _("Unknown filter value ignored: %(fields)s.") % {"fields": ", ".join(filters.errors)})
    queryset = selectors.own_demonstrations(user=request.user, status=status, category_key=category)
    page = page_of(request, queryset, 25)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "annotations/demonstration_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
        },
    )


def render_editor(request, template, form, *, stale, **context):
    """A page editing a demonstration's text; 409 when the save was refused as stale."""
    return render(
        request,
        template,
        {"form": form, "limits": max_lengths(), "stale": stale, **context},
        status=409 if stale else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_create(request):
    categories = selectors.active_categories()
    stale = existing = None
    if request.method == "POST":
        form = DemonstrationForm(request.POST, categories=categories)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                demonstration, created = services.demonstration_save_new(
                    author=request.user,
                    origin=Origin.WEB,
                    submit=submit,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    changes=form.changes(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (StaleEdit, TransitionNotAllowed) as error:
                # This page's earlier save created the draft, which has changed since.
                stale = error
                existing = selectors.own_demonstration_with_key(
                    user=request.user, idempotency_key=form.cleaned_data["idempotency_key"]
                )
                form.add_error(None, _stale_message(error))
            else:
                return _after_save(request, demonstration, submit)
    else:
        form = DemonstrationForm(
            initial={"category": request.GET.get("category"), "idempotency_key": uuid.uuid4().hex},
            categories=categories,
        )
    return render_editor(
        request,
        "annotations/demonstration_form.html",
        form,
        stale=stale,
        categories=selectors.active_categories(),
        creating=existing is None,
        demonstration=existing,
    )


def _stale_message(error):
    return _("%(problem)s Your text below has NOT been saved: copy what you need, then open the current version.") % {
        "problem": error
    }


JUST_SUBMITTED = "dolly_just_submitted"


def _after_submit(request, demonstration):
    """Thank the author; the detail page they land on then suggests what to write next."""
    messages.success(request, _("Submitted for review. Thank you!"))
    request.session[JUST_SUBMITTED] = str(demonstration.public_id)
    return redirect("demonstration-detail", public_id=demonstration.public_id)


def _after_save(request, demonstration, submitted):
    if submitted:
        return _after_submit(request, demonstration)
    messages.success(request, _("Draft saved."))
    return redirect("demonstration-edit", public_id=demonstration.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_edit(request, public_id):
    demonstration = selectors.access_own_demonstration(user=request.user, public_id=public_id)
    if not demonstration.is_editable:
        messages.error(
            request,
            _("This demonstration is %(status)s and can no longer be edited.")
            % {"status": demonstration.get_status_display().lower()},
        )
        return redirect("demonstration-detail", public_id=public_id)
    categories = selectors.active_categories()
    stale = None
    if request.method == "POST":
        form = DemonstrationForm(request.POST, categories=categories)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                updated = services.demonstration_update(
                    demonstration=demonstration,
                    editor=request.user,
                    submit=submit,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except StaleEdit as error:
                stale = error
                form.add_error(None, _stale_message(error))
            except TransitionNotAllowed as error:
                messages.error(request, str(error))
                return redirect("demonstration-detail", public_id=public_id)
            else:
                return _after_save(request, updated, submit)
    else:
        form = DemonstrationForm.for_demonstration(demonstration, categories=categories)
    return render_editor(
        request,
        "annotations/demonstration_form.html",
        form,
        stale=stale,
        categories=selectors.active_categories(),
        demonstration=demonstration,
    )


@login_required
@require_POST
def demonstration_submit(request, public_id):
    demonstration = selectors.access_own_demonstration(user=request.user, public_id=public_id)
    try:
        services.demonstration_submit(
            demonstration=demonstration,
            actor=request.user,
            expected_version=optional_int(request.POST.get("version"), field="version", min_value=1),
        )
    except ValidationError as error:
        messages.error(request, _("Not submitted: complete the highlighted fields first."))
        for field, problems in error.message_dict.items():
            messages.error(request, f"{field}{colon()}{' '.join(problems)}")
        return redirect("demonstration-edit", public_id=public_id)
    except (StaleEdit, TransitionNotAllowed) as error:
        messages.error(request, str(error))
    else:
        return _after_submit(request, demonstration)
    return redirect("demonstration-detail", public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_delete(request, public_id):
    demonstration = selectors.access_own_demonstration(user=request.user, public_id=public_id)
    if not demonstration.is_deletable:
        messages.error(request, _("Only drafts can be deleted."))
        return redirect("demonstration-detail", public_id=public_id)
    # The version of the page the author came from, then of the confirmation page: a draft
    # changed since (another tab, another window's autosave) is not deleted.
    raw = request.POST.get("version") if request.method == "POST" else request.GET.get("version")
    try:
        version = optional_int(raw, field="version", min_value=1)
    except ValidationError:
        version = None
    stale = None
    if request.method == "POST":
        try:
            services.demonstration_delete(demonstration=demonstration, actor=request.user, expected_version=version)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("demonstration-detail", public_id=public_id)
        except StaleEdit as error:
            stale = error
            demonstration.refresh_from_db()
        else:
            messages.success(request, _("Draft deleted."))
            return redirect("demonstration-list")
    elif version is not None and version != demonstration.version:
        stale = StaleEdit(demonstration.version)
    return render(
        request,
        "annotations/demonstration_confirm_delete.html",
        {"demonstration": demonstration, "stale": stale},
        status=409 if stale else 200,
    )
