from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from annotations.models import Category, Status
from core.forms import add_service_errors
from leaderboard.models import Contest

from .models import Release
from .options import DEFAULT_SEED, EXPORTABLE_STATUSES, FORMATS, ExportOptions
from .services import IMPORT_ACCOUNT, IMPORT_STATUSES, check_release_labels


class _Unchecked(forms.MultipleChoiceField):
    """Ticked values go to the export options schema as they are: it alone says which are allowed."""

    def valid_value(self, value):
        return True


class ReleaseForm(forms.Form):
    """The release page's widgets and labels; every rule is the export options schema's (``datasets.options``)."""

    name = forms.SlugField(
        label=_("Release name"),
        max_length=60,
        required=False,
    )
    tag = forms.SlugField(
        label=_("Tag"),
        max_length=40,
        required=False,
        help_text=_("Optional, e.g. production or nightly: training jobs ask for the latest release of a tag."),
    )
    statuses = _Unchecked(
        label=_("Review status"),
        choices=[(s.value, s.label) for s in EXPORTABLE_STATUSES],
        initial=[Status.APPROVED],
        widget=forms.CheckboxSelectMultiple,
    )
    categories = _Unchecked(
        label=_("Categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every category."),
    )
    contest = forms.ChoiceField(
        label=_("Contest"), required=False, help_text=_("Only records submitted during the contest, in its categories.")
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    exclude_flagged = forms.BooleanField(
        label=_("Leave out flagged records"),
        required=False,
        help_text=_("Personal data, AI phrasing, exact and near duplicates."),
    )
    dedupe = forms.BooleanField(label=_("Leave out exact and near duplicates"), required=False)
    strip_citations = forms.BooleanField(
        label=_("Remove citation markers such as [12] from reference texts"), required=False
    )
    test_fraction = forms.CharField(
        label=_("Test split share"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "1"}),
        help_text=_("For example 0.1; empty: one file, no split."),
    )
    seed = forms.CharField(label=_("Split seed"), initial=DEFAULT_SEED, required=False, widget=forms.NumberInput)
    with_metadata = forms.BooleanField(
        label=_("Add metadata fields"),
        required=False,
        help_text=_("Id, created time, anonymous contributor id, review rating, flags. Never names or e-mails."),
    )
    utf8 = forms.BooleanField(label=_("Write non-ASCII characters unescaped (UTF-8)"), required=False)
    formats = _Unchecked(
        label=_("Formats"),
        choices=[(f, f) for f in FORMATS],
        initial=["jsonl"],
        widget=forms.CheckboxSelectMultiple,
    )

    # The schema's name for an option whose form field reads differently; the fields that are not export options.
    SCHEMA_NAMES = {"utf8": "ensure_ascii"}
    RELEASE_LABELS = ("name", "tag")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Releases of one name are numbered v1, v2, … Empty: %(name)s.") % {
            "name": settings.DOLLY_RELEASE_NAME
        }
        self.fields["categories"].choices = list(Category.objects.values_list("key", "name"))
        self.fields["contest"].choices = [("", _("Any"))] + list(Contest.objects.values_list("slug", "name"))
        self.fields["dedupe"].help_text = _(
            "Exact: the same texts, ignoring case and spacing. Near: an instruction at least %(percent)d%% "
            "similar to an earlier record's (with a reference text: the same reference text). "
            "The earliest record is kept."
        ) % {"percent": round(settings.DOLLY_NEAR_DUPLICATE_THRESHOLD * 100)}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["name"], cleaned["tag"] = check_release_labels(name=cleaned["name"], tag=cleaned["tag"])
        except ValidationError as exc:
            add_service_errors(self, exc)
            return cleaned
        options = {
            name: value
            for name, value in cleaned.items()
            if name not in self.RELEASE_LABELS and value not in (None, "")
        }
        options["ensure_ascii"] = not options.pop("utf8", False)
        try:
            cleaned["options"] = ExportOptions.from_dict(options)
        except ValidationError as exc:
            form_names = {schema: name for name, schema in self.SCHEMA_NAMES.items()}
            for name, messages in exc.message_dict.items():
                name = form_names.get(name, name)
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


class ReleaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(Release.State.choices)
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Dolly-format file"), help_text=_(".jsonl or .jsonl.gz, one record per line."))
    status = forms.ChoiceField(
        label=_("Import as"), choices=[(s.value, s.label) for s in IMPORT_STATUSES], initial=Status.APPROVED
    )
    author = forms.CharField(
        label=_("Credit to user"),
        required=False,
        max_length=150,
        help_text=_("A username; empty: the inactive “%(name)s” account.") % {"name": IMPORT_ACCOUNT},
    )
    create_categories = forms.BooleanField(
        label=_("Create any category the file uses that does not exist yet"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.DOLLY_IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(limit)s MB; use manage.py import_dataset.")
                % {"limit": limit // (1024 * 1024)}
            )
        return upload
