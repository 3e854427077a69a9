"""Dataset releases and imports.

The export format lives in ``records.py`` and ``formatters.py``; nothing here knows
how a record is written out, so the core ``Demonstration`` model never carries it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from annotations.models import Status


class Release(models.Model):
    """One export run: the filters it was asked for, and the bundle of files it produced.

    ``files`` holds ``{"name", "role", "size", "sha256", "records"}`` per published file;
    a file is only ever listed once it is complete under its final name.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(
        max_length=60, default="dolly-collect", help_text=_("Releases of one name are numbered v1, v2, ...")
    )
    version = models.PositiveIntegerField(
        editable=False, help_text=_("Given at creation: one more than the name's last.")
    )
    tag = models.SlugField(max_length=40, blank=True, help_text=_("Optional, e.g. production or nightly."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the job was last queued; one waiting far longer with no job running lost its queue message."),
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Written by the running build; a stale one means its worker was lost.")
    )
    status = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempt = models.PositiveIntegerField(default=0, help_text=_("Increased by every build that claims the release."))
    progress = models.PositiveSmallIntegerField(default=0)
    filters = models.JSONField(default=dict)
    formats = models.JSONField(default=list)
    record_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text=_("Records per category and split, and records left out."))
    files = models.JSONField(default=list)
    manifest = models.JSONField(default=dict)
    card = models.TextField(blank=True)
    error = models.TextField(blank=True)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_count = models.PositiveIntegerField(null=True, blank=True)
    removed_count = models.PositiveIntegerField(null=True, blank=True)

    archive_size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Bytes of archive.tar.gz, measured once the release is done.")
    )
    archive_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="release_status_created"),
            models.Index(fields=["tag", "status", "created_at"], name="release_tag_status_created"),
        ]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="release_name_version_unique")]

    def __str__(self):
        return f"{self.name} {self.label}"

    def save(self, *args, **kwargs):
        if self.version is None:  # numbered when first saved; a race for a number fails on the constraint
            last = Release.objects.filter(name=self.name).aggregate(v=models.Max("version"))["v"]
            self.version = (last or 0) + 1
        super().save(*args, **kwargs)

    @property
    def label(self):
        return f"v{self.version}"

    @property
    def is_finished(self):
        return self.status in (self.State.DONE, self.State.FAILED)

    @property
    def storage_prefix(self):
        return f"releases/{self.public_id}"

    def file_entry(self, name):
        return next((entry for entry in self.files if entry["name"] == name), None)


class ImportBatch(models.Model):
    """One import of a dolly-format file, from the command line or the upload page."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        INVALID = "invalid", _("Invalid")
        VALID = "valid", _("Valid, waiting for confirmation")
        QUEUED = "queued", _("Queued")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the job was last queued; one waiting far longer with no job running lost its queue message."),
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    source_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=300, blank=True, help_text=_("The uploaded file in storage."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_status = models.CharField(max_length=20)
    create_categories = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=State.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, help_text=_("The first bad lines, as 'FILE:LINE: reason'."))
    problem_count = models.PositiveIntegerField(default=0)
    new_categories = models.JSONField(default=list)
    imported_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0,
        help_text=_("Lines skipped because the same record was imported before (expected, until done)."),
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"import {self.source_name} ({self.public_id})"

    def get_target_status_display(self):
        """The review status the records get, in the reader's language ("Approved")."""
        return Status(self.target_status).label if self.target_status in Status.values else self.target_status


class ImportProgress(models.Model):
    """How far a running check or import is, at which phase, and its heartbeat, where other
    processes can read them before the import commits.

    An import runs in one transaction that keeps its ``ImportBatch`` row locked until the end,
    so nothing else can write that row meanwhile; the percentage, the phase (importing, then
    indexing) and the heartbeat go here instead, through connections of their own (see
    ``services.jobs``).  The row exists only while a job runs; the batch's own ``progress`` holds
    the final value.
    """

    class Phase(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        IMPORTING = "importing", _("Importing")
        INDEXING = "indexing", _("Indexing the records for duplicate checks")

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="+")
    percent = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.IMPORTING)
    beat_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Written by the running job; a stale one means its worker was lost.")
    )

    def __str__(self):
        return f"{self.batch_id}: {self.percent}%"


class ImportedRecord(models.Model):
    """Which demonstration an imported line became, keyed by the hash of its four dolly fields.

    Re-importing a line whose hash is already here is skipped; the hash is not unique
    because a file may hold the same record twice, and both copies are kept.
    """

    content_hash = models.CharField(max_length=64)
    demonstration = models.OneToOneField(
        "annotations.Demonstration",
        on_delete=models.CASCADE,
        related_name="+",
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="records", db_index=False
    )

    class Meta:
        # One plain index: lookups are by equality, and every index costs at a million inserts.
        indexes = [models.Index(fields=["content_hash"], name="imported_content_hash")]

    def __str__(self):
        return self.content_hash


from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402,F401  (the app's models)
