"""Instructions posted for someone else to answer."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .demonstrations import Category, Demonstration


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
