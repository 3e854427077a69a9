"""Every state change of a demonstration goes through one function here.

HTML views, API views, management commands and tasks all call these; none of them
writes a ``Demonstration`` directly.  Callers check permissions first (see
``selectors.access_*``); the services check state and text.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_reviewer

from . import hooks, quality
from .exceptions import IdempotencyConflict, StaleEdit, TransitionNotAllowed
from .models import AuditEntry, Demonstration, Origin, Revision, Status
from .validation import TEXT_FIELDS, check_demonstration


def demonstration_state(demonstration):
    """What an audit entry keeps of a demonstration: its status, version and review round."""
    return {"status": demonstration.status, "version": demonstration.version, "round": demonstration.review_round}


def audit_entry_create(*, actor, action, demonstration, before, after):
    """Record that ``actor`` did ``action`` to ``demonstration``, with its state ``before`` and ``after``."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        demonstration=demonstration,
        demonstration_public_id=demonstration.public_id,
        before=before,
        after=after,
    )


def _audit_submit(demonstration, *, actor, before):
    audit_entry_create(
        actor=actor,
        action=AuditEntry.Action.SUBMIT,
        demonstration=demonstration,
        before=before,
        after=demonstration_state(demonstration),
    )


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


def request_fingerprint(*, category, submit, **text):
    """The SHA-256 of a create request's content, as sent: what an identical replay must repeat."""
    content = [getattr(category, "key", None), bool(submit), *(text.get(field, "") for field in TEXT_FIELDS)]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def _replayed(existing, fingerprint):
    # Rows made before fingerprints were kept have none: they are taken as replays, as they were.
    if existing.idempotency_fingerprint and existing.idempotency_fingerprint != fingerprint:
        raise IdempotencyConflict(existing)
    return existing, False


def _enter_review(demonstration):
    """Mark the start of a new review round; the caller saves."""
    demonstration.status = Status.SUBMITTED
    demonstration.submitted_at = timezone.now()
    demonstration.review_round += 1


def demonstration_create(
    *,
    author,
    category,
    instruction,
    context="",
    source_url="",
    response="",
    origin=Origin.WEB,
    submit=False,
    idempotency_key="",
    instruction_author=None,
):
    """Create a draft (or, with ``submit``, a submitted demonstration) and its first revision.

    A repeated ``idempotency_key`` from the same author with the same content returns the
    record the first call made, unchanged, instead of a second one; with other content it
    raises ``IdempotencyConflict`` (nothing is written).  ``instruction_author`` is set when
    ``author`` answers someone else's open instruction.  Returns ``(demonstration, created)``.
    """
    content = {
        "category": category,
        "instruction": instruction,
        "context": context,
        "source_url": source_url,
        "response": response,
    }
    fingerprint = ""
    if idempotency_key:
        fingerprint = request_fingerprint(submit=submit, **content)
        existing = Demonstration.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replayed(existing, fingerprint)
    text = check_demonstration(complete=submit, **content)
    if submit and origin != Origin.IMPORT:
        hooks.before_submit(author, excluding=None)
    demonstration = Demonstration(
        author=author,
        category=category,
        origin=origin,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint,
        instruction_author=instruction_author,
        **text.as_dict(),
    )
    if submit:
        _enter_review(demonstration)
    try:
        with transaction.atomic():
            demonstration.save()
            _record_revision(demonstration, editor=author)
            if submit:
                _audit_submit(demonstration, actor=author, before={})
                quality.flag_demonstration(demonstration)
    except IntegrityError:
        if not idempotency_key:
            raise
        return _replayed(Demonstration.objects.get(author=author, idempotency_key=idempotency_key), fingerprint)
    return demonstration, True


FIRST_VERSION = 1


def demonstration_save_new(*, author, origin, idempotency_key, changes, submit=False):
    """The writing page's save of a new demonstration (its form, or its autosave).

    The page sends its idempotency key until it learns the new record's id.  A replay of the
    request that created the record returns it unchanged, whatever was saved since; the same
    key with other text means the answer to the creating request was lost and the page went on
    typing: that text is an edit of the first version, refused (``StaleEdit``) if the record
    has changed since.  Returns ``(demonstration, created)``.
    """
    try:
        return demonstration_create(
            author=author, origin=origin, idempotency_key=idempotency_key, submit=submit, **changes
        )
    except IdempotencyConflict as conflict:
        updated = demonstration_update(
            demonstration=conflict.demonstration,
            editor=author,
            expected_version=FIRST_VERSION,
            changes=changes,
            submit=submit,
        )
        return updated, False


