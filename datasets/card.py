"""The dataset card (``README.md``), the licence notice and the manifest of a release bundle."""

import json

from django.template.loader import render_to_string
from django.utils import translation

from annotations.models import Category

from . import training_formats

LICENSE_ID = "cc-by-sa-3.0"


def _pandas():
    """pandas, imported on first use: it takes about a fifth of a second to import, and every command
    and task that loads the dataset services (the import command among them) would pay for it."""
    import pandas

    return pandas


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
        frame = _pandas().DataFrame(
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
            return _pandas().DataFrame()
        stacked = _pandas().concat(self._parts)
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


_FILTER_LABELS = {
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


def _shown(value):
    if isinstance(value, list):
        return ", ".join(value) or "all"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "-"
    return value


def _filter_rows(filters):
    """``(label, value)`` of each filter the card lists: the seed only with a split, the threshold only with dedupe."""
    hidden = set()
    if filters.get("test_fraction") is None:
        hidden.add("seed")
    if not filters.get("dedupe"):
        hidden.add("near_duplicate_threshold")
    return [(label, _shown(filters.get(key))) for key, label in _FILTER_LABELS.items() if key not in hidden]


def _category_rows(table, stats, split_names):
    rows = []
    for key, row in table.iterrows():
        cells = [f"`{key}`", f"{int(row['count']):,}"]
        cells += [f"{stats.split_counts[name].get(key, 0):,}" for name in split_names]
        cells += [f"{row[f'{name}_mean']:,.0f} / {int(row[f'{name}_max']):,}" for name in _LENGTH_FIELDS]
        rows.append(cells)
    return rows


def _file_rows(files):
    return [
        {
            **entry,
            "records": "" if entry.get("records") is None else f"{entry['records']:,}",
            "size": f"{entry['size']:,}",
        }
        for entry in files
    ]


def _configs_yaml(configs):
    """``configs:`` of the Hugging Face card: one per format, the first the default, files per split."""
    out = ["configs:"] if configs else []
    for index, (fmt, data_files) in enumerate(configs):
        out += [f"- config_name: {fmt}"]
        if index == 0:
            out += ["  default: true"]
        out += ["  data_files:"]
        for split, path in data_files:
            out += [f"  - split: {split}", f"    path: {json.dumps(path)}"]
    return out


def render_card(
    *, title, stats, record_count, filters, files, skipped, split_fraction=None, released_at=None, configs=()
):
    """The README.md of a release (``templates/datasets/card.md``); the YAML header follows the
    Hugging Face dataset card fields.  Its ``configs`` name the data files of each format per
    split, so ``datasets.load_dataset`` on the release folder gives the train and test splits."""
    table = stats.table()
    present = [str(k) for k in table.index] if not table.empty else []
    categories = Category.objects.filter(key__in=present).order_by("position", "key")
    split_names = sorted(stats.split_counts) if split_fraction is not None else []
    csv_files = [entry["name"] for entry in files if entry["name"].endswith(".csv")]
    context = {
        "license": LICENSE_ID,
        "tasks": sorted({_TASK_CATEGORIES.get(key, "text-generation") for key in present}) or ["text-generation"],
        "size_category": size_category(record_count),
        "pretty_name": json.dumps(title),
        "title": title,
        "record_count": f"{record_count:,}",
        "released_at": released_at,
        "files": _file_rows(files),
        "csv_files": ", ".join(f"`{name}`" for name in csv_files),
        "filters": _filter_rows(filters),
        "duplicates": f"{skipped['duplicates']:,}" if skipped.get("duplicates") else "",
        "near_duplicates": f"{skipped['near_duplicates']:,}" if skipped.get("near_duplicates") else "",
        "threshold": f"{filters.get('near_duplicate_threshold') or 0:g}",
        "rows": _category_rows(table, stats, split_names) if not table.empty else [],
        "split_names": split_names,
        "split_fraction": f"{split_fraction:g}" if split_fraction is not None else "",
        "categories": [(category.key, category) for category in categories],
        "configs": "\n".join(_configs_yaml(configs)),
        "templates": "\n".join(training_formats.card_section([fmt for fmt, _files in configs])),
    }
    with translation.override(None):
        return render_to_string("datasets/card.md", context)


def manifest_json(manifest):
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
