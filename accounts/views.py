from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.pagination import page_of

from . import selectors, services
from .forms import ApiKeyForm, SignInForm, SignUpForm
from .permissions import check_admin


class SignInView(LoginView):
    """The sign-in page: the company's single sign-on, the password form, or both."""

    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sso_enabled=settings.SSO_ENABLED,
            sso_provider_name=settings.SSO_PROVIDER_NAME,
            password_login_enabled=settings.PASSWORD_LOGIN_ENABLED,
            signup_enabled=settings.SIGNUP_ENABLED,
            **kwargs,
        )


@require_http_methods(["GET", "POST"])
def signup(request):
    if not settings.SIGNUP_ENABLED:
        raise Http404
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not user.is_active:
                request.session["signup_email"] = user.email
                return redirect("signup-sent")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Pick a category and write your first demonstration."))
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET"])
def signup_sent(request):
    if request.user.is_authenticated:
        return redirect("home")
    context = {"email": request.session.get("signup_email", ""), "hours": settings.SIGNUP_CONFIRMATION_HOURS}
    return render(request, "registration/signup_sent.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    """GET shows a button and changes nothing (mail scanners open links); POST confirms, or sends a
    new link when this one has expired."""
    if request.user.is_authenticated:
        return redirect("home")
    resend = request.method == "POST" and request.POST.get("action") == "resend"
    try:
        if request.method == "GET" or resend:
            user = services.check_confirmation(token=token)
            return render(request, "registration/signup_confirm.html", {"confirm_user": user})
        user = services.signup_confirm(token=token)
    except services.ConfirmationFailed as failure:
        if resend and failure.user is not None:
            services.signup_confirmation_send(user=failure.user)
            request.session["signup_email"] = failure.user.email
            return redirect("signup-sent")
        context = {"reason": failure.reason, "can_resend": failure.user is not None}
        return render(request, "registration/signup_confirm.html", context, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, _("Your address is confirmed. Welcome! Pick a category and write your first demonstration.")
    )
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    if request.method == "POST":
        services.rotate_api_token(user=request.user)
        messages.success(request, _("A new API token was issued; the old one no longer works."))
        return redirect("api-token")
    token = services.get_or_create_api_token(user=request.user)
    return render(request, "accounts/api_token.html", {"token": token})


API_KEYS_FOR_ADMINS = gettext_lazy("Only admins manage API keys.")


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """Admins: machine keys (dataset readers) with their last use; create one (shown once)."""
    check_admin(request.user, API_KEYS_FOR_ADMINS)
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_key_create(name=form.cleaned_data["name"], created_by=request.user)
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            form = ApiKeyForm()
    page = page_of(request, selectors.api_keys(), 50)
    context = {"form": form, "page": page, "query": "", "created": created}
    return render(request, "accounts/api_keys.html", context)


@login_required
@require_POST
def api_key_revoke(request, pk):
    check_admin(request.user, API_KEYS_FOR_ADMINS)
    api_key = get_object_or_404(selectors.api_keys(), pk=pk)
    services.api_key_revoke(api_key=api_key, revoked_by=request.user)
    messages.success(request, _("The key “%(name)s” is revoked; it no longer works.") % {"name": api_key.name})
    return redirect("api-keys")
