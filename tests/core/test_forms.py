"""A service's ValidationError lands on the form field it names, or above the form."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import add_service_errors


class NameForm(forms.Form):
    name = forms.CharField()


def test_messages_go_to_their_field_and_unknown_keys_above_the_form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"name": ["Taken."], "submit": ["Too many today."]}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Too many today."]


def test_a_message_keyed_by_nothing_goes_above_the_form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("The file is empty."))
    assert form.non_field_errors() == ["The file is empty."]
    assert "name" not in form.errors
