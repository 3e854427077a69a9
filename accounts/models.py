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


class ApiKey(models.Model):
    """A machine account: a key a program sends instead of a person's credentials.

    Only the SHA-256 of the key is stored; the key itself is shown once, when it is created.
    A key has exactly one role and is accepted only by the API views of that role (a dataset
    reader's key opens the release list and downloads, and nothing else: every other view
    does not know this kind of credential).
    """

    class Role(models.TextChoices):
        DATASET_READER = "dataset_reader", _("Dataset reader")

    name = models.CharField(_("name"), max_length=100, help_text=_("Who uses the key, e.g. the training cluster."))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DATASET_READER)
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class MachineAccount:
    """``request.user`` for a request authenticated by an ``ApiKey``: not a person, no groups, no pages."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    _dolly_group_names = frozenset()

    def __init__(self, api_key):
        self.api_key = api_key
        self.role = api_key.role
        # The throttles key their counters on ``pk``: one counter per key, apart from people's.
        self.pk = self.id = f"api-key-{api_key.pk}"
        self.username = f"api-key:{api_key.name}"

    def get_username(self):
        return self.username

    def has_perm(self, perm, obj=None):
        return False

    def has_perms(self, perm_list, obj=None):
        return False

    def has_module_perms(self, app_label):
        return False

    def __str__(self):
        return self.username


class SSOIdentity(models.Model):
    """Who the company's identity provider says an account is: its issuer and stable subject.

    Later sign-ins find the account by this pair, so a changed e-mail address at the provider
    follows the same account instead of creating a new one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_sso_identity_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="accounts_sso_one_identity_per_issuer"),
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"
