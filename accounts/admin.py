from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created at /accounts/api-keys/ (the raw key is shown once there); here they are listed and revoked."""

    list_display = ["name", "role", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ApiKey._meta.fields if f.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["view"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key, revoked_by=request.user)
        self.message_user(request, _("Revoked %(count)d keys.") % {"count": len(queryset)})
