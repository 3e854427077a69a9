"""The dataset card (``README.md``), the licence notice and the manifest of a release bundle."""

import json

import pandas as pd

from annotations.models import Category

LICENSE_ID = "cc-by-sa-3.0"
_LENGTH_FIELDS = ("instruction", "context", "response")
_TASK_CATEGORIES = {
    "open_qa": "question-answering",
    "closed_qa": "question-answering",
    "general_qa": "question-answering",
    "information_extraction": "question-answering",
    "summarization": "summarization",
    "classification": "text-classification",
    "brainstorming": "text-generation",
    "creative_writing": "text-generation",
}

LICENSE_TEXT = """\
This dataset is licensed under the Creative Commons Attribution-ShareAlike 3.0
Unported License (CC BY-SA 3.0).

You are free to share (copy and redistribute the material in any medium or format)
and to adapt (remix, transform and build upon the material) for any purpose, even
commercially, under the following terms:

- Attribution: you must give appropriate credit, provide a link to the license, and
  indicate if changes were made.  You may do so in any reasonable manner, but not in
  any way that suggests the licensor endorses you or your use.
- ShareAlike: if you remix, transform or build upon the material, you must distribute
  your contributions under the same license as the original.
- No additional restrictions: you may not apply legal terms or technological measures
  that legally restrict others from doing anything the license permits.

The records were written by the contributors of this collection.  Some reference
texts (the "context" field) are excerpts of Wikipedia articles, themselves available
under CC BY-SA 3.0; their authors are credited by the article history on Wikipedia.

This notice is a summary, not a substitute for the license.  The full legal code is at
https://creativecommons.org/licenses/by-sa/3.0/legalcode
"""


class CategoryCounts:
    """Records per category (and per split): all an export without a dataset card needs."""

    def __init__(self):
        self._counts = {}
        self.split_counts = {}

    def add(self, records, split=None):
        counts = self._counts
        per_split = self.split_counts.setdefault(split, {}) if split else None
        for record in records:
            counts[record.category] = counts.get(record.category, 0) + 1
            if per_split is not None:
                per_split[record.category] = per_split.get(record.category, 0) + 1

    def counts(self):
        return dict(sorted(self._counts.items()))


class CardStats:
    """Per-category counts and length statistics, aggregated chunk by chunk with pandas (memory stays flat)."""

    def __init__(self):
        self._parts = []
        self._pending = None
        self.split_counts = {}

    def add(self, records, split=None):
        if not records:
            return
        frame = pd.DataFrame(
            {
                "category": [r.category for r in records],
                **{name: [len(getattr(r, name)) for r in records] for name in _LENGTH_FIELDS},
            }
        )
        grouped = frame.groupby("category").agg(
            count=("instruction", "size"),
            **{f"{name}_{how}": (name, how) for name in _LENGTH_FIELDS for how in ("sum", "min", "max")},
        )
        self._parts.append(grouped)
        if len(self._parts) >= 64:
            self._parts = [self._combine()]
        if split:
            counts = self.split_counts.setdefault(split, {})
            for category, n in frame["category"].value_counts().items():
                counts[category] = counts.get(category, 0) + int(n)

    def _combine(self):
        if not self._parts:
            return pd.DataFrame()
        stacked = pd.concat(self._parts)
        spec = {"count": "sum"}
        for name in _LENGTH_FIELDS:
            spec.update({f"{name}_sum": "sum", f"{name}_min": "min", f"{name}_max": "max"})
        return stacked.groupby(level=0).agg(spec)

    def table(self):
        """One row per category: count, and mean/min/max length in characters of each field."""
        combined = self._combine()
        if combined.empty:
            return combined
        for name in _LENGTH_FIELDS:
            combined[f"{name}_mean"] = combined[f"{name}_sum"] / combined["count"]
        return combined.sort_index()

    def counts(self):
        combined = self._combine()
        return {str(k): int(v) for k, v in combined["count"].sort_index().items()} if not combined.empty else {}


def size_category(n):
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return label
    return "n>10M"


def _filters_lines(filters):
    labels = {
        "statuses": "Review status",
        "categories": "Categories",
        "contest": "Contest",
        "created_from": "Created from",
        "created_to": "Created until",
        "exclude_flagged": "Flagged records excluded",
        "dedupe": "Exact and near duplicates removed",
        "near_duplicate_threshold": "Near duplicate: instruction trigram similarity at least",
        "strip_citations": "Citation markers removed from context",
        "test_fraction": "Test share",
        "seed": "Split seed",
        "with_metadata": "Metadata fields",
        "ensure_ascii": "Non-ASCII escaped",
    }
    lines = []
    for key, label in labels.items():
        value = filters.get(key)
        if key == "seed" and filters.get("test_fraction") is None:
            continue
        if key == "near_duplicate_threshold" and not filters.get("dedupe"):
            continue
        if isinstance(value, list):
            value = ", ".join(value) or "all"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif value is None or value == "":
            value = "-"
        lines.append(f"| {label} | {value} |")
    return lines


