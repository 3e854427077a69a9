"""Parsing of the review pages' input.  The rules of a decision live in ``services.check_decision``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from annotations.models import Category, QualityFlag, Review
from core.integers import IntegerFormField

from .selectors import NO_FILTERS, QueueFilters, contest_window, find_author, recent_contests

FILTER_KEYS = ("category", "flag", "author", "contest")


class QueueFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[("", _("Any flag or none")), *QualityFlag.Kind.choices],
    )
    author = forms.CharField(label=_("Author"), required=False, max_length=150)
    contest = forms.ChoiceField(label=_("Contest"), required=False)

    def __init__(self, *args, categories, contests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._categories = {c.key: c for c in categories}
        self.fields["category"].choices = [("", _("Any category")), *((c.key, c.name) for c in categories)]
        self.fields["contest"].choices = [("", _("Any contest or none")), *contests]

    def clean_contest(self):
        slug = self.cleaned_data["contest"]
        return contest_window(slug) if slug else None

    def clean_author(self):
        username = self.cleaned_data["author"].strip()
        if not username:
            return None
        author_id = find_author(username)
        if author_id is None:
            raise forms.ValidationError(_("No contributor is called “%(name)s”.") % {"name": username})
        return author_id

    def to_filters(self):
        if not self.is_bound or not self.is_valid():
            return NO_FILTERS
        category = self._categories.get(self.cleaned_data["category"])
        return QueueFilters(
            category_id=category.pk if category else None,
            flag=self.cleaned_data["flag"],
            author_id=self.cleaned_data["author"],
            contest=self.cleaned_data["contest"],
        )

    @property
    def active_count(self):
        """How many filters the request sets (shown on the collapsed Filters control)."""
        return sum(1 for key in FILTER_KEYS if self.is_bound and self.data.get(key))

    @classmethod
    def for_request(cls, request):
        params = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}
        return cls(params or None, categories=list(Category.objects.all()), contests=recent_contests())


def _empty_to_none(value):
    return int(value) if value not in (None, "") else None


# The reason a quality flag points to, preselected when the flag is present.
FLAG_REASONS = {
    QualityFlag.Kind.EXACT_DUPLICATE: Review.Reason.DUPLICATE,
    QualityFlag.Kind.NEAR_DUPLICATE: Review.Reason.DUPLICATE,
    QualityFlag.Kind.PERSONAL_DATA: Review.Reason.PERSONAL_DATA,
    QualityFlag.Kind.AI_PHRASING: Review.Reason.COPIED_OR_AI,
}


def suggested_reason(flags):
    """The reason of the first flag that names one, or ``""``."""
    for flag in flags:
        if flag.kind in FLAG_REASONS:
            return FLAG_REASONS[flag.kind].value
    return ""


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Review.Decision.choices)
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", _("Choose a reason…")), *Review.Reason.choices],
        help_text=_("Required to reject or to request changes."),
    )
    comment = forms.CharField(
        label=_("Comment for the contributor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rating = forms.TypedChoiceField(
        label=_("Quality (1–5)"),
        required=False,
        coerce=_empty_to_none,
        empty_value=None,
        choices=[("", _("No rating")), *((str(n), str(n)) for n in range(1, 6))],
        widget=forms.RadioSelect,
    )
    version = IntegerFormField(widget=forms.HiddenInput, min_value=1)
