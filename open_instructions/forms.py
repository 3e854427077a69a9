from django import forms
from django.utils.translation import gettext_lazy as _

from annotations.forms import CategoryForm, text_field


class OpenInstructionForm(CategoryForm):
    """Parses the page; the rules are ``validation.check_demonstration``'s."""

    instruction = text_field(_("Instruction"), 4, _("What you would like someone to answer."))
    context = text_field(_("Reference text"), 8, _("Needed by closed QA, information extraction and summarization."))
    source_url = forms.CharField(
        label=_("Source address"),
        required=False,
        strip=False,
        widget=forms.URLInput(attrs={"placeholder": "https://en.wikipedia.org/wiki/..."}),
    )


class AnswerForm(forms.Form):
    instruction = text_field(_("Instruction"), 3, _("You may rephrase it so it reads well; keep its meaning."))
    response = text_field(_("Response"), 10, _("The answer you would want a helpful assistant to give."))


class PoolFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self._categories = {c.key: c for c in categories}
        self.fields["category"].choices = [("", _("Any category")), *((c.key, c.name) for c in categories)]

    def category_id(self):
        if self.is_bound and self.is_valid() and self.cleaned_data["category"]:
            return self._categories[self.cleaned_data["category"]].pk
        return None