@transaction.atomic
def demonstration_update(*, demonstration, editor, expected_version, changes, submit=False):
    """Apply ``changes`` (any of category and the text fields) and, with ``submit``, submit.

    The row is locked, then ``expected_version`` is compared with the stored one: a stale
    edit raises ``StaleEdit`` unless it is a replay of the change already stored (the same
    form posted twice).  Every change of text keeps a revision.

    The author edits drafts and sent-back demonstrations.  A reviewer who neither wrote the
    response nor posed the instruction may also correct a submitted one before deciding on
    it: it stays submitted, must stay complete, and its flags are recomputed.
    """
    current = Demonstration.objects.select_for_update(of=("self",)).select_related("category").get(pk=demonstration.pk)
    category = changes.get("category", current.category)
    raw = {field: changes.get(field, getattr(current, field)) for field in TEXT_FIELDS}
    if current.version != expected_version:
        replay = {f: v.strip() if isinstance(v, str) else v for f, v in raw.items()}
        wanted_status = Status.SUBMITTED if submit else current.status
        if _content_equals(current, category, replay) and current.status == wanted_status:
            return current
        raise StaleEdit(current.version)
    reviewer_edit = is_reviewer_edit(current, editor)
    if not (current.is_editable or reviewer_edit):
        raise TransitionNotAllowed(
            _("A demonstration that is %(status)s can no longer be edited.")
            % {"status": current.get_status_display().lower()}
        )
    submit = submit and not reviewer_edit
    if submit:
        hooks.before_submit(current.author, excluding=current)
    text = check_demonstration(
        category=category,
        complete=submit or reviewer_edit,
        require_source_url=current.origin != Origin.IMPORT,
        **raw,
    )
    text_changed = not _content_equals(current, category, text.as_dict())
    if not text_changed and not submit:
        return current
    before = demonstration_state(current)
    current.category = category
    for field, value in text.as_dict().items():
        setattr(current, field, value)
    current.version += 1
    if submit:
        _enter_review(current)
    current.save()
    if text_changed:
        _record_revision(current, editor=editor)
    if submit:
        _audit_submit(current, actor=editor, before=before)
    if submit or reviewer_edit:
        quality.flag_demonstration(current)
    return current


def is_reviewer_edit(demonstration, editor):
    """Whether ``editor`` would be correcting someone else's submission under review."""
    return (
        demonstration.status == Status.SUBMITTED
        and editor.pk not in (demonstration.author_id, demonstration.instruction_author_id)
        and is_reviewer(editor)
    )


@transaction.atomic
def demonstration_submit(*, demonstration, actor, expected_version=None):
    """Send a draft or a sent-back demonstration to review; submitting twice is harmless."""
    current = Demonstration.objects.select_for_update(of=("self",)).select_related("category").get(pk=demonstration.pk)
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
        category=current.category,
        complete=True,
        strip=False,
        require_source_url=current.origin != Origin.IMPORT,
        **{field: getattr(current, field) for field in TEXT_FIELDS},
    )
    hooks.before_submit(current.author, excluding=current)
    before = demonstration_state(current)
    _enter_review(current)
    current.version += 1
    current.save(update_fields=["status", "submitted_at", "review_round", "version", "updated_at"])
    _audit_submit(current, actor=actor, before=before)
    quality.flag_demonstration(current)
    return current


@transaction.atomic
def demonstration_delete(*, demonstration, actor, expected_version):
    """Delete a draft with its revisions, if it is still at ``expected_version`` (else ``StaleEdit``:
    a page showing an older version never deletes newer text).  Anything submitted is kept."""
    current = Demonstration.objects.select_for_update().get(pk=demonstration.pk)
    if current.status != Status.DRAFT:
        raise TransitionNotAllowed(_("Only drafts can be deleted."))
    if current.version != expected_version:
        raise StaleEdit(current.version)
    audit_entry_create(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        demonstration=current,
        before=demonstration_state(current),
        after={},
    )
    current.delete()
