import zoneinfo

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from core.admin import ReadOnlyAdmin

from . import services
from .models import Contest, Disqualification, PointEntry, Standing
from .services import contests as contest_services


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "starts_at", "ends_at", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["categories"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "prizes"]}),
        (
            _("When"),
            {
                "fields": ["starts_at", "ends_at", "time_zone"],
                "description": _("Dates and times are in the contest's time zone."),
            },
        ),
        (_("What counts"), {"fields": ["categories", "category_targets"]}),
        (_("Scoring rules"), {"fields": list(contest_services.SCORING_FIELDS)}),
    ]

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.entries.exists() and super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Dates are read and shown in the contest's time zone (on a POST, the one being chosen)."""
        with timezone.override(_zone_of(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def save_model(self, request, obj, form, change):
        """Through the contest services, as the site's form and the API do."""
        fields = {
            name: form.cleaned_data[name] for name in contest_services.CONTEST_FIELDS if name in form.cleaned_data
        }
        categories = list(form.cleaned_data["categories"])
        if change:
            saved = contest_services.contest_update(contest=obj, categories=categories, **fields)
        else:
            saved = contest_services.contest_create(categories=categories, **fields)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """The categories were saved by the service."""


def _zone_of(request, object_id):
    name = request.POST.get("time_zone") if request.method == "POST" else None
    if not name and object_id:
        name = Contest.objects.filter(pk=object_id).values_list("time_zone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "contest", "user", "reason", "points", "category", "day"]
    list_filter = ["reason", "contest"]
    search_fields = ["user__username"]
    list_select_related = ["contest", "user", "category"]
    raw_id_fields = ["demonstration", "review"]
    show_full_result_count = False


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = ["user", "contest", "points", "reached_at", "disqualified"]
    list_filter = ["contest", "disqualified"]
    search_fields = ["user__username"]
    list_select_related = ["contest", "user"]
    ordering = ["contest", "-points", "reached_at"]
    show_full_result_count = False


@admin.register(Disqualification)
class DisqualificationAdmin(admin.ModelAdmin):
    """Adding one voids the person's points in the contest (through the service); it cannot be undone here."""

    list_display = ["user", "contest", "reason", "decided_by", "created_at"]
    list_filter = ["contest"]
    fields = ["contest", "user", "reason"]
    raw_id_fields = ["user"]
    list_select_related = ["contest", "user", "decided_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = services.disqualify(contest=obj.contest, user=obj.user, reason=obj.reason, actor=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        obj.pk = saved.pk
        obj.decided_by = saved.decided_by
        obj.created_at = saved.created_at


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Teams are changed through ``services.set_team`` so team standings follow (registered here, above accounts)."""

    list_display = ["user", "team", "display_name", "show_on_boards"]
    list_filter = ["show_on_boards"]
    search_fields = ["user__username", "team", "display_name"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]

    def save_model(self, request, obj, form, change):
        team = obj.team
        if change:
            obj.team = Profile.objects.filter(pk=obj.pk).values_list("team", flat=True).get()
        else:
            obj.team = ""
        super().save_model(request, obj, form, change)
        services.set_team(user=obj.user, team=team)
