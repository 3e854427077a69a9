from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import BoardVisibility


class BoardSettingsForm(forms.Form):
    show_on_boards = forms.ChoiceField(
        label=_("On public leaderboards, show"),
        choices=BoardVisibility.choices,
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Used when you choose to appear under a display name. Admins always see your real name."),
    )

    def clean(self):
        data = super().clean()
        if data.get("show_on_boards") == BoardVisibility.DISPLAY_NAME and not (data.get("display_name") or "").strip():
            self.add_error("display_name", _("Choose a display name, or another option."))
        return data
