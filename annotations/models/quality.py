"""Automatic quality findings: flags, the AI phrase list, near-duplicate index bands."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..flag_messages import flag_message
from .demonstrations import Demonstration


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
    params = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What was found, as a code and its values; the message is written in the reader's language."),
    )
    detail = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The text of a flag stored before codes, when no code could be read from it."),
    )
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
        return f"{self.get_kind_display()}: {self.message}"[:120]

    @property
    def message(self):
        """What this flag says, in the active language (``annotations.flag_messages.flag_message``)."""
        return flag_message(self)


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


class InstructionBand(models.Model):
    """One locality-sensitive-hashing band of a submitted instruction's MinHash signature.

    Instructions sharing a band are near-duplicate candidates (see ``annotations.quality``):
    an indexed equality lookup instead of a similarity scan, on every database.

    Bands are derived data, rebuilt from the text (``refresh_instruction_bands``), and an import
    writes sixteen of them a record, so each row costs as little as it can: the key is the pair
    ``(demonstration, value)`` (no id column, and it serves the lookups by demonstration), and
    the database checks no foreign key on them.  Deleting a demonstration through Django still
    deletes its bands (the ORM cascades them itself).
    """

    pk = models.CompositePrimaryKey("demonstration", "value")
    demonstration = models.ForeignKey(
        Demonstration, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["value", "demonstration"], name="band_value_demo")]

    def __str__(self):
        return f"{self.demonstration_id}: {self.value}"