def render_card(*, title, stats, record_count, filters, files, skipped, split_fraction=None, released_at=None):
    """The README.md of a release.  The YAML header follows the Hugging Face dataset card fields."""
    table = stats.table()
    present = [str(k) for k in table.index] if not table.empty else []
    categories = {c.key: c for c in Category.objects.filter(key__in=present).order_by("position", "key")}
    tasks = sorted({_TASK_CATEGORIES.get(key, "text-generation") for key in present}) or ["text-generation"]
    out = [
        "---",
        f"license: {LICENSE_ID}",
        "task_categories:",
        *[f"- {task}" for task in tasks],
        "language:",
        "- en",
        "size_categories:",
        f"- {size_category(record_count)}",
        f"pretty_name: {json.dumps(title)}",
        "---",
        "",
        f"# {title}",
        "",
        "## Summary",
        "",
        f"{record_count:,} instruction-following records written by people, one JSON object per line with "
        "the fields `instruction`, `context`, `response` and `category`, in the layout of "
        "databricks-dolly-15k. The `context` field holds a reference text for the categories that use one "
        "and is empty otherwise.",
        "",
    ]
    if released_at:
        out += [f"Released {released_at}.", ""]
    out += ["## Files", "", "| File | Records | Bytes | SHA-256 |", "|---|---:|---:|---|"]
    for entry in files:
        records = entry.get("records")
        out.append(
            f"| `{entry['name']}` | {'' if records is None else f'{records:,}'} | {entry['size']:,} | "
            f"`{entry['sha256']}` |"
        )
    out += ["", "## Selection", "", "| Filter | Value |", "|---|---|", *_filters_lines(filters), ""]
    if skipped.get("duplicates"):
        out += [f"{skipped['duplicates']:,} exact duplicates (after normalising case and spaces) were left out.", ""]
    if skipped.get("near_duplicates"):
        threshold = filters.get("near_duplicate_threshold")
        out += [
            f"{skipped['near_duplicates']:,} near duplicates were left out: records whose instruction has a "
            f"trigram similarity of at least {threshold:g} to the instruction of an earlier record (for "
            "records with a reference text, an earlier record with the same reference text). The earliest "
            "record is kept.",
            "",
        ]
    out += ["## Records per category", ""]
    if table.empty:
        out += ["No records.", ""]
    else:
        split_names = sorted(stats.split_counts) if split_fraction is not None else []
        header = "| Category | Records |" + "".join(f" {name} |" for name in split_names)
        header += " Instruction (mean / max chars) | Context (mean / max) | Response (mean / max) |"
        out += [header, "|---|---:|" + "---:|" * len(split_names) + "---:|---:|---:|"]
        for key, row in table.iterrows():
            cells = [f"`{key}`", f"{int(row['count']):,}"]
            cells += [f"{stats.split_counts[name].get(key, 0):,}" for name in split_names]
            cells += [f"{row[f'{name}_mean']:,.0f} / {int(row[f'{name}_max']):,}" for name in _LENGTH_FIELDS]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if split_fraction is not None:
            out += [
                f"The test split holds {split_fraction:g} of each category, chosen by a keyed hash of each "
                "record's content and the seed, so it is the same for the same data and seed.",
                "",
            ]
    out += [
        "## Category guidelines",
        "",
        "What contributors were shown beside the writing form when they wrote these records.",
        "",
    ]
    for key, category in categories.items():
        out += [f"### {category.name} (`{key}`)", ""]
        if category.summary:
            out += [category.summary, ""]
        if category.guidelines:
            out += [category.guidelines.strip(), ""]
    out += [
        "## Attribution",
        "",
        "The records were written by the contributors of this collection and are released under the "
        "Creative Commons Attribution-ShareAlike 3.0 Unported License (see `LICENSE`). Reference texts "
        "quoted in `context` are mostly excerpts of Wikipedia (https://www.wikipedia.org), used under the "
        "same license. The format and the task categories follow databricks-dolly-15k "
        "(Conover et al., 2023) and the InstructGPT paper (Ouyang et al., 2022).",
        "",
        "## Known limitations",
        "",
        "- Written by the employees of one organisation: topics, opinions and style reflect that population.",
        "- Reference texts from Wikipedia may contain errors, be out of date, or carry its biases; "
        "bracketed citation markers such as `[12]` remain unless they were removed (see Selection).",
        "- Each record was written by one person and checked by one reviewer; some answers may still be "
        "wrong, incomplete or subjective, especially in brainstorming and creative writing.",
        "- Automatic checks for personal data and machine-written text are heuristics and miss some cases.",
        "- The records are in English unless a contributor wrote otherwise; no translation was done.",
        "",
    ]
    return "\n".join(out)


def manifest_json(manifest):
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
