from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Teams are changed through ``leaderboard.services.set_team`` so team standings follow."""

    list_display = ["user", "team", "display_name", "show_on_boards"]
    list_filter = ["show_on_boards"]
    search_fields = ["user__username", "team", "display_name"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]

    def save_model(self, request, obj, form, change):
        from leaderboard.services import set_team

        team = obj.team
        if change:
            obj.team = Profile.objects.filter(pk=obj.pk).values_list("team", flat=True).get()
        else:
            obj.team = ""
        super().save_model(request, obj, form, change)
        set_team(user=obj.user, team=team)
