from django import forms
from django.utils.translation import gettext_lazy as _

from core.integers import IntegerFormField

from .models import Category


class CategorySelect(forms.Select):
    """A select whose options say whether the category needs reference text (read by the page's script)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-needs-context"] = "true" if instance.needs_context else "false"
        return option


class CategoryForm(forms.Form):
    """A writing page's form: a category chosen among ``categories`` (by key), then its text fields."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Choose a category"),
        widget=CategorySelect,
        to_field_name="key",
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


def text_field(label, rows, help_text=""):
    """A multi-line text kept as typed (no stripping); the rules are ``validation.check_demonstration``'s."""
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DemonstrationForm(CategoryForm):
    """Parses the page's fields; all rules live in ``validation.check_demonstration``."""

    instruction = text_field(_("Instruction"), 4, _("What the person asks for: a question, a task, a request."))
    context = text_field(
        _("Reference text"),
        8,
        _("Needed by closed QA, information extraction and summarization: the passage the response is based on."),
    )
    source_url = forms.CharField(
        label=_("Source address"),
        required=False,
        strip=False,
        help_text=_("Where the reference text comes from, e.g. a Wikipedia page."),
        widget=forms.URLInput(attrs={"placeholder": "https://en.wikipedia.org/wiki/..."}),
    )
    response = text_field(_("Response"), 8, _("The answer you would want a helpful assistant to give."))
    version = IntegerFormField(required=False, widget=forms.HiddenInput, min_value=1)
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    @classmethod
    def for_demonstration(cls, demonstration, *, categories):
        """An unbound form showing the stored text, with the version it was read at."""
        return cls(
            initial={
                "category": demonstration.category.key,
                "instruction": demonstration.instruction,
                "context": demonstration.context,
                "source_url": demonstration.source_url,
                "response": demonstration.response,
                "version": demonstration.version,
            },
            categories=categories,
        )

    def changes(self):
        data = self.cleaned_data
        return {field: data[field] for field in ("category", "instruction", "context", "source_url", "response")}


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(required=False)
    category = forms.ChoiceField(required=False)

    def __init__(self, *args, statuses, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["category"].choices = [("", _("Any category")), *((c.key, c.name) for c in categories)]
