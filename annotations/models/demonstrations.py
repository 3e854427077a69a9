"""Categories, demonstrations and their revisions."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_reviewer

from ..text import demonstration_hashes


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
    required_approvals = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Independent approvals a submission needs; 2 or more turns on blind double review."),
    )
    min_response_chars = models.PositiveIntegerField(
        default=0,
        help_text=_("Responses shorter than this are flagged for reviewers (0: no minimum)."),
    )

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
        if is_reviewer(user):
            return self.filter(Q(author=user) | ~Q(status=Status.DRAFT))
        return self.filter(Q(author=user) | Q(instruction_author=user))


class Demonstration(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed by ``demo_author_status``, which leads with the author.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="demonstrations", db_index=False
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="demonstrations")
    instruction = models.TextField()
    context = models.TextField(blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    response = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.WEB)
    version = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    idempotency_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the request that created it with its idempotency key: a replay must match it.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    instruction_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who posed the instruction, when the author answered someone else's open instruction."),
    )
    review_round = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("How many times the demonstration has been sent to review."),
    )
    instruction_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Hash of the normalised instruction and reference text, for exact duplicates."),
    )
    context_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Hash of the normalised reference text."),
    )

    objects = DemonstrationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["author", "status", "-updated_at"], name="demo_author_status"),
            models.Index(fields=["status", "submitted_at", "id"], name="demo_status_submitted"),
            models.Index(fields=["created_at", "id"], name="demo_created"),
            models.Index(fields=["status", "category", "submitted_at", "id"], name="demo_queue_category"),
            models.Index(fields=["instruction_hash"], condition=~Q(instruction_hash=""), name="demo_instruction_hash"),
            models.Index(fields=["context_hash"], condition=~Q(context_hash=""), name="demo_context_hash"),
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

    def save(self, *args, **kwargs):
        """Keep the hash columns in step with the text (bulk writers call ``set_text_hashes`` themselves)."""
        self.set_text_hashes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"instruction", "context"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "instruction_hash", "context_hash"}
        super().save(*args, **kwargs)

    # The columns ``set_text_hashes`` fills, in the order ``demonstration_hashes`` gives them.
    TEXT_HASH_FIELDS = ("instruction_hash", "context_hash")

    def set_text_hashes(self):
        self.instruction_hash, self.context_hash = demonstration_hashes(self.instruction, self.context)

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

    # Indexed by ``revision_unique_version``, which leads with the demonstration.
    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="revisions", db_index=False)
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
