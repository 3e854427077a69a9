"""Autosave of an answer being written: the answer page's script posts the text as JSON.

The same script and the same answers as the writing form's autosave (``annotations.autosave``):
the first save creates the draft answer, later ones are edits at the version the page holds
(409 when it was changed elsewhere); a GET returns the stored draft for a page shown again.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from annotations.autosave import error_response, parse_text_payload, refused_response, signed_out_response
from annotations.exceptions import StaleEdit, TransitionNotAllowed

from . import drafts, selectors


def _draft_json(draft, *, status=200):
    return JsonResponse(
        {
            "public_id": str(draft.public_id),
            "version": draft.version,
            "status": draft.status,
            "editable": draft.is_editable,
            "edit_url": reverse("demonstration-edit", kwargs={"public_id": draft.public_id}),
            "saved_at": draft.updated_at.isoformat(),
            "fields": {"instruction": draft.instruction, "response": draft.response},
        },
        status=status,
        headers={"Cache-Control": "no-store"},
    )


def _parse(request):
    payload = parse_text_payload(request, ("instruction", "response"))
    version = payload.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValueError(_("version must be a whole number."))
    return payload


@require_http_methods(["GET", "POST"])
def answer_autosave(request, public_id):
    """GET: the stored draft answer.  POST ``{instruction, response, version?}``: save it."""
    if not request.user.is_authenticated:
        return signed_out_response()
    open_instruction = selectors.access_open_instruction(user=request.user, public_id=public_id)
    if request.method == "GET":
        draft = drafts.answer_draft(open_instruction=open_instruction, answerer=request.user)
        return _draft_json(draft) if draft else error_response(404, _("No draft answer yet."), "not_found")
    try:
        payload = _parse(request)
        draft = drafts.answer_draft_save(
            open_instruction=open_instruction,
            answerer=request.user,
            instruction=payload.get("instruction", ""),
            response=payload.get("response", ""),
            expected_version=payload.get("version"),
        )
    except ValueError as error:
        return error_response(400, str(error), "bad_request")
    except PermissionDenied as error:
        return error_response(403, str(error), "forbidden")
    except (ValidationError, StaleEdit, TransitionNotAllowed) as error:
        return refused_response(error)
    return _draft_json(draft, status=201 if draft.version == 1 else 200)
