"""What an export is asked for, checked once, and stored with the release so it can be repeated."""

import datetime
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from annotations.models import Category, Status
from leaderboard.models import Contest

FORMATS = ("jsonl", "parquet", "csv")
DEFAULT_SEED = 42


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
        """Build options from JSON-ish input (API, form, stored release); raises a field-keyed ``ValidationError``."""
        data = dict(data or {})
        errors = {}
        known = set(cls.__dataclass_fields__) - {"formats"}
        unknown = sorted(set(data) - known)
        if unknown:
            errors["filters"] = _("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)}
        values = {}

        statuses = data.get("statuses") or [Status.APPROVED.value]
        if isinstance(statuses, str):
            statuses = [statuses]
        bad = [s for s in statuses if s not in Status.values]
        if bad or not isinstance(statuses, list | tuple):
            errors["statuses"] = _("Unknown status: %(values)s.") % {"values": ", ".join(map(str, bad or [statuses]))}
        else:
            values["statuses"] = tuple(sorted(set(statuses)))

        categories = data.get("categories") or []
        if isinstance(categories, str):
            categories = [categories]
        if not isinstance(categories, list | tuple) or not all(isinstance(c, str) for c in categories):
            errors["categories"] = _("Give a list of category keys.")
        else:
            known_keys = set(Category.objects.filter(key__in=categories).values_list("key", flat=True))
            missing = sorted(set(categories) - known_keys)
            if missing:
                errors["categories"] = _("Unknown category: %(keys)s.") % {"keys": ", ".join(missing)}
            values["categories"] = tuple(sorted(set(categories)))

        contest = data.get("contest") or ""
        if not isinstance(contest, str):
            errors["contest"] = _("Give a contest by its slug.")
        elif contest and not Contest.objects.filter(slug=contest).exists():
            errors["contest"] = _("Unknown contest: %(slug)s.") % {"slug": contest}
        values["contest"] = contest if isinstance(contest, str) else ""

        for key in ("created_from", "created_to"):
            raw = data.get(key)
            if raw in (None, ""):
                values[key] = None
            elif isinstance(raw, datetime.date):
                values[key] = raw
            else:
                try:
                    values[key] = datetime.date.fromisoformat(str(raw))
                except ValueError:
                    errors[key] = _("Enter a date as YYYY-MM-DD.")
        if values.get("created_from") and values.get("created_to") and values["created_from"] > values["created_to"]:
            errors["created_to"] = _("The end date is before the start date.")

        for key in ("exclude_flagged", "dedupe", "strip_citations", "with_metadata"):
            raw = data.get(key, False)
            if not isinstance(raw, bool):
                errors[key] = _("Must be true or false.")
            values[key] = bool(raw)
        values["near_duplicate_threshold"] = None
        if values["dedupe"]:
            # Recorded with the filters, so a release states (and a rebuild reuses) the threshold it was made with.
            raw = data.get("near_duplicate_threshold")
            threshold = settings.DOLLY_NEAR_DUPLICATE_THRESHOLD if raw in (None, "") else raw
            if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
                errors["near_duplicate_threshold"] = _(
                    "The near-duplicate threshold must be a number above 0, at most 1."
                )
            else:
                values["near_duplicate_threshold"] = float(threshold)
        raw = data.get("ensure_ascii", True)
        if not isinstance(raw, bool):
            errors["ensure_ascii"] = _("Must be true or false.")
        values["ensure_ascii"] = bool(raw)

        fraction = data.get("test_fraction")
        if fraction not in (None, ""):
            try:
                fraction = float(fraction)
            except (TypeError, ValueError):
                fraction = -1.0
            if isinstance(data.get("test_fraction"), bool) or not 0 < fraction < 1:
                errors["test_fraction"] = _("The test share must be a number between 0 and 1, e.g. 0.1.")
            values["test_fraction"] = fraction
        else:
            values["test_fraction"] = None
        seed = data.get("seed", DEFAULT_SEED)
        if seed in (None, ""):
            seed = DEFAULT_SEED
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            errors["seed"] = _("The seed must be a whole number from 0 to 4294967295.")
        values["seed"] = seed

        formats = list(formats) if formats is not None else ["jsonl"]
        bad_formats = [f for f in formats if f not in FORMATS]
        if not formats or bad_formats:
            errors["formats"] = _("Choose formats among %(known)s.") % {"known": ", ".join(FORMATS)}
        values["formats"] = tuple(f for f in FORMATS if f in formats)

        if errors:
            raise ValidationError({key: [message] for key, message in errors.items()})
        return cls(**values)


def parse_split(spec):
    """``"test=0.1"`` -> ``0.1``; the only split named is ``test``, the rest is ``train``."""
    name, sep, value = (spec or "").partition("=")
    if sep != "=" or name.strip() != "test":
        raise ValidationError({"split": [_("Write the split as test=0.1.")]})
    try:
        fraction = float(value)
    except ValueError:
        raise ValidationError({"split": [_("Write the split as test=0.1.")]})
    if not 0 < fraction < 1:
        raise ValidationError({"split": [_("The test share must be between 0 and 1.")]})
    return fraction
