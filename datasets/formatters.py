"""Formatters turn chunks of ``DollyRecord`` into bytes on a binary file, one chunk at a time.

Each has ``open(handle)``, ``write(records)`` and ``close()``; none holds more than one
row group (parquet) or one chunk (the others) in memory.
"""

import io

from .records import DOLLY_FIELDS, METADATA_FIELDS, dolly_line, metadata_line
from .training_formats import chat_line, prompt_line


def _pandas():
    """pandas and pyarrow are imported on first use: together they take about a third of a second to
    import, which every command and task loading the dataset services (the import command among
    them) would pay for without writing a CSV or parquet file."""
    import pandas

    return pandas


def _pyarrow():
    import pyarrow
    import pyarrow.parquet

    return pyarrow, pyarrow.parquet


class Formatter:
    extension = ""

    def __init__(self, *, with_metadata=False, ensure_ascii=True):
        self.with_metadata = with_metadata
        self.ensure_ascii = ensure_ascii
        self.handle = None

    def open(self, handle):
        self.handle = handle

    def write(self, records):
        raise NotImplementedError

    def close(self):
        self.handle = None

    def columns(self, records):
        """Column lists for the tabular formats: the four dolly fields, then the metadata ones if asked."""
        data = {name: [getattr(r, name) for r in records] for name in DOLLY_FIELDS}
        if self.with_metadata:
            rows = [r.to_metadata_dict() for r in records]
            for name in METADATA_FIELDS:
                data[name] = [row[name] for row in rows]
        return data


class JsonlFormatter(Formatter):
    """The databricks-dolly-15k layout, byte for byte; with metadata, the extra keys follow the four."""

    extension = "jsonl"

    def write(self, records):
        line = metadata_line if self.with_metadata else dolly_line
        ascii_only = self.ensure_ascii
        text = "".join([line(record, ensure_ascii=ascii_only) for record in records])
        self.handle.write(text.encode("utf-8"))


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """A text cell a spreadsheet would run as a formula, with a single quote in front (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class LineFormatter(Formatter):
    """A training layout (``training_formats``): one JSON object per record; metadata stays in the dolly files."""

    line = None

    def write(self, records):
        line, ascii_only = type(self).line, self.ensure_ascii
        self.handle.write("".join([line(record, ensure_ascii=ascii_only) for record in records]).encode("utf-8"))


class ChatFormatter(LineFormatter):
    extension = "chat.jsonl"
    line = staticmethod(chat_line)


class DollyPromptFormatter(LineFormatter):
    extension = "prompt.jsonl"
    line = staticmethod(prompt_line)


class CsvFormatter(Formatter):
    """Comma-separated values for spreadsheets (RFC 4180: rows end with CRLF, so any cell holding a
    carriage return or a line feed is quoted).  Unlike JSONL and parquet, a cell is not always the
    text as written: one that begins like a formula gets a single quote in front."""

    extension = "csv"

    def open(self, handle):
        super().open(handle)
        self.header = True

    def write(self, records):
        if not records:
            return
        data = self.columns(records)
        if self.with_metadata:
            data["flags"] = ["|".join(flags) for flags in data["flags"]]
            data["contests"] = ["|".join(contests) for contests in data["contests"]]
        data = {name: [neutralise_formula(value) for value in values] for name, values in data.items()}
        if self.with_metadata:
            data["review_rating"] = _pandas().array(data["review_rating"], dtype="Int64")
        buffer = io.StringIO()
        _pandas().DataFrame(data).to_csv(buffer, header=self.header, index=False, lineterminator="\r\n")
        self.header = False
        self.handle.write(buffer.getvalue().encode("utf-8"))

    def close(self):
        if self.header:
            columns = list(DOLLY_FIELDS) + (list(METADATA_FIELDS) if self.with_metadata else [])
            self.handle.write((",".join(columns) + "\r\n").encode("utf-8"))
        super().close()


class ParquetFormatter(Formatter):
    """Streams row groups of ``row_group_size`` records through ``pyarrow.parquet.ParquetWriter``."""

    extension = "parquet"
    row_group_size = 20_000

    def schema(self):
        pa, _parquet = _pyarrow()
        fields = [pa.field(name, pa.string(), nullable=False) for name in DOLLY_FIELDS]
        if self.with_metadata:
            fields += [
                pa.field("id", pa.string()),
                pa.field("created_at", pa.string()),
                pa.field("contributor", pa.string()),
                pa.field("contests", pa.list_(pa.string())),
                pa.field("review_rating", pa.int16()),
                pa.field("flags", pa.list_(pa.string())),
            ]
        return pa.schema(fields)

    def open(self, handle):
        super().open(handle)
        self._schema = self.schema()
        self._writer = _pyarrow()[1].ParquetWriter(handle, self._schema, compression="zstd")
        self._pending = []

    def write(self, records):
        self._pending.extend(records)
        if len(self._pending) >= self.row_group_size:
            self._flush()

    def _flush(self):
        if not self._pending:
            return
        table = _pyarrow()[0].Table.from_pydict(self.columns(self._pending), schema=self._schema)
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self._pending = []

    def close(self):
        self._flush()
        self._writer.close()
        super().close()


FORMATTERS = {
    "jsonl": JsonlFormatter,
    "parquet": ParquetFormatter,
    "csv": CsvFormatter,
    "chat": ChatFormatter,
    "dolly_prompt": DollyPromptFormatter,
}


def formatter_for(name, *, with_metadata=False, ensure_ascii=True):
    return FORMATTERS[name](with_metadata=with_metadata, ensure_ascii=ensure_ascii)
