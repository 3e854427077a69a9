"""Forms: how you appear on leaderboards, and the site's contest form.

The contest form only reads the request; ``services.contests`` validates and saves, as for the
API and the admin.  Read and render it inside ``timezone.override(zone_of(...))`` so its dates
are the contest's local clock times.
"""

import zoneinfo
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import BoardVisibility

from .services.contests import CONTEST_FIELDS


class BoardSettingsForm(forms.Form):
    show_on_boards = forms.ChoiceField(
        label=_("On public leaderboards, show"),
        choices=BoardVisibility.choices,
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Used when you choose to appear under a display name. Admins always see your real name."),
    )

    def clean(self):
        data = super().clean()
        if data.get("show_on_boards") == BoardVisibility.DISPLAY_NAME and not (data.get("display_name") or "").strip():
            self.add_error("display_name", _("Choose a display name, or another option."))
        return data


DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=DATETIME_INPUT)


def zone_of(data, contest):
    """The zone the form's dates are in: the one being chosen, else the contest's, else the site's."""
    name = (data or {}).get("time_zone") or (contest.time_zone if contest else "")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


class ContestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(label=_("Short name in addresses"), max_length=60)
    description = forms.CharField(
        label=_("Description (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    prizes = forms.CharField(label=_("Prizes (Markdown)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, help_text=_("For example Europe/Paris."))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput(), input_formats=[DATETIME_INPUT])
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput(), input_formats=[DATETIME_INPUT])
    base_points = forms.IntegerField(label=_("Points per approved demonstration"), min_value=0)
    rating_bonus = forms.IntegerField(label=_("Bonus per review star above 3"), min_value=0)
    open_instruction_bonus = forms.IntegerField(label=_("Bonus for answering someone else's instruction"), min_value=0)
    review_points = forms.IntegerField(label=_("Points per review, for reviewers"), min_value=0)
    daily_cap = forms.IntegerField(label=_("Most points per person per day"), min_value=1, required=False)
    balance_bonus = forms.BooleanField(label=_("Balance bonus for categories under their target"), required=False)
    balance_max_multiplier = forms.DecimalField(
        label=_("Balance multiplier at an empty category"), min_value=Decimal(1), max_digits=4, decimal_places=2
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            self.fields[f"eligible_{category.key}"] = forms.BooleanField(label=category.name, required=False)
            self.fields[f"target_{category.key}"] = forms.IntegerField(
                label=_("Target for %(name)s") % {"name": category.name}, min_value=1, required=False
            )
            self.fields[f"multiplier_{category.key}"] = forms.DecimalField(
                label=_("Multiplier for %(name)s") % {"name": category.name},
                min_value=Decimal("0.01"),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                required=False,
            )

    @classmethod
    def initial_of(cls, contest):
        initial = {name: getattr(contest, name) for name in CONTEST_FIELDS if not name.startswith("category_")}
        eligible = {category.key for category in contest.categories.all()}
        for key in eligible:
            initial[f"eligible_{key}"] = True
        for key, target in (contest.category_targets or {}).items():
            initial[f"target_{key}"] = target
        for key, multiplier in (contest.category_multipliers or {}).items():
            initial[f"multiplier_{key}"] = Decimal(str(multiplier))
        return initial

    def rows(self):
        """One (category, eligible, target, multiplier) row of bound fields per category, for the template."""
        return [
            (
                category,
                self[f"eligible_{category.key}"],
                self[f"target_{category.key}"],
                self[f"multiplier_{category.key}"],
            )
            for category in self.categories
        ]

    def service_arguments(self):
        """What the contest services take: the plain fields, the chosen categories, targets and multipliers."""
        data = self.cleaned_data
        fields = {name: data[name] for name in CONTEST_FIELDS if name in data}
        fields["categories"] = [category for category in self.categories if data[f"eligible_{category.key}"]]
        fields["category_targets"] = {
            category.key: data[f"target_{category.key}"]
            for category in self.categories
            if data[f"target_{category.key}"]
        }
        fields["category_multipliers"] = {
            category.key: format(data[f"multiplier_{category.key}"].normalize(), "f")
            for category in self.categories
            if data[f"multiplier_{category.key}"] not in (None, Decimal(1))
        }
        return fields
