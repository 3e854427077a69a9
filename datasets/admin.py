from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ImportBatch, Release


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
