from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
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
