"""The demonstration domain: categories, demonstrations and their revisions."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_reviewer

from .text import normalise, normalised_hash


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

    def set_text_hashes(self):
        context = normalise(self.context)
        self.instruction_hash = normalised_hash(normalise(self.instruction), context)
        self.context_hash = normalised_hash(context)

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
    EXPORT_EXCLUDED_KINDS = frozenset(
        {
            Kind.PERSONAL_DATA,
            Kind.AI_PHRASING,
            Kind.EXACT_DUPLICATE,
            Kind.NEAR_DUPLICATE,
        }
    )

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=500, blank=True)
    other = models.ForeignKey(Demonstration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    in_queue = models.BooleanField(
        default=True,
        help_text=_("The demonstration waits for review; kept in step by the review services."),
    )

    class Meta:
        ordering = ["kind", "id"]
        indexes = [
            models.Index(fields=["kind", "demonstration"], name="flag_kind_demo"),
            models.Index(fields=["kind", "demonstration"], condition=Q(in_queue=True), name="flag_in_queue"),
        ]
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
        default=1,
        help_text=_("Which submission of the demonstration this decision is about."),
    )
    demonstration_version = models.PositiveIntegerField(
        default=1,
        help_text=_("The version of the text the reviewer decided on."),
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
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer_id} on {self.demonstration_id}"


class AIPhrase(models.Model):
    """A phrase that betrays generated text ("as an AI language model"); admins keep the list."""

    phrase = models.CharField(max_length=200, unique=True, help_text=_("Matched case-insensitively, as whole words."))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("AI phrase")

    def __str__(self):
        return self.phrase


class ReviewClaim(models.Model):
    """A reviewer working on a submission: nobody else is handed it until ``expires_at``."""

    demonstration = models.OneToOneField(Demonstration, on_delete=models.CASCADE, related_name="claim")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["reviewer", "expires_at"], name="claim_reviewer")]

    def __str__(self):
        return f"{self.demonstration_id} by {self.reviewer_id} until {self.expires_at:%H:%M}"


class ReviewSkip(models.Model):
    """A reviewer passed on one submission round: it is not offered to them again in that round."""

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "demonstration", "round"], name="skip_once_per_round"),
        ]

    def __str__(self):
        return f"{self.demonstration_id} skipped by {self.reviewer_id}"


class AuditEntry(models.Model):
    """Who changed a demonstration's state (submitted, reviewed, deleted...), when, and what it was before and after.

    Never updated.  Written by ``services.audit_entry_create``.
    """

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        REQUEST_CHANGES = "request_changes", _("Request changes")
        REOPEN = "reopen", _("Reopen")
        REVIEWER_EDIT = "reviewer_edit", _("Edit by a reviewer")
        SUBMIT = "submit", _("Submit for review")
        DELETE = "delete", _("Delete")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    demonstration = models.ForeignKey(
        Demonstration,
        null=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    demonstration_public_id = models.UUIDField(help_text=_("Kept when the demonstration itself is gone."))
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["demonstration", "-created_at"], name="audit_demo_created"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.demonstration_public_id}"


class Notification(models.Model):
    """A message to a contributor inside the site (and, once, by e-mail)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    demonstration = models.ForeignKey(
        Demonstration,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return self.text[:80]


class OpenInstruction(models.Model):
    """An instruction (with its reference text, where the category needs one) waiting for someone to answer it.

    Answering creates a submitted demonstration written by the answerer that records this
    instruction's author; each open instruction is answered at most once.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open_instructions")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="open_instructions")
    instruction = models.TextField()
    context = models.TextField(blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.OneToOneField(
        Demonstration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="open_instruction",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "category", "created_at", "id"], name="open_instruction_pool"),
            models.Index(fields=["author", "-created_at"], name="open_instruction_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="answered") | Q(answered_at__isnull=False),
                name="open_instruction_answered_at",
            ),
        ]

    def __str__(self):
        return self.instruction[:80]


class InstructionBand(models.Model):
    """One locality-sensitive-hashing band of a submitted instruction's MinHash signature.

    Instructions sharing a band are near-duplicate candidates (see ``annotations.quality``):
    an indexed equality lookup instead of a similarity scan, on every database.
    """

    demonstration = models.ForeignKey(Demonstration, on_delete=models.CASCADE, related_name="+")
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["value", "demonstration"], name="band_value_demo")]

    def __str__(self):
        return f"{self.demonstration_id}: {self.value}"
