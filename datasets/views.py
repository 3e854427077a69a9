"""Admin pages for dataset releases and imports.  Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import admin_required as admin_required_for
from core.forms import add_service_errors
from core.pagination import page_of

from . import selectors, services
from .downloads import release_file_response
from .forms import ImportForm, ReleaseFilterForm, ReleaseForm
from .models import ImportBatch

admin_required = admin_required_for(message=_("Only admins manage dataset releases."))
RUNNING_IMPORT_STATES = (ImportBatch.State.CHECKING, ImportBatch.State.QUEUED, ImportBatch.State.IMPORTING)


def _run_or_show_refusal(request, action):
    """Run the service call ``action``: True if done; if it refuses (ValidationError), show why and return False."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    return True


def _job_status_payload(job, **details):
    """What a release's or an import's page polls: its state and progress, then ``details``."""
    return {
        "id": str(job.public_id),
        "status": job.status,
        "status_display": job.get_status_display(),
        "progress": services.current_progress(job),
        **details,
    }


def release_status_payload(release):
    return _job_status_payload(
        release, record_count=release.record_count, error=release.error, finished=release.is_finished
    )


@admin_required
@require_GET
def release_list(request):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    filters = ReleaseFilterForm(request.GET or None)
    queryset = selectors.releases()
    if filters.is_valid() and filters.cleaned_data["status"]:
        queryset = queryset.filter(status=filters.cleaned_data["status"])
    page = page_of(request, queryset, 20)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "datasets/release_list.html", {"page": page, "filters": filters, "query": query.urlencode()})


@admin_required
@require_http_methods(["GET", "POST"])
def release_create(request):
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        release = services.release_create(
            created_by=request.user,
            options=form.cleaned_data["options"],
            name=form.cleaned_data["name"],
            tag=form.cleaned_data["tag"],
        )
        # A release being built says so on its page (status and progress): no message that
        # would still read "queued" beside "Done" when the build finished before the page loaded.
        if release.status == release.State.FAILED:
            messages.error(request, release.error)
        return redirect("datasets:release-detail", public_id=release.public_id)
    return render(request, "datasets/release_form.html", {"form": form})


@admin_required
@require_GET
def release_detail(request, public_id):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    release = selectors.access_release(public_id=public_id)
    return render(
        request,
        "datasets/release_detail.html",
        {
            "release": release,
            "progress": services.current_progress(release),
            "card": selectors.card_for_preview(release.card) if release.card else "",
            "status_url": reverse("datasets:release-status", args=[release.public_id]),
        },
    )


@admin_required
@require_POST
def release_retry(request, public_id):
    release = selectors.access_release(public_id=public_id)
    if _run_or_show_refusal(request, lambda: services.release_retry(release=release)):
        messages.success(request, _("The release is queued again."))
    return redirect("datasets:release-detail", public_id=release.public_id)


@admin_required
@require_GET
def release_status(request, public_id):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    return JsonResponse(release_status_payload(selectors.access_release(public_id=public_id)))


@admin_required
@require_GET
def release_download(request, public_id, name):
    return release_file_response(request, release=selectors.access_release(public_id=public_id), name=name)


@admin_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_stage(
                created_by=request.user,
                upload=form.cleaned_data["file"],
                target_status=form.cleaned_data["status"],
                author_username=form.cleaned_data["author"],
                create_categories=form.cleaned_data["create_categories"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("datasets:import-detail", public_id=batch.public_id)
    page = page_of(request, selectors.import_batches(), 20)
    return render(request, "datasets/import_list.html", {"form": form, "page": page, "query": ""})


@admin_required
@require_GET
def import_detail(request, public_id):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    batch = selectors.access_import(public_id=public_id)
    return render(
        request,
        "datasets/import_detail.html",
        {
            "batch": batch,
            "progress": services.current_progress(batch),
            "phase": services.current_phase(batch),
            "hidden_problems": batch.problem_count - len(batch.problems),
            "status_url": reverse("datasets:import-status", args=[batch.public_id]),
        },
    )


@admin_required
@require_POST
def import_confirm(request, public_id):
    batch = selectors.access_import(public_id=public_id)
    _run_or_show_refusal(request, lambda: services.import_confirm(batch=batch))
    return redirect("datasets:import-detail", public_id=batch.public_id)


@admin_required
@require_GET
def import_status(request, public_id):
    services.jobs_fail_stale()  # a job whose worker was lost shows as failed, not as running forever
    batch = selectors.access_import(public_id=public_id)
    return JsonResponse(
        _job_status_payload(
            batch,
            imported_count=batch.imported_count,
            skipped_count=batch.skipped_count,
            error=batch.error,
            phase=services.current_phase(batch),
            finished=batch.status not in RUNNING_IMPORT_STATES,
        )
    )
