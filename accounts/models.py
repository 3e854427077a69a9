"""What the site knows about a person beyond Django's user: team and how they appear on boards."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .names import check_visible_text


class BoardVisibility(models.TextChoices):
    REAL_NAME = "real_name", _("My real name")
    DISPLAY_NAME = "display_name", _("My display name")
    ANONYMOUS = "anonymous", _("Anonymous")


class Profile(models.Model):
    """Created on first need (see ``accounts.services.profile_for``), never required to exist.

    ``team`` is set by admins (or imported), not by the person: a team board would be easy to
    game if anybody could join the leading team.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    team = models.CharField(
        _("team or department"), max_length=100, blank=True, db_index=True, validators=[check_visible_text]
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True, validators=[check_visible_text])
    show_on_boards = models.CharField(
        _("on public leaderboards, show"),
        max_length=20,
        choices=BoardVisibility.choices,
        default=BoardVisibility.REAL_NAME,
    )

    def __str__(self):
        return f"Profile of {self.user}"
