from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Work e-mail"))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        username = super().clean_username()
        if username is None or self.has_error("username"):
            return username
        try:
            services.check_name(name=username, field="username")
        except ValidationError as error:
            raise ValidationError(error.message_dict["username"])
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        try:
            services.check_email_domain(email=email)
            services.check_email_available(email=email)
        except ValidationError as error:
            raise ValidationError(error.message_dict["email"])
        return email

    def save(self, commit=True):
        raise NotImplementedError("accounts are created by accounts.services.user_create")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_(
            "Who uses the key, e.g. “training cluster”. The key can list releases and download them, nothing else."
        ),
    )


class SignInForm(AuthenticationForm):
    """Says so when the right password is given for a sign-up whose address is not confirmed yet."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = get_user_model().objects.filter(username=username).first() if username else None
            if (
                settings.PASSWORD_LOGIN_ENABLED
                and user is not None
                and services.is_awaiting_confirmation(user)
                and user.check_password(password or "")
            ):
                raise ValidationError(
                    _("Confirm your e-mail address first: open the link we sent to %(email)s."),
                    code="unconfirmed",
                    params={"email": user.email},
                )
            raise
