"""The demonstration domain's tables, one module per responsibility (all in the ``annotations`` app)."""

from .demonstrations import (
    EDITABLE_STATUSES,
    SUBMITTABLE_STATUSES,
    Category,
    Demonstration,
    DemonstrationQuerySet,
    Origin,
    Revision,
    Status,
)
from .open_instructions import OpenInstruction
from .quality import AIPhrase, InstructionBand, QualityFlag
from .review import AuditEntry, Notification, Review, ReviewClaim, ReviewSkip

__all__ = [
    "EDITABLE_STATUSES",
    "SUBMITTABLE_STATUSES",
    "AIPhrase",
    "AuditEntry",
    "Category",
    "Demonstration",
    "DemonstrationQuerySet",
    "InstructionBand",
    "Notification",
    "OpenInstruction",
    "Origin",
    "QualityFlag",
    "Review",
    "ReviewClaim",
    "ReviewSkip",
    "Revision",
    "Status",
]
