"""Every state change of a demonstration goes through one function here.

HTML views, API views, management commands and tasks all call these; none of them
writes a ``Demonstration`` directly.  Callers check permissions first (see
``selectors.access_*``); the services check state and text.
"""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import StaleEdit, TransitionNotAllowed
from .models import Demonstration, Origin, Revision, Status
from .validation import TEXT_FIELDS, check_demonstration


def _record_revision(demonstration, *, editor):
    return Revision.objects.create(
        demonstration=demonstration,
        version=demonstration.version,
        editor=editor,
        category=demonstration.category,
        **{field: getattr(demonstration, field) for field in TEXT_FIELDS},
    )


def _content_equals(demonstration, category, values):
    if demonstration.category_id != getattr(category, "pk", None):
        return False
    return all(getattr(demonstration, field) == values[field] for field in TEXT_FIELDS)


def demonstration_create(*, author, category, instruction, context="", source_url="", response="",
                         origin=Origin.WEB, submit=False, idempotency_key=""):
    """Create a draft (or, with ``submit``, a submitted demonstration) and its first revision.

    A repeated ``idempotency_key`` from the same author returns the record the first call
    made instead of a second one.  Returns ``(demonstration, created)``.
    """
    if idempotency_key:
        existing = Demonstration.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    text = check_demonstration(
        category=category, instruction=instruction, context=context, source_url=source_url,
        response=response, complete=submit,
    )
    demonstration = Demonstration(
        author=author,
        category=category,
        origin=origin,
        idempotency_key=idempotency_key,
        status=Status.SUBMITTED if submit else Status.DRAFT,
        submitted_at=timezone.now() if submit else None,
        **text.as_dict(),
    )
    try:
        with transaction.atomic():
            demonstration.save()
            _record_revision(demonstration, editor=author)
    except IntegrityError:
        if not idempotency_key:
            raise
        return Demonstration.objects.get(author=author, idempotency_key=idempotency_key), False
    return demonstration, True


@transaction.atomic
def demonstration_update(*, demonstration, editor, expected_version, changes, submit=False):
    """Apply ``changes`` (any of category and the text fields) and, with ``submit``, submit.

    The row is locked, then ``expected_version`` is compared with the stored one: a stale
    edit raises ``StaleEdit`` unless it is a replay of the change already stored (the same
    form posted twice).  Every change of text keeps a revision.
    """
    current = Demonstration.objects.select_for_update().select_related("category").get(pk=demonstration.pk)
    category = changes.get("category", current.category)
    raw = {field: changes.get(field, getattr(current, field)) for field in TEXT_FIELDS}
    if current.version != expected_version:
        replay = {f: v.strip() if isinstance(v, str) else v for f, v in raw.items()}
        wanted_status = Status.SUBMITTED if submit else current.status
        if _content_equals(current, category, replay) and current.status == wanted_status:
            return current
        raise StaleEdit(current.version)
    if not current.is_editable:
        raise TransitionNotAllowed(
            _("A demonstration that is %(status)s can no longer be edited.")
            % {"status": current.get_status_display().lower()}
        )
    text = check_demonstration(
        category=category, complete=submit,
        require_source_url=current.origin != Origin.IMPORT, **raw,
    )
    text_changed = not _content_equals(current, category, text.as_dict())
    if not text_changed and not submit:
        return current
    current.category = category
    for field, value in text.as_dict().items():
        setattr(current, field, value)
    current.version += 1
    if submit:
        current.status = Status.SUBMITTED
        current.submitted_at = timezone.now()
    current.save()
    if text_changed:
        _record_revision(current, editor=editor)
    return current


@transaction.atomic
def demonstration_submit(*, demonstration, actor, expected_version=None):
    """Send a draft or a sent-back demonstration to review; submitting twice is harmless."""
    current = Demonstration.objects.select_for_update().select_related("category").get(pk=demonstration.pk)
    if current.status == Status.SUBMITTED:
        return current
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current.version)
    if not current.is_submittable:
        raise TransitionNotAllowed(
            _("A demonstration that is %(status)s cannot be submitted.")
            % {"status": current.get_status_display().lower()}
        )
    check_demonstration(
        category=current.category, complete=True, strip=False,
        require_source_url=current.origin != Origin.IMPORT,
        **{field: getattr(current, field) for field in TEXT_FIELDS},
    )
    current.status = Status.SUBMITTED
    current.submitted_at = timezone.now()
    current.version += 1
    current.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    return current


@transaction.atomic
def demonstration_delete(*, demonstration, actor):
    """Delete a draft with its revisions.  Anything already submitted is kept."""
    current = Demonstration.objects.select_for_update().get(pk=demonstration.pk)
    if current.status != Status.DRAFT:
        raise TransitionNotAllowed(_("Only drafts can be deleted."))
    current.delete()
