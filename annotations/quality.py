"""Automatic quality checks, run when a demonstration is submitted (or edited while in review).

``flag_demonstration`` is the only writer of ``QualityFlag`` rows: the submit paths in
``annotations.services`` call it explicitly, inside their transaction.  Flags never block a
submission; they are shown to reviewers, filter the queue and can filter exports.

Duplicates are looked up among demonstrations that are in or past review (not drafts, not
rejected), always through an index, on PostgreSQL and SQLite alike:

- exact: equal ``instruction_hash`` (normalised instruction + reference text);
- near: instruction trigram similarity (the measure of PostgreSQL's ``pg_trgm``, computed
  here) at or above ``DOLLY_NEAR_DUPLICATE_THRESHOLD``.  Candidates come from MinHash/LSH
  bands (``InstructionBand``, an equality index; see ``text.minhash_bands``): those sharing
  the most bands first, at most ``NEAR_DUPLICATE_CANDIDATES``; the exact similarity decides.
  A GIN trigram search was tried first and took about a second per lookup at a million rows.

Categories built on a reference text reuse generic instructions ("Summarise this passage"),
so for them a near duplicate must share the reference text too: candidates are the records
with the same ``context_hash`` (an index), and no bands are needed.
"""

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Subquery

from .bands import BAND_BATCH_SIZE, index_instruction_bands, lacking_bands, refresh_instruction_bands, store_bands
from .flag_messages import finding_message
from .models import AIPhrase, Demonstration, InstructionBand, QualityFlag, Status
from .text import minhash_bands, normalise, trigram_similarity, trigrams

Kind = QualityFlag.Kind
COMPARED_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.CHANGES_REQUESTED)
NEAR_DUPLICATE_CANDIDATES = 200
__all__ = [
    "BAND_BATCH_SIZE",
    "index_instruction_bands",
    "lacking_bands",
    "refresh_instruction_bands",
    "store_bands",
]


@dataclass(frozen=True)
class Finding:
    """One finding: its kind (one flag per kind), a code and values (``annotations.flag_messages``)."""

    kind: str
    params: dict = field(default_factory=dict)
    other_id: int | None = None

    @property
    def code(self):
        return self.params.get("code", self.kind)

    @property
    def message(self):
        return finding_message(self.code, self.params)


def near_duplicate_threshold():
    return settings.DOLLY_NEAR_DUPLICATE_THRESHOLD


# --- duplicates ---------------------------------------------------------------------------


def _comparable(demonstration):
    return Demonstration.objects.filter(status__in=COMPARED_STATUSES).exclude(pk=demonstration.pk)


def find_exact_duplicate(demonstration):
    """The oldest other demonstration with the same normalised instruction and reference text."""
    if not demonstration.instruction_hash:
        return None
    return (
        _comparable(demonstration)
        .filter(instruction_hash=demonstration.instruction_hash)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def _candidate_rows(demonstration, exclude_ids, bands):
    candidates = _comparable(demonstration).exclude(pk__in=exclude_ids)
    if demonstration.context_hash:
        candidates = candidates.filter(context_hash=demonstration.context_hash)
    else:
        by_band = (
            InstructionBand.objects.filter(value__in=bands)
            .values("demonstration_id")
            .annotate(shared=Count("*"))
            .order_by("-shared", "demonstration_id")
            .values("demonstration_id")[:NEAR_DUPLICATE_CANDIDATES]
        )
        candidates = candidates.filter(pk__in=Subquery(by_band))
    return candidates.order_by("id").values_list("id", "instruction")[:NEAR_DUPLICATE_CANDIDATES]


def find_near_duplicate(demonstration, *, exclude_ids=(), bands=None):
    """``(id, similarity)`` of the most similar other instruction at or above the threshold, or ``None``."""
    if not demonstration.instruction.strip():
        return None
    bands = minhash_bands(demonstration.instruction) if bands is None else bands
    if not bands and not demonstration.context_hash:
        return None
    threshold = near_duplicate_threshold()
    mine = trigrams(demonstration.instruction)
    best = None
    for other_id, instruction in _candidate_rows(demonstration, exclude_ids, bands):
        score = trigram_similarity(mine, trigrams(instruction))
        if score >= threshold and (best is None or score > best[1]):
            best = (other_id, score)
    return best


def check_duplicates(demonstration, bands=None):
    findings = []
    exact = find_exact_duplicate(demonstration)
    if exact is not None:
        findings.append(Finding(Kind.EXACT_DUPLICATE, {"code": "exact_duplicate", "demonstration": exact}, exact))
    near = find_near_duplicate(demonstration, exclude_ids=[exact] if exact else (), bands=bands)
    if near is not None:
        params = {"code": "near_duplicate", "similarity": round(near[1], 4), "demonstration": near[0]}
        findings.append(Finding(Kind.NEAR_DUPLICATE, params, near[0]))
    return findings


# --- personal data -------------------------------------------------------------------------

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?![\w-])"
    r"|(?<![\w+])\+\d{8,14}(?!\w)"
)
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def luhn_valid(digits):
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digits(text):
    return "".join(ch for ch in text if ch.isdigit())


