"""Admin pages for webhooks: register, list deliveries with their attempts, test, redeliver, stop."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import admin_required as admin_required_for
from core.forms import add_service_errors
from core.pagination import page_of

from . import selectors, services
from .models import EVENTS

NEW_SECRET_SESSION_KEY = "webhook_new_secret"
admin_required = admin_required_for(message=gettext_lazy("Only admins manage webhooks."))


class EndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Address"), max_length=1000, assume_scheme="https")
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        required=False,
        min_length=16,
        max_length=200,
        widget=forms.PasswordInput(render_value=True),
        help_text=gettext_lazy(
            "16 characters or more, or leave it empty to have one generated; the receiver checks the "
            "X-Dolly-Signature header with it. It is stored encrypted and shown only once."
        ),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(event, event) for event in EVENTS],
        initial=["release.published"],
        widget=forms.CheckboxSelectMultiple,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(**form.cleaned_data, created_by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The webhook is registered."))
            request.session[NEW_SECRET_SESSION_KEY] = [str(endpoint.public_id), endpoint.created_secret]
            return redirect("datasets:webhook-detail", public_id=endpoint.public_id)
    page = page_of(request, selectors.endpoints(), 20)
    return render(request, "datasets/webhook_list.html", {"form": form, "page": page, "query": ""})


@admin_required
@require_GET
def webhook_detail(request, public_id):
    endpoint = selectors.access_endpoint(public_id=public_id)
    page = page_of(request, selectors.deliveries(endpoint=endpoint), 20)
    shown_id, new_secret = request.session.get(NEW_SECRET_SESSION_KEY) or ("", "")
    if shown_id == str(endpoint.public_id):
        del request.session[NEW_SECRET_SESSION_KEY]  # shown this once, never again
    else:
        new_secret = ""
    return render(
        request,
        "datasets/webhook_detail.html",
        {"endpoint": endpoint, "page": page, "query": "", "new_secret": new_secret},
    )


@admin_required
@require_POST
def webhook_test(request, public_id):
    endpoint = selectors.access_endpoint(public_id=public_id)
    services.webhook_test_send(endpoint=endpoint)
    messages.success(request, _("A test event was sent; its attempt is listed below."))
    return redirect("datasets:webhook-detail", public_id=endpoint.public_id)


@admin_required
@require_POST
def webhook_deactivate(request, public_id):
    endpoint = selectors.access_endpoint(public_id=public_id)
    services.webhook_endpoint_deactivate(endpoint=endpoint)
    messages.success(request, _("No more events will be sent to this address."))
    return redirect("datasets:webhook-detail", public_id=endpoint.public_id)


@admin_required
@require_POST
def webhook_redeliver(request, public_id):
    delivery = selectors.access_delivery(public_id=public_id)
    services.webhook_redeliver(delivery=delivery)
    messages.success(request, _("The delivery was sent again."))
    return redirect("datasets:webhook-detail", public_id=delivery.endpoint.public_id)
