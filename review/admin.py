"""The demonstration admin: read-only records with bulk review actions (through the review services)."""

from django.contrib import admin

from accounts.permissions import is_admin
from annotations.models import Demonstration, Revision

from .admin_actions import BULK_ACTIONS


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["version", "editor", "created_at", "instruction"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Demonstration)
class DemonstrationAdmin(admin.ModelAdmin):
    """Demonstrations are read here and reviewed in bulk; nothing a contributor wrote is deleted here.

    Only authors delete their own drafts, through ``demonstration_delete`` (pages and API).
    """

    list_display = ["public_id", "category", "author", "status", "origin", "updated_at"]
    list_filter = ["status", "category", "origin"]
    search_fields = ["instruction", "author__username", "public_id"]
    list_select_related = ["category", "author"]
    readonly_fields = [
        "public_id",
        "author",
        "origin",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
        "category",
        "instruction",
        "context",
        "source_url",
        "response",
        "status",
    ]
    inlines = [RevisionInline]
    show_full_result_count = False
    actions = BULK_ACTIONS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return is_admin(request.user)