def find_personal_data(text):
    """The kinds of personal data found in ``text`` (``email``, ``card``, ``phone``, ``ip``), in that order."""
    found = []
    if EMAIL.search(text):
        found.append("email")
    cards = [m for m in CARD.finditer(text) if luhn_valid(_digits(m.group()))]
    if cards:
        found.append("card")
    card_spans = [m.span() for m in cards]
    for match in PHONE.finditer(text):
        inside_card = any(start <= match.start() and match.end() <= end for start, end in card_spans)
        if not inside_card and 9 <= len(_digits(match.group())) <= 15:
            found.append("phone")
            break
    if any(_is_ip(m.group(), ipaddress.IPv4Address) for m in IPV4.finditer(text)) or any(
        m.group().count(":") >= 2 and _is_ip(m.group(), ipaddress.IPv6Address) for m in IPV6.finditer(text)
    ):
        found.append("ip")
    return found


def _is_ip(candidate, kind):
    try:
        kind(candidate)
    except ValueError:
        return False
    return True


def check_personal_data(demonstration):
    found = {}
    for name in ("instruction", "context", "response"):
        kinds = find_personal_data(getattr(demonstration, name))
        if kinds:
            found[name] = kinds
    if not found:
        return []
    return [Finding(Kind.PERSONAL_DATA, {"code": "personal_data", "fields": found})]


# --- generated by AI -------------------------------------------------------------------------


def _phrase_pattern(phrases):
    alternatives = "|".join(re.escape(normalise(p)) for p in phrases if normalise(p))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if alternatives else None


def check_ai_phrasing(demonstration, phrases=None):
    """Phrases from the admin-kept list, matched on normalised text so quotes and case do not matter."""
    if phrases is None:
        phrases = list(AIPhrase.objects.filter(is_active=True).values_list("phrase", flat=True))
    pattern = _phrase_pattern(phrases)
    if pattern is None:
        return []
    hits = {}
    for name in ("instruction", "response"):
        match = pattern.search(normalise(getattr(demonstration, name)))
        if match:
            hits[name] = match.group()[:200]
    return [Finding(Kind.AI_PHRASING, {"code": "ai_phrasing", "fields": hits})] if hits else []


# --- reference text ---------------------------------------------------------------------------

CITATION = re.compile(r"\[(?:\d{1,3}|citation needed|note \d+|[a-z])\]", re.IGNORECASE)


def source_host_allowed(url, allowed_hosts=None):
    """Whether the host of ``url`` is one of ``allowed_hosts`` or a subdomain of one."""
    allowed_hosts = settings.DOLLY_SOURCE_HOSTS if allowed_hosts is None else allowed_hosts
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return bool(host) and any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts)


def check_reference_text(demonstration):
    findings = []
    category = demonstration.category
    if category.needs_context and not demonstration.context.strip():
        findings.append(Finding(Kind.MISSING_CONTEXT, {"code": "missing_context", "category": category.name}))
    if demonstration.source_url:
        if not source_host_allowed(demonstration.source_url):
            host = urlsplit(demonstration.source_url).hostname or demonstration.source_url
            findings.append(Finding(Kind.SOURCE_NOT_ALLOWED, {"code": "source_not_allowed", "host": host[:200]}))
    elif category.needs_context:
        findings.append(Finding(Kind.SOURCE_NOT_ALLOWED, {"code": "source_missing"}))
    markers = {
        name: len(found)
        for name in ("context", "response")
        if (found := CITATION.findall(getattr(demonstration, name)))
    }
    if markers:
        findings.append(Finding(Kind.CITATION_MARKERS, {"code": "citation_markers", "fields": markers}))
    return findings


# --- response ---------------------------------------------------------------------------------


def check_response(demonstration):
    findings = []
    length = len(demonstration.response.strip())
    minimum = demonstration.category.min_response_chars
    if minimum and length < minimum:
        params = {"code": "response_too_short", "length": length, "minimum": minimum}
        findings.append(Finding(Kind.RESPONSE_TOO_SHORT, {**params, "category": demonstration.category.name}))
    if demonstration.context.strip() and normalise(demonstration.response) == normalise(demonstration.context):
        findings.append(Finding(Kind.RESPONSE_EQUALS_CONTEXT, {"code": "response_equals_context"}))
    return findings


# --- entry point ------------------------------------------------------------------------------


def run_checks(demonstration, bands=None):
    """Every finding for ``demonstration`` as it stands; reads only, writes nothing."""
    return [
        *check_duplicates(demonstration, bands),
        *check_personal_data(demonstration),
        *check_ai_phrasing(demonstration),
        *check_reference_text(demonstration),
        *check_response(demonstration),
    ]


def flag_demonstration(demonstration):
    """Replace the flags of ``demonstration`` with what the checks find now.

    Also stores the instruction's LSH bands, so later submissions find this one.
    Precondition: the caller saved the text being checked (hashes included) and holds the row
    lock in the current transaction.
    """
    bands = minhash_bands(demonstration.instruction)
    findings = run_checks(demonstration, bands)
    InstructionBand.objects.filter(demonstration=demonstration).delete()
    InstructionBand.objects.bulk_create([InstructionBand(demonstration=demonstration, value=v) for v in bands])
    QualityFlag.objects.filter(demonstration=demonstration).delete()
    in_queue = demonstration.status == Status.SUBMITTED
    QualityFlag.objects.bulk_create(
        [
            QualityFlag(
                demonstration=demonstration, kind=f.kind, params=f.params, other_id=f.other_id, in_queue=in_queue
            )
            for f in findings
        ]
    )
    return findings
