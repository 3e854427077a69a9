from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdmin

from . import services
from .models import ApiKey
from .names import check_visible_text


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are created at /accounts/api-keys/ (the raw key is shown once there); here they are listed and revoked."""

    list_display = ["name", "role", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ApiKey._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["view"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key, revoked_by=request.user)
        self.message_user(request, _("Revoked %(count)d keys.") % {"count": len(queryset)})


def _field_error(error, field):
    return ValidationError(error.message_dict.get(field, error.messages))


class _PersonFormChecks:
    """The rules of sign-up and SSO, for an admin editing a person: visible, unconfusable names
    and one account per e-mail address (else the database's unique index would answer a 500)."""

    def clean_username(self):
        username = super().clean_username() if hasattr(super(), "clean_username") else self.cleaned_data["username"]
        if username and "username" in self.changed_data and not self.has_error("username"):
            try:
                services.check_name(name=username, field="username", user=self.instance)
            except ValidationError as error:
                raise _field_error(error, "username")
        return username

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        if email and "email" in self.changed_data:
            try:
                services.check_email_available(email=email, user=self.instance)
            except ValidationError as error:
                raise _field_error(error, "email")
        return email

    def _visible(self, field):
        value = self.cleaned_data.get(field) or ""
        check_visible_text(value)
        return value

    def clean_first_name(self):
        return self._visible("first_name")

    def clean_last_name(self):
        return self._visible("last_name")


class PersonChangeForm(_PersonFormChecks, auth_forms.UserChangeForm):
    pass


class PersonCreationForm(_PersonFormChecks, auth_forms.AdminUserCreationForm):
    pass


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(auth_admin.UserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
