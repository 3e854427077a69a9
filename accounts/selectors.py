"""Read queries of the accounts app."""

from django.contrib.auth import get_user_model
from django.db import connections

from .models import ApiKey, Profile


def group_names(user):
    """The names of the groups ``user`` belongs to (their roles), read on every request that checks one.

    One plain SQL statement on the user's database: the ORM's ``user.groups`` query cost six
    times as much CPU to build as to run, and nearly every page and API call asks.
    """
    membership = get_user_model().groups.through
    group = membership._meta.get_field("group").related_model
    connection = connections[user._state.db or "default"]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT g.{quote('name')} FROM {quote(group._meta.db_table)} g"  # noqa: S608 - names from the models
        f" INNER JOIN {quote(membership._meta.db_table)} m ON g.{quote('id')} = m.{quote('group_id')}"
        f" WHERE m.{quote('user_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return frozenset(name for (name,) in cursor.fetchall())


def names_in_use(*, exclude_user=None):
    """Every username and display name shown on the site, except those of ``exclude_user``.

    One pass over the accounts (two columns each): sign-ups and name changes are rare.
    """
    users = get_user_model().objects.all()
    profiles = Profile.objects.exclude(display_name="")
    if exclude_user is not None and exclude_user.pk is not None:
        users = users.exclude(pk=exclude_user.pk)
        profiles = profiles.exclude(user_id=exclude_user.pk)
    yield from users.values_list("username", flat=True).iterator(chunk_size=2000)
    yield from profiles.values_list("display_name", flat=True).iterator(chunk_size=2000)


def email_in_use(*, email, exclude_user=None):
    users = get_user_model().objects.filter(email__iexact=email)
    if exclude_user is not None and exclude_user.pk is not None:
        users = users.exclude(pk=exclude_user.pk)
    return users.exists()


def api_keys():
    return ApiKey.objects.select_related("created_by", "revoked_by").order_by("-created_at", "-id")
