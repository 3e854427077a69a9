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


class QualityFlag(models.Model):
    """An automatic finding about a submitted demonstration.  Flags inform reviewers; they never block."""

    class Kind(models.TextChoices):
        EXACT_DUPLICATE = "exact_duplicate", _("Exact duplicate")
        NEAR_DUPLICATE = "near_duplicate", _("Near duplicate")
        PERSONAL_DATA = "personal_data", _("Personal data")
        AI_PHRASING = "ai_phrasing", _("AI phrasing")
        MISSING_CONTEXT = "missing_context", _("Missing reference text")
        SOURCE_NOT_ALLOWED = "source_not_allowed", _("Source not allowed")
        CITATION_MARKERS = "citation_markers", _("Citation markers")
        RESPONSE_TOO_SHORT = "response_too_short", _("Response too short")
        RESPONSE_EQUALS_CONTEXT = "response_equals_context", _("Response equals reference text")

    # What a dataset export leaves out when asked to exclude flagged records.
    EXPORT_EXCLUDED_KINDS = frozenset({
        Kind.PERSONAL_DATA, Kind.AI_PHRASING, Kind.EXACT_DUPLICATE, Kind.NEAR_DUPLICATE,
    })

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=500, blank=True)
    other = models.ForeignKey(Demonstration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["kind", "demonstration"], name="flag_kind_demo")]
        constraints = [
            models.UniqueConstraint(fields=["demonstration", "kind"], name="flag_unique_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.detail}"[:120]


class Review(models.Model):
    """One reviewer's decision on one submission of a demonstration; never updated."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        REQUEST_CHANGES = "request_changes", _("Request changes")

    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("Off-topic")
        FACTUALLY_WRONG = "factually_wrong", _("Factually wrong")
        REFERENCE_TEXT = "reference_text", _("Missing or wrong reference text")
        TOO_SHORT = "too_short", _("Too short")
        COPIED_OR_AI = "copied_or_ai", _("Copied / generated by an AI")
        PERSONAL_DATA = "personal_data", _("Personal data")
        DUPLICATE = "duplicate", _("Duplicate")
        OTHER = "other", _("Other")

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_given")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    comment = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    round = models.PositiveIntegerField(
        default=1, help_text=_("Which submission of the demonstration this decision is about."),
    )
    demonstration_version = models.PositiveIntegerField(
        default=1, help_text=_("The version of the text the reviewer decided on."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reviewer", "-created_at"], name="review_reviewer_created"),
            models.Index(fields=["demonstration", "round"], name="review_demo_round"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["demonstration", "round", "reviewer"], name="review_once_per_round"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="review_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer_id} on {self.demonstration_id}"
