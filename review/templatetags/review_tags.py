from urllib.parse import urlencode

from django import template
from django.urls import reverse

from review.comparison import is_duplicate_flag
from review.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """How many unread notifications the signed-in user has (one indexed COUNT)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user) if user is not None else 0


@register.filter
def duplicate_flag(flag):
    """Whether ``flag`` says the record duplicates another (exact or near)."""
    return is_duplicate_flag(flag)


@register.simple_tag
def compare_url(item, flag, filter_query=""):
    """The side-by-side comparison of ``item`` with the record ``flag`` names, keeping the queue's filters."""
    url = reverse("review-compare", args=[item.public_id])
    params = urlencode({"with": flag.other.public_id}) if flag.other_id and flag.other else ""
    query = "&".join(part for part in (params, filter_query) if part)
    return f"{url}?{query}" if query else url
