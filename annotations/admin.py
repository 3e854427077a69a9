"""The Django admin of categories and of the records kept about demonstrations.

The demonstration admin itself, with its bulk review actions, is in ``review.admin``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import AIPhrase, AuditEntry, Category, OpenInstruction, QualityFlag, Review


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "needs_context", "position", "is_active", "required_approvals", "min_response_chars"]
    list_editable = ["position", "is_active", "required_approvals", "min_response_chars"]
    readonly_fields = ["key", "needs_context"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AIPhrase)
class AIPhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "is_active", "created_at"]
    list_editable = ["is_active"]
    search_fields = ["phrase"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "demonstration_public_id"]
    list_filter = ["action"]
    search_fields = ["demonstration_public_id", "actor__username"]
    list_select_related = ["actor"]
    show_full_result_count = False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "decision", "reason", "rating", "reviewer", "demonstration"]
    list_filter = ["decision", "reason"]
    search_fields = ["reviewer__username", "demonstration__public_id"]
    list_select_related = ["reviewer", "demonstration"]
    show_full_result_count = False


@admin.register(OpenInstruction)
class OpenInstructionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "state", "category", "author", "instruction"]
    list_filter = ["state", "category"]
    search_fields = ["author__username", "public_id"]
    list_select_related = ["category", "author"]
    show_full_result_count = False


@admin.register(QualityFlag)
class QualityFlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "message", "demonstration"]
    list_filter = ["kind"]
    fields = ["demonstration", "kind", "message", "params", "other", "in_queue", "created_at"]
    readonly_fields = ["message", "created_at"]
    list_select_related = ["demonstration"]
    show_full_result_count = False

    @admin.display(description=_("Message"))
    def message(self, flag):
        """The flag's message in the admin's language."""
        return flag.message
