from django import template

from review.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """How many unread notifications the signed-in user has (one indexed COUNT)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user) if user is not None else 0
