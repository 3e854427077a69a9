from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("Work e-mail"))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        domain = email.rsplit("@", 1)[-1].lower()
        allowed = settings.ALLOWED_EMAIL_DOMAINS
        if allowed and domain not in allowed:
            raise forms.ValidationError(
                _("Sign-up is open to addresses at %(domains)s only."),
                params={"domains": ", ".join(allowed)},
            )
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email
