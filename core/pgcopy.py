"""PostgreSQL's COPY text format, written once for the importer and the benchmarks (no Django needed)."""

import datetime
import json


def copy_text(value):
    """One value in COPY's text format: ``None`` is ``\\N``; backslash, tab, newline and carriage return are escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value
