from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import ApiKeyForm, SignUpForm
from .permissions import is_admin


class SignInView(LoginView):
    """The sign-in page: the company's single sign-on, the password form, or both."""

    redirect_authenticated_user = True

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
            user = services.user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Pick a category and write your first demonstration."))
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    if request.method == "POST":
        services.rotate_api_token(user=request.user)
        messages.success(request, _("A new API token was issued; the old one no longer works."))
        return redirect("api-token")
    token = services.get_or_create_api_token(user=request.user)
    return render(request, "accounts/api_token.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """Admins: machine keys (dataset readers) with their last use; create one (shown once)."""
    if not is_admin(request.user):
        raise PermissionDenied(_("Only admins manage API keys."))
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_key_create(name=form.cleaned_data["name"], created_by=request.user)
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            form = ApiKeyForm()
    page = Paginator(selectors.api_keys(), 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": "", "created": created}
    return render(request, "accounts/api_keys.html", context)


@login_required
@require_POST
def api_key_revoke(request, pk):
    if not is_admin(request.user):
        raise PermissionDenied(_("Only admins manage API keys."))
    api_key = get_object_or_404(selectors.api_keys(), pk=pk)
    services.api_key_revoke(api_key=api_key, revoked_by=request.user)
    messages.success(request, _("The key “%(name)s” is revoked; it no longer works.") % {"name": api_key.name})
    return redirect("api-keys")
