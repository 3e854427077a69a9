"""Whole numbers typed by people or machines, read the same strict way everywhere.

Python's ``int()`` reads Arabic-Indic digits ("٣" is 3), raises ``ValueError`` on "²" although
``"²".isdigit()`` is true, and reads 40-digit numbers that no database column holds.  Here a
whole number is ASCII digits with an optional sign, within bounds that default to a 32-bit
column's; anything else is a ``ValidationError`` naming the field.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

INT32 = (-(2**31), 2**31 - 1)
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def _message(min_value, max_value):
    return _("Enter a whole number from %(min)s to %(max)s, in the digits 0-9.") % {"min": min_value, "max": max_value}


def to_int(value, *, min_value=INT32[0], max_value=INT32[1]):
    """``value`` (text or an int, not a bool) as an int within bounds, or ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(value)
    if not min_value <= number <= max_value:
        raise ValueError(value)
    return number


def parse_int(value, *, field, min_value=INT32[0], max_value=INT32[1]):
    """``to_int`` for a named field: a ``ValidationError`` keyed by ``field`` when it is not one."""
    try:
        return to_int(value, min_value=min_value, max_value=max_value)
    except ValueError:
        raise ValidationError({field: [_message(min_value, max_value)]}, code="invalid") from None


def optional_int(value, *, field, min_value=INT32[0], max_value=INT32[1]):
    """``parse_int`` where empty or missing means None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_int(value, field=field, min_value=min_value, max_value=max_value)


class IntegerField(serializers.IntegerField):
    """DRF's ``IntegerField`` reading only ASCII digits, bounded to 32 bits unless told otherwise.

    A field's own ``error_messages={"invalid": ...}`` replaces the message.
    """

    default_error_messages = {
        "invalid": gettext_lazy("Enter a whole number from {min_value} to {max_value}, in the digits 0-9.")
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", INT32[0])
        kwargs.setdefault("max_value", INT32[1])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return to_int(data, min_value=self.min_value, max_value=self.max_value)
        except ValueError:
            self.fail("invalid", min_value=self.min_value, max_value=self.max_value)


class IntegerFormField(forms.IntegerField):
    """Django's form ``IntegerField`` with the same rule."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", INT32[0])
        kwargs.setdefault("max_value", INT32[1])
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return to_int(value, min_value=self.min_value, max_value=self.max_value)
        except ValueError:
            raise forms.ValidationError(_message(self.min_value, self.max_value), code="invalid") from None
