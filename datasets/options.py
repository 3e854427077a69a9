"""What an export is asked for: one schema, checked once, stored with the release so it can be repeated.

``ExportOptionsSerializer`` is the only description of the export options.  The API takes it as
its request body, the release form and ``manage.py export_dataset`` hand it what they parsed,
and a stored release's filters go through it again before a build.  ``ExportOptions`` is the
checked value the export pipeline reads.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from annotations.models import Category, Status
from core.integers import IntegerField
from leaderboard.models import Contest

FORMATS = ("jsonl", "parquet", "csv", "chat", "dolly_prompt")
DEFAULT_SEED = 42
# Drafts are private to their author: no option, of any caller, ever exports one.
EXPORTABLE_STATUSES = tuple(status for status in Status if status != Status.DRAFT)


@dataclass(frozen=True)
class ExportOptions:
    statuses: tuple = (Status.APPROVED.value,)
    categories: tuple = ()
    contest: str = ""
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    exclude_flagged: bool = False
    dedupe: bool = False
    near_duplicate_threshold: float | None = None
    strip_citations: bool = False
    test_fraction: float | None = None
    seed: int = DEFAULT_SEED
    with_metadata: bool = False
    ensure_ascii: bool = True
    formats: tuple = field(default=("jsonl",))

    def __post_init__(self):
        if Status.DRAFT in self.statuses:
            raise ValidationError({"statuses": [StatusField.default_error_messages["draft"]]})
        if self.dedupe and self.near_duplicate_threshold is None:
            # The threshold in force is recorded, so the release states the one it was built with.
            object.__setattr__(self, "near_duplicate_threshold", float(settings.DOLLY_NEAR_DUPLICATE_THRESHOLD))

    @property
    def split(self):
        return self.test_fraction is not None

    def filters_dict(self):
        """The JSON-able record of the filters, as stored on a release and in its manifest."""
        data = asdict(self)
        data.pop("formats")
        data["statuses"] = list(self.statuses)
        data["categories"] = list(self.categories)
        for key in ("created_from", "created_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data, *, formats=None):
        """Check JSON-ish options (a stored release, the form, the command) with the schema.

        Raises a ``ValidationError`` keyed by option name."""
        payload = dict(data or {})
        if formats is not None:
            payload["formats"] = list(formats)
        schema = ExportOptionsSerializer(data=payload)
        if not schema.is_valid():
            raise ValidationError({key: _messages(value) for key, value in schema.errors.items()})
        return schema.options()


def _messages(detail):
    """The flat list of messages of one field's DRF error detail (lists nest a dict per item)."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` (JSON, or the same words in a form body); "yes", 1 or "on" are refused."""

    default_error_messages = {"invalid": _("Must be true or false.")}
    _WORDS = {"true": True, "True": True, "false": False, "False": False}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in self._WORDS:
            return self._WORDS[data]
        self.fail("invalid")


