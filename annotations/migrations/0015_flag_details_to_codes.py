"""Read the sentences stored in flags before codes back into a code and its values.

Flags were stored as text in the submitter's language (English or French).  Each known sentence
becomes ``params`` (``{"code": ..., ...}``) and its text is cleared; a text no pattern reads is
kept in ``detail`` and shown as it is.  Going back writes the English sentence again.
"""

import re

from django.db import migrations
from django.utils import translation

from annotations.flag_messages import finding_message

LABELS = {"instruction": "instruction", "reference text": "context", "response": "response"}
KINDS = {
    "e-mail address": "email",
    "adresse e-mail": "email",
    "payment card number": "card",
    "numéro de carte de paiement": "card",
    "phone number": "phone",
    "numéro de téléphone": "phone",
    "IP address": "ip",
    "adresse IP": "ip",
}
FIXED = {
    "Same instruction and reference text as another.": "exact_duplicate",
    "Même consigne et même texte de référence qu’une autre.": "exact_duplicate",
    "No source address given for the reference text.": "source_missing",
    "Aucune adresse source indiquée pour le texte de référence.": "source_missing",
    "The response repeats the reference text.": "response_equals_context",
    "La réponse répète le texte de référence.": "response_equals_context",
}
NEAR = re.compile(r"^(?:Instruction (\d+)% similar to another\.|Consigne similaire à (\d+) ?% à une autre\.)$")
MISSING = re.compile(r"^(?:(.+) needs a reference text\.|(.+) nécessite un texte de référence\.)$")
HOST = re.compile(
    r"^(?:Source host (.+) is not in the allowed list\.|L’hôte source (.+) n’est pas dans la liste autorisée\.)$"
)
CITATIONS = re.compile(r"^(?:Bracketed citation markers|Marqueurs de citation entre crochets) \((.+)\)\.$")
SHORT = re.compile(
    r"^(?:(\d+) characters; (.+) asks for at least (\d+)\.|(\d+) caractères ; (.+) en demande au moins (\d+)\.)$"
)
PHRASE = re.compile(r"^“(.*)”$")


def _first(match):
    return next(group for group in match.groups() if group is not None)


def _fields(detail, separator, read):
    """``{"response": value, ...}`` from ``"response: ...; instruction: ..."``, or ``None``."""
    found = {}
    for part in detail.split(separator):
        label, colon, value = part.strip().partition(": ")
        if not colon or label not in LABELS:
            return None
        value = read(value)
        if value is None:
            return None
        found[LABELS[label]] = value
    return found or None


def _kinds(value):
    kinds = [KINDS.get(kind.strip()) for kind in value.split(",")]
    return None if None in kinds else kinds


def _phrase(value):
    match = PHRASE.match(value)
    return match.group(1) if match else None


def _count(value):
    return int(value) if value.isdigit() else None


def _dispatch(kind, detail):
    """``params`` for a flag of ``kind`` with text ``detail``, or ``None``."""
    if detail in FIXED:
        return {"code": FIXED[detail]}
    if match := NEAR.match(detail):
        return {"code": "near_duplicate", "similarity": int(_first(match)) / 100}
    if match := MISSING.match(detail):
        return {"code": "missing_context", "category": _first(match)}
    if match := HOST.match(detail):
        return {"code": "source_not_allowed", "host": _first(match)}
    if match := SHORT.match(detail):
        groups = [group for group in match.groups() if group is not None]
        return {
            "code": "response_too_short",
            "length": int(groups[0]),
            "category": groups[1],
            "minimum": int(groups[2]),
        }
    if match := CITATIONS.match(detail):
        fields = _fields(match.group(1), ",", _count)
        return {"code": "citation_markers", "fields": fields} if fields else None
    if kind == "personal_data":
        fields = _fields(detail, ";", _kinds)
        return {"code": "personal_data", "fields": fields} if fields else None
    if kind == "ai_phrasing":
        fields = _fields(detail, ";", _phrase)
        return {"code": "ai_phrasing", "fields": fields} if fields else None
    return None


def read_detail(kind, detail, other_id=None):
    params = _dispatch(kind, detail.strip())
    if params is not None and params["code"] in ("exact_duplicate", "near_duplicate") and other_id:
        params["demonstration"] = other_id
    return params


def _batches(queryset, size=2000):
    """The rows of ``queryset`` in primary-key order, a list of at most ``size`` at a time."""
    last = 0
    while batch := list(queryset.filter(pk__gt=last).order_by("pk")[:size]):
        yield batch
        last = batch[-1].pk


def details_to_codes(apps, schema_editor):
    QualityFlag = apps.get_model("annotations", "QualityFlag")
    for batch in _batches(QualityFlag.objects.exclude(detail="").only("id", "kind", "detail", "other_id", "params")):
        changed = []
        for flag in batch:
            params = None if flag.params else read_detail(flag.kind, flag.detail, flag.other_id)
            if params is not None:
                flag.params, flag.detail = params, ""
                changed.append(flag)
        QualityFlag.objects.bulk_update(changed, ["params", "detail"])


def codes_to_details(apps, schema_editor):
    QualityFlag = apps.get_model("annotations", "QualityFlag")
    with translation.override("en"):
        for batch in _batches(QualityFlag.objects.all()):
            for flag in batch:
                params = flag.params if isinstance(flag.params, dict) else {}
                flag.detail = finding_message(params.get("code", ""), params, flag.detail)[:500]
            QualityFlag.objects.bulk_update(batch, ["detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0014_flag_codes"),
    ]

    operations = [migrations.RunPython(details_to_codes, codes_to_details)]
