"""The demonstration domain: categories, demonstrations and their revisions."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A task category.  ``key`` and ``needs_context`` are fixed: the dataset format relies on them."""

    key = models.SlugField(max_length=40, unique=True, editable=False)
    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=300, blank=True)
    guidelines = models.TextField(blank=True, help_text=_("Markdown, shown beside the writing form."))
    needs_context = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Reference text is required for this category, and not allowed for the others."),
    )
    example_instruction = models.TextField(blank=True)
    example_context = models.TextField(blank=True)
    example_response = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
SUBMITTABLE_STATUSES = EDITABLE_STATUSES


class Origin(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")


class DemonstrationQuerySet(models.QuerySet):
    def for_user(self, user):
        """What ``user`` may see: their own, plus every non-draft for reviewers and admins."""
        if not user.is_authenticated:
            return self.none()
        from accounts.roles import is_reviewer

        if is_reviewer(user):
            return self.filter(Q(author=user) | ~Q(status=Status.DRAFT))
        return self.filter(author=user)


class Demonstration(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="demonstrations")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="demonstrations")
    instruction = models.TextField()
    context = models.TextField(blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    response = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.WEB)
    version = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = DemonstrationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["author", "status", "-updated_at"], name="demo_author_status"),
            models.Index(fields=["status", "submitted_at", "id"], name="demo_status_submitted"),
            models.Index(fields=["created_at", "id"], name="demo_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="demo_unique_idempotency_key",
            ),
        ]

    def __str__(self):
        return self.instruction[:80]

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    @property
    def is_deletable(self):
        return self.status == Status.DRAFT

    @property
    def is_submittable(self):
        return self.status in SUBMITTABLE_STATUSES


class Revision(models.Model):
    """The full text of a demonstration as it stood after one change; never updated."""

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    instruction = models.TextField()
    context = models.TextField(blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["demonstration", "version"], name="revision_unique_version"),
        ]

    def __str__(self):
        return f"{self.demonstration_id} v{self.version}"
