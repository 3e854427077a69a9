from .permissions import is_admin, is_reviewer


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_reviewer": False, "is_admin": False}
    return {"is_reviewer": is_reviewer(user), "is_admin": is_admin(user)}
