"""Read queries of the accounts app."""

from django.contrib.auth import get_user_model

from .models import ApiKey, Profile


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