class NumberField(serializers.FloatField):
    """A number; true and false are not numbers here (Python would read them as 1 and 0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(IntegerField):
    """A whole number in ASCII digits (not a bool, not "٣"), as everywhere in the API."""


class StatusField(serializers.ChoiceField):
    default_error_messages = {"draft": _("Drafts are private to their author and are never exported.")}

    def __init__(self, **kwargs):
        super().__init__(choices=[(s.value, s.label) for s in EXPORTABLE_STATUSES], **kwargs)

    def to_internal_value(self, data):
        if data == Status.DRAFT:
            self.fail("draft")
        return super().to_internal_value(data)


_FRACTION_ERROR = _("The test share must be a number between 0 and 1, e.g. 0.1.")


def _between_0_and_1(fraction):
    if fraction is not None and not 0 < fraction < 1:
        raise serializers.ValidationError(_FRACTION_ERROR)


_SEED_ERROR = _("The seed must be a whole number from 0 to 4294967295.")
_THRESHOLD_ERROR = _("The near-duplicate threshold must be a number above 0, at most 1.")


class ExportOptionsSerializer(serializers.Serializer):
    """The filters and formats of an export; every field is optional."""

    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=FORMATS), required=False, default=["jsonl"], allow_empty=False
    )
    statuses = serializers.ListField(
        child=StatusField(),
        required=False,
        default=[Status.APPROVED.value],
        allow_empty=False,
        help_text="Review statuses to export (drafts never are).",
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        help_text="Category keys; empty: every category.",
    )
    contest = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only records that count for this contest (its slug).",
    )
    created_from = serializers.DateField(required=False, allow_null=True, default=None)
    created_to = serializers.DateField(required=False, allow_null=True, default=None)
    exclude_flagged = StrictBooleanField(
        required=False,
        default=False,
        help_text="Leave out records flagged for personal data, AI phrasing, exact or near duplication.",
    )
    dedupe = StrictBooleanField(
        required=False,
        default=False,
        help_text="Leave out exact duplicates (ignoring case and spacing) and near duplicates (instruction "
        "trigram similarity to an earlier record's at least DOLLY_NEAR_DUPLICATE_THRESHOLD; with a "
        "reference text, the same reference text); the earliest is kept. The threshold is recorded "
        "in the release's filters.",
    )
    near_duplicate_threshold = NumberField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With dedupe: the similarity threshold (above 0, at most 1); default DOLLY_NEAR_DUPLICATE_THRESHOLD.",
        error_messages={"invalid": _THRESHOLD_ERROR},
    )
    strip_citations = StrictBooleanField(
        required=False, default=False, help_text="Remove citation markers such as [12] from context."
    )
    test_fraction = NumberField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Share of each category put in a test file (between 0 and 1).",
        validators=[_between_0_and_1],
        error_messages={"invalid": _FRACTION_ERROR},
    )
    seed = WholeNumberField(
        required=False,
        default=DEFAULT_SEED,
        min_value=0,
        max_value=2**32 - 1,
        error_messages={"invalid": _SEED_ERROR, "min_value": _SEED_ERROR, "max_value": _SEED_ERROR},
    )
    with_metadata = StrictBooleanField(required=False, default=False)
    ensure_ascii = StrictBooleanField(
        required=False, default=True, help_text="Escape non-ASCII characters as json.dumps does by default."
    )

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if hasattr(data, "keys") else []
        if unknown:
            raise serializers.ValidationError(
                {"filters": [_("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)}]}
            )
        return super().to_internal_value(data)

    def validate_categories(self, categories):
        known = set(Category.objects.filter(key__in=categories).values_list("key", flat=True))
        missing = sorted(set(categories) - known)
        if missing:
            raise serializers.ValidationError(_("Unknown category: %(keys)s.") % {"keys": ", ".join(missing)})
        return sorted(set(categories))

    def validate_contest(self, slug):
        if slug and not Contest.objects.filter(slug=slug).exists():
            raise serializers.ValidationError(_("Unknown contest: %(slug)s.") % {"slug": slug})
        return slug

    def validate(self, attrs):
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and start > end:
            raise serializers.ValidationError({"created_to": [_("The end date is before the start date.")]})
        if not attrs.get("dedupe"):
            attrs["near_duplicate_threshold"] = None
            return attrs
        threshold = attrs.get("near_duplicate_threshold")
        threshold = settings.DOLLY_NEAR_DUPLICATE_THRESHOLD if threshold is None else threshold
        if not 0 < threshold <= 1:
            raise serializers.ValidationError({"near_duplicate_threshold": [_THRESHOLD_ERROR]})
        # Recorded with the filters, so a release states (and a rebuild reuses) the threshold it was made with.
        attrs["near_duplicate_threshold"] = float(threshold)
        return attrs

    def options(self):
        """The checked ``ExportOptions`` (after ``is_valid()``)."""
        data = {
            name: value for name, value in self.validated_data.items() if name in ExportOptions.__dataclass_fields__
        }
        data["statuses"] = tuple(sorted(set(data["statuses"])))
        data["categories"] = tuple(data["categories"])
        data["formats"] = tuple(f for f in FORMATS if f in data["formats"])
        return ExportOptions(**data)


def check_test_fraction(value):
    """The schema's rule for a test share, for callers that parse one from their own syntax."""
    field = ExportOptionsSerializer().fields["test_fraction"]
    try:
        return field.run_validation(value)
    except serializers.ValidationError as exc:
        raise ValidationError({"test_fraction": _messages(exc.detail)}) from exc


def parse_split(spec):
    """``"test=0.1"`` -> ``0.1``; the only split named is ``test``, the rest is ``train``."""
    name, sep, value = (spec or "").partition("=")
    if sep != "=" or name.strip() != "test":
        raise ValidationError({"split": [_("Write the split as test=0.1.")]})
    return check_test_fraction(value)
