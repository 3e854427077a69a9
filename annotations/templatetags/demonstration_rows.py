"""``{% demonstration_rows demonstrations %}``: the rows of the "My demonstrations" list, written in Python.

The template language spends about 0.3 ms of CPU on each row (a link, a shortened instruction, a
status label and two dates), most of the page's cost.  This writes the same HTML, escaped the
same way, with the same filters.
"""

import uuid

from django import template
from django.template.defaultfilters import date, truncatechars
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from annotations.models import Status

register = template.Library()
_PLACEHOLDER = str(uuid.UUID(int=0))
_ROW = """
  <tr>
    <td><a href="{link}">{instruction}</a></td>
    <td data-label="{category_label}">{category}</td>
    <td data-label="{status_label}"><span class="status status-{status}">{status_name}</span></td>
    <td data-label="{updated_label}"><time datetime="{updated_iso}">{updated}</time></td>
  </tr>
  """


@register.simple_tag
def demonstration_rows(demonstrations):
    """One ``<tr>`` per demonstration (with its category selected): instruction linked, category, status, updated."""
    link = reverse("demonstration-detail", args=[_PLACEHOLDER])  # each row's differs only by its id
    labels = {key: conditional_escape(label) for key, label in Status.choices}
    headers = {
        "category_label": conditional_escape(gettext("Category")),
        "status_label": conditional_escape(gettext("Status")),
        "updated_label": conditional_escape(gettext("Updated")),
    }
    rows = []
    for demonstration in demonstrations:
        updated = template_localtime(demonstration.updated_at)
        rows.append(
            _ROW.format(
                link=conditional_escape(link.replace(_PLACEHOLDER, str(demonstration.public_id))),
                instruction=conditional_escape(truncatechars(demonstration.instruction, 90)),
                category=conditional_escape(demonstration.category.name),
                status=conditional_escape(demonstration.status),
                status_name=labels.get(demonstration.status) or conditional_escape(demonstration.status),
                updated_iso=conditional_escape(date(updated, "c")),
                updated=conditional_escape(date(updated, "SHORT_DATETIME_FORMAT")),
                **headers,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped above
