from django.db import transaction
from rest_framework.authtoken.models import Token


def get_or_create_api_token(*, user):
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def rotate_api_token(*, user):
    """Replace the user's token: the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
