"""Read queries.  ``access_*`` functions fetch an object and check the caller may act on it."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404

from .models import Category, Demonstration


def active_categories():
    return Category.objects.filter(is_active=True)


def own_demonstrations(*, user, status=None, category_key=None):
    queryset = Demonstration.objects.filter(author=user).select_related("category")
    if status:
        queryset = queryset.filter(status=status)
    if category_key:
        queryset = queryset.filter(category__key=category_key)
    return queryset


def own_demonstration_with_key(*, user, idempotency_key):
    """The demonstration ``user``'s page created with ``idempotency_key``, or None."""
    if not idempotency_key:
        return None
    return own_demonstrations(user=user).filter(idempotency_key=idempotency_key).first()


def status_counts(*, user):
    rows = Demonstration.objects.filter(author=user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def access_demonstration(*, user, public_id):
    """The demonstration if ``user`` may see it; a 404 otherwise, so ids cannot be probed."""
    try:
        return Demonstration.objects.for_user(user).select_related("category", "author").get(public_id=public_id)
    except (Demonstration.DoesNotExist, ValueError) as exc:
        raise Http404("No such demonstration.") from exc


def access_own_demonstration(*, user, public_id):
    """The demonstration if ``user`` wrote it: others who may see it get a 403, the rest a 404."""
    demonstration = access_demonstration(user=user, public_id=public_id)
    if demonstration.author_id != user.pk:
        raise PermissionDenied("Only the author can change this demonstration.")
    return demonstration


def revisions_of(demonstration):
    return demonstration.revisions.select_related("editor", "category").order_by("-version")
