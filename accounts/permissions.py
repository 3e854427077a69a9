"""Who may do what: the one definition of the roles, used by pages, the API and the admin.

People's roles are Django groups; machines hold an ``ApiKey`` whose role is
``dataset_reader``.  An admin is a superuser or a member of the ``admin`` group (staff
status only opens the Django admin site); a reviewer is an admin or a member of the
``reviewer`` group; everyone signed in is a contributor.  Pages check with ``check_admin`` or
``admin_required``, the API with the permission classes below, services and selectors with
``is_admin`` / ``is_reviewer``.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from .selectors import group_names

REVIEWER_GROUP = "reviewer"
ADMIN_GROUP = "admin"
DATASET_READER = "dataset_reader"


def _group_names(user):
    cached = getattr(user, "_dolly_group_names", None)
    if cached is None:
        cached = group_names(user) if user.is_authenticated else frozenset()
        user._dolly_group_names = cached
    return cached


def is_admin(user):
    return bool(user and user.is_authenticated and (user.is_superuser or ADMIN_GROUP in _group_names(user)))


def is_reviewer(user):
    return bool(user and user.is_authenticated and (is_admin(user) or REVIEWER_GROUP in _group_names(user)))


def is_dataset_reader(user):
    """A machine account holding a dataset-reader key (never a person)."""
    return bool(user and user.is_authenticated and getattr(user, "role", None) == DATASET_READER)


def check_admin(user, message=None):
    """Raise ``PermissionDenied`` (a 403) unless ``user`` is an admin."""
    if not is_admin(user):
        raise PermissionDenied(*([message] if message else []))


def admin_required(view=None, *, message=None):
    """Decorate a page for admins only: anonymous visitors are sent to sign in, others get a 403.

    Use as ``@admin_required`` or ``@admin_required(message=...)``.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check_admin(request.user, message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


class IsAdmin(permissions.BasePermission):
    message = "Only admins can do this."

    def has_permission(self, request, view):
        return is_admin(request.user)


class IsReviewer(permissions.BasePermission):
    message = "Only reviewers can do this."

    def has_permission(self, request, view):
        return is_reviewer(request.user)


class IsAdminOrReadOnly(IsAdmin):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or is_admin(request.user)
