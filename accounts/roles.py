"""Roles: people's are Django groups, ``reviewer`` and ``admin`` (admins are also staff);
machines hold an ``ApiKey`` whose role is ``dataset_reader``."""

REVIEWER_GROUP = "reviewer"
ADMIN_GROUP = "admin"
DATASET_READER = "dataset_reader"


def _group_names(user):
    cached = getattr(user, "_dolly_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        user._dolly_group_names = cached
    return cached


def is_admin(user):
    return user.is_authenticated and (user.is_superuser or ADMIN_GROUP in _group_names(user))


def is_reviewer(user):
    return is_admin(user) or REVIEWER_GROUP in _group_names(user)


def is_dataset_reader(user):
    """A machine account holding a dataset-reader key (never a person)."""
    return user.is_authenticated and getattr(user, "role", None) == DATASET_READER
