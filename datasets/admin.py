from django.contrib import admin

from .models import ImportBatch, Release


class ReadOnlyAdmin(admin.ModelAdmin):
    """Releases and imports change only through their services (pages, API, commands)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "status", "record_count", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    show_full_result_count = False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["source_name", "status", "line_count", "imported_count", "skipped_count", "created_at"]
    list_filter = ["status"]
    show_full_result_count = False
