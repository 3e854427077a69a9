"""Autosave of the writing form: the page's script posts the text as JSON while the author types.

The first save of a new demonstration creates a draft with the page's idempotency key: a
late retry of that request returns the stored draft and changes nothing (see
``services.demonstration_save_new``).  Later saves are edits at the version the page holds,
so an edit made elsewhere in the meantime is refused (409), never overwritten.
``demonstration_current`` returns the stored text and version, for a page shown again by the
browser's Back button.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import json_input
from core.integers import to_int

from . import selectors, services
from .draft_checks import check_draft_changes, draft_warnings
from .exceptions import StaleEdit, TransitionNotAllowed
from .models import Origin
from .validation import TEXT_FIELDS

MAX_BODY_BYTES = 1_000_000


def error_response(status, detail, code, **extra):
    """The JSON error answer of the autosave endpoints."""
    return JsonResponse({"detail": detail, "code": code, **extra}, status=status)


def signed_out_response():
    return error_response(401, _("You are signed out: sign in again to save."), "signed_out")


def refused_response(error):
    """The JSON answer for a save the services refused (invalid text, stale version, wrong status)."""
    if isinstance(error, ValidationError):
        return JsonResponse(
            {"detail": _("Not saved: correct the text first."), "code": "invalid", "errors": error.message_dict},
            status=400,
        )
    if isinstance(error, StaleEdit):
        return error_response(409, str(error), "stale_version", current_version=error.current_version)
    return error_response(409, str(error), "not_allowed")


def parse_text_payload(request, fields=TEXT_FIELDS):
    """The posted JSON object, its ``fields`` checked to be text; ``ValueError`` says what is wrong."""
    if len(request.body) > MAX_BODY_BYTES:
        raise ValueError(_("The text is too long to be saved automatically."))
    try:
        payload = json_input.loads(request.body)
    except json_input.JSONInputError as error:
        raise ValueError(_("The request is not valid JSON: %(problem)s") % {"problem": error}) from None
    if not isinstance(payload, dict):
        raise ValueError(_("The request must be a JSON object."))
    for field in fields:
        if not isinstance(payload.get(field, ""), str):
            raise ValueError(_("%(field)s must be text.") % {"field": field})
    return payload


def _parse(request):
    payload = parse_text_payload(request)
    return payload, {field: payload.get(field, "") for field in TEXT_FIELDS}


def _saved(demonstration, *, created):
    return JsonResponse(
        {
            "public_id": str(demonstration.public_id),
            "version": demonstration.version,
            "status": demonstration.status,
            "edit_url": reverse("demonstration-edit", kwargs={"public_id": demonstration.public_id}),
            "saved_at": demonstration.updated_at.isoformat(),
        },
        status=201 if created else 200,
    )


@require_GET
def demonstration_current(request):
    """The stored text and version of one of the user's demonstrations (``?public_id=``)."""
    if not request.user.is_authenticated:
        return signed_out_response()
    try:
        demonstration = selectors.access_own_demonstration(
            user=request.user, public_id=uuid.UUID(request.GET.get("public_id", ""))
        )
    except (Http404, PermissionDenied, ValueError):
        return error_response(404, _("No such demonstration of yours."), "not_found")
    fields = {field: getattr(demonstration, field) for field in TEXT_FIELDS}
    return JsonResponse(
        {
            "public_id": str(demonstration.public_id),
            "version": demonstration.version,
            "editable": demonstration.is_editable,
            "fields": {"category": demonstration.category.key, **fields},
            "saved_at": demonstration.updated_at.isoformat(),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
def demonstration_autosave(request):
    """Save the posted text as a draft (new) or as an edit (``public_id`` and ``version`` given)."""
    if not request.user.is_authenticated:
        return signed_out_response()
    try:
        payload, text = _parse(request)
    except ValueError as error:
        return error_response(400, str(error), "bad_request")
    category = selectors.active_categories().filter(key=payload.get("category") or "").first()
    changes = {"category": category, **text}
    public_id = payload.get("public_id")
    try:
        if public_id:
            version = payload.get("version")
            try:
                if not isinstance(version, int):
                    raise ValueError(version)
                version = to_int(version, min_value=1)
            except ValueError:
                return error_response(400, _("version must be a whole number."), "bad_request")
            try:
                demonstration = selectors.access_own_demonstration(
                    user=request.user,
                    public_id=uuid.UUID(str(public_id)),
                )
            except (Http404, PermissionDenied, ValueError):
                return error_response(404, _("No such demonstration of yours."), "not_found")
            saved = services.demonstration_update(
                demonstration=demonstration,
                editor=request.user,
                expected_version=version,
                changes=changes,
            )
            return _saved(saved, created=False)
        key = payload.get("idempotency_key")
        if not isinstance(key, str) or not key.strip() or len(key) > 64:
            return error_response(400, _("idempotency_key must be 1 to 64 characters."), "bad_request")
        demonstration, created = services.demonstration_save_new(
            author=request.user,
            origin=Origin.WEB,
            idempotency_key=key.strip(),
            changes=changes,
        )
        return _saved(demonstration, created=created)
    except (ValidationError, StaleEdit, TransitionNotAllowed) as error:
        return refused_response(error)


def _within_check_rate(user):
    """Count one check for ``user`` in the current minute; ``False`` once over the limit."""
    key = f"draft-checks:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    return count <= settings.DOLLY_DRAFT_CHECKS_PER_MINUTE


@require_POST
def demonstration_checks(request):
    """The automatic checks on one of the user's drafts with the posted text, as warnings by field.

    The body is the autosave's: ``public_id`` and any of the text fields and ``category``
    (fields left out keep their saved value).  Nothing is saved.
    """
    if not request.user.is_authenticated:
        return signed_out_response()
    try:
        payload = parse_text_payload(request, fields=())
    except ValueError as error:
        return error_response(400, str(error), "bad_request")
    try:
        public_id = uuid.UUID(str(payload.get("public_id", "")))
    except ValueError:
        return error_response(
            400, _("public_id must be the id of one of your drafts."), "bad_request", field="public_id"
        )
    try:
        demonstration = selectors.access_own_demonstration(user=request.user, public_id=public_id)
    except (Http404, PermissionDenied):
        return error_response(404, _("No such demonstration of yours."), "not_found")
    try:
        changes = check_draft_changes(payload)
    except ValidationError as error:
        return JsonResponse(
            {"detail": _("Not checked: correct the text first."), "code": "invalid", "errors": error.message_dict},
            status=400,
        )
    if not _within_check_rate(request.user):
        return error_response(429, _("Too many checks: wait a minute."), "rate_limited")
    warnings = draft_warnings(demonstration=demonstration, changes=changes)
    return JsonResponse({"public_id": str(public_id), "warnings": warnings}, headers={"Cache-Control": "no-store"})
