from django.http import Http404

from annotations.models import OpenInstruction


def open_pool(*, user, category_id=None):
    """Open instructions ``user`` could answer (everyone's but their own), oldest first."""
    queryset = (
        OpenInstruction.objects.filter(state=OpenInstruction.State.OPEN)
        .exclude(author=user)
        .select_related("category", "author")
    )
    if category_id:
        queryset = queryset.filter(category_id=category_id)
    return queryset.order_by("created_at", "id")


def own_open_instructions(*, user):
    return (
        OpenInstruction.objects.filter(author=user)
        .select_related("category", "answer", "answer__author")
        .order_by("-created_at", "-id")
    )


def access_open_instruction(*, user, public_id):
    """An open instruction by id, in any state, so a late answerer learns it was answered (the
    services refuse what the state does not allow); 404 when there is none."""
    try:
        return OpenInstruction.objects.select_related("category", "author").get(public_id=public_id)
    except (OpenInstruction.DoesNotExist, ValueError) as exc:
        raise Http404("No such open instruction.") from exc
