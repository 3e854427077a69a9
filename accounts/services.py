from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import Profile


def get_or_create_api_token(*, user):
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def rotate_api_token(*, user):
    """Replace the user's token: the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def profile_for(*, user):
    """The user's profile, created with defaults the first time anything needs it."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user, display_name, show_on_boards):
    """What a person may change about themselves; the team is set by admins."""
    profile = profile_for(user=user)
    profile.display_name = display_name.strip()
    profile.show_on_boards = show_on_boards
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=["display_name", "show_on_boards"])
    return profile
