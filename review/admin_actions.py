"""Bulk review actions for the Django admin; each item goes through the review services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.exceptions import StaleEdit, TransitionNotAllowed
from annotations.models import Review

from . import services


class BulkDecisionForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Review.Reason.choices)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _apply(modeladmin, request, queryset, service, **kwargs):
    done, refused = 0, []
    for demonstration in queryset.order_by("pk"):
        try:
            service(demonstration=demonstration, **kwargs)
        except (PermissionDenied, StaleEdit, TransitionNotAllowed, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            refused.append(f"{demonstration.public_id}: {message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, _("%(count)d demonstration(s) done.") % {"count": done}, messages.SUCCESS)
    for line in refused[:20]:
        modeladmin.message_user(request, line, messages.WARNING)
    if len(refused) > 20:
        modeladmin.message_user(
            request, _("…and %(count)d more refused.") % {"count": len(refused) - 20}, messages.WARNING
        )


@admin.action(description=gettext_lazy("Approve selected submissions"), permissions=["review"])
def approve_selected(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, services.review_approve, reviewer=request.user)


def _with_reason(modeladmin, request, queryset, service, title, action_name):
    if "apply" in request.POST:
        form = BulkDecisionForm(request.POST)
        if form.is_valid():
            _apply(modeladmin, request, queryset, service, reviewer=request.user, **form.cleaned_data)
            return None
    else:
        form = BulkDecisionForm()
    return TemplateResponse(
        request,
        "admin/annotations/demonstration/bulk_decision.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action_name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


@admin.action(description=gettext_lazy("Reject selected submissions…"), permissions=["review"])
def reject_selected(modeladmin, request, queryset):
    return _with_reason(
        modeladmin, request, queryset, services.review_reject, _("Reject submissions"), "reject_selected"
    )


@admin.action(description=gettext_lazy("Request changes on selected submissions…"), permissions=["review"])
def request_changes_selected(modeladmin, request, queryset):
    return _with_reason(
        modeladmin,
        request,
        queryset,
        services.review_request_changes,
        _("Request changes on submissions"),
        "request_changes_selected",
    )


@admin.action(description=gettext_lazy("Reopen selected approved demonstrations"), permissions=["review"])
def reopen_selected(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, services.review_reopen, actor=request.user)


BULK_ACTIONS = [approve_selected, reject_selected, request_changes_selected, reopen_selected]
