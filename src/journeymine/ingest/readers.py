"""Read one input file into Arrow batches of one common shape, whatever its format.

CSV and Parquet: each batch carries ``seq`` (the ordinal of the row among the rows the parser
accepted), ``rec`` (the row as a struct of its original columns, for the quarantine's raw
record), ``fields`` (one string per unified field, in ``config.FIELDS`` order) and
``attr_values`` (the source's attribute columns). JSON lines: ``seq`` (the line number) and
``raw`` (the line); fields are extracted in SQL (``sql/ingest/input_jsonl.sql``).

Rows the parser itself rejects (a CSV row with the wrong number of fields) are collected as
``InvalidRecord`` with their row number; nothing is dropped. Reading is streamed in batches,
so memory stays bounded whatever the file size. Gzip is detected from the file's magic bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from journeymine.config import FIELDS, Source
from journeymine.errors import IngestError

BATCH_BYTES = 8 << 20  # bytes of CSV / JSON text per batch
PARQUET_BATCH_ROWS = 256_000
_GZIP_MAGIC = b"\x1f\x8b"
_LINE_DELIMITER = "\x1f"  # never present in valid JSON text: a JSON line is one field


@dataclass
class InvalidRecord:
    """A record the parser could not split into fields."""

    record_no: int | None
    text: str
    reason: str


@dataclass
class Reading:
    """Batches of one file, plus the records the parser rejected while producing them."""

    batches: Iterator[pa.RecordBatch]
    kind: str  # "tabular" or "lines"
    invalid: list[InvalidRecord] = field(default_factory=list)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def _open(path: Path) -> pa.NativeFile:
    raw = pa.OSFile(str(path), "rb")
    return pa.CompressedInputStream(raw, "gzip") if is_gzip(path) else raw


def _arrow_encoding(source: Source) -> str:
    """The source's encoding as pyarrow names it (validated in the configuration)."""
    return "utf8" if codecs.lookup(source.encoding).name == "utf-8" else source.encoding


def read(path: Path, source: Source) -> Reading:
    """Start reading ``path`` as ``source`` declares; header problems raise ``IngestError``."""
    if source.format == "csv":
        return _read_csv(path, source)
    if source.format == "jsonl":
        return _read_lines(path, source)
    return _read_parquet(path, source)


def _rows_to_lists(columns: list[pa.Array], n: int) -> pa.ListArray:
    """k string columns of n rows -> one list<string> column of n rows (row-major)."""
    k = len(columns)
    offsets = (
        pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
        if k
        else pa.array(np.zeros(n + 1, dtype=np.int32))
    )
    if k == 0:
        return pa.ListArray.from_arrays(offsets, pa.array([], pa.string()))
    flat = pa.concat_arrays([c.cast(pa.string()) for c in columns])
    order = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).ravel()
    return pa.ListArray.from_arrays(offsets, flat.take(pa.array(order)))


def _shape(batch: pa.RecordBatch, source: Source, first_seq: int) -> pa.RecordBatch:
    n = batch.num_rows
    cols = {name: batch.column(name) for name in batch.schema.names}
    null = pa.nulls(n, pa.string())
    fields = [cols[source.fields[f]] if f in source.fields else null for f in FIELDS]
    attrs = [cols[a] for a in source.attributes]
    rec = pa.StructArray.from_arrays([c.cast(pa.string()) for c in cols.values()], names=list(cols))
    return pa.RecordBatch.from_arrays(
        [
            pa.array(np.arange(first_seq, first_seq + n, dtype=np.int64)),
            rec,
            _rows_to_lists(fields, n),
            _rows_to_lists(attrs, n),
        ],
        names=["seq", "rec", "fields", "attr_values"],
    )


def _csv_header(path: Path, source: Source, encoding: str) -> list[str]:
    try:
        with _open(path) as stream:
            head = stream.read(1 << 16)
        text = head.decode("utf-8" if encoding == "utf8" else encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            str(path),
            f"not valid {source.encoding} text at byte {exc.start} of the header; set "
            "`encoding:` on source " + repr(source.name) + " to the file's real encoding",
        ) from exc
    except (OSError, EOFError) as exc:
        raise IngestError(str(path), f"cannot read: {exc}") from exc
    first = next(csv.reader(io.StringIO(text), delimiter=source.delimiter), None)
    if not first:
        raise IngestError(str(path), "empty file: expected a CSV header line")
    return first


def _missing_columns(path: Path, source: Source, present: list[str]) -> None:
    needed = source.columns()
    missing = [c for c in needed if c not in present]
    if missing:
        by_field = {col: f for f, col in source.fields.items()}
        described = ", ".join(
            f"{c!r} (field {by_field[c]})" if c in by_field else f"{c!r} (attribute)"
            for c in missing
        )
        raise IngestError(
            str(path),
            f"missing column(s) {described}; the file has: {', '.join(present)}. "
            f"Map source {source.name!r} onto the file's column names in the configuration",
        )


def _read_csv(path: Path, source: Source) -> Reading:
    encoding = _arrow_encoding(source)
    header = _csv_header(path, source, encoding)
    _missing_columns(path, source, header)
    needed = source.columns()
    reading = Reading(batches=iter(()), kind="tabular")

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow numbers rows from the header (row 1); ours count data rows from 1
        number = None if row.number is None else row.number - 1
        reading.invalid.append(
            InvalidRecord(
                number,
                row.text,
                f"malformed_record: expected {row.expected_columns} fields, "
                f"found {row.actual_columns}",
            )
        )
        return "skip"

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            reader = pacsv.open_csv(
                _open(path),
                read_options=pacsv.ReadOptions(
                    use_threads=False, block_size=BATCH_BYTES, encoding=encoding
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=source.delimiter,
                    newlines_in_values=True,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()),
                    include_columns=needed,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            seq = 1
            for batch in reader:
                yield _shape(batch, source, seq)
                seq += batch.num_rows
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            raise IngestError(str(path), _explain(exc, source)) from exc

    reading.batches = batches()
    return reading


def _read_lines(path: Path, source: Source) -> Reading:
    encoding = _arrow_encoding(source)
    reading = Reading(batches=iter(()), kind="lines")

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reading.invalid.append(
            InvalidRecord(row.number, row.text, "malformed_record: not one JSON document")
        )
        return "skip"

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            reader = pacsv.open_csv(
                _open(path),
                read_options=pacsv.ReadOptions(
                    use_threads=False,
                    block_size=BATCH_BYTES,
                    encoding=encoding,
                    column_names=["raw"],
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=_LINE_DELIMITER,
                    quote_char=False,
                    escape_char=False,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={"raw": pa.string()}, strings_can_be_null=False
                ),
            )
            seq = 1
            for batch in reader:
                n = batch.num_rows
                yield pa.RecordBatch.from_arrays(
                    [pa.array(np.arange(seq, seq + n, dtype=np.int64)), batch.column(0)],
                    names=["seq", "raw"],
                )
                seq += n
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            raise IngestError(str(path), _explain(exc, source)) from exc

    reading.batches = batches()
    return reading


def _read_parquet(path: Path, source: Source) -> Reading:
    if is_gzip(path):
        raise IngestError(str(path), "a gzipped Parquet file: Parquet compresses inside; unzip it")
    try:
        pf = pq.ParquetFile(str(path))
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(str(path), f"not a readable Parquet file: {exc}") from exc
    _missing_columns(path, source, pf.schema_arrow.names)
    reading = Reading(batches=iter(()), kind="tabular")

    def batches() -> Iterator[pa.RecordBatch]:
        seq = 1
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=source.columns()):
                strings = pa.RecordBatch.from_arrays(
                    [c.cast(pa.string()) for c in batch.columns], names=batch.schema.names
                )
                yield _shape(strings, source, seq)
                seq += batch.num_rows
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise IngestError(str(path), f"cannot read Parquet data: {exc}") from exc

    reading.batches = batches()
    return reading


def _explain(exc: Exception, source: Source) -> str:
    message = str(exc)
    if "UTF8" in message or "utf-8" in message.lower() or "decode" in message.lower():
        return (
            f"not valid {source.encoding} text ({message.splitlines()[0]}); set `encoding:` on "
            f"source {source.name!r} to the file's real encoding"
        )
    if "gzip" in message.lower() or "compressed" in message.lower() or isinstance(exc, EOFError):
        return f"truncated or corrupt gzip data ({message.splitlines()[0]}); re-export the file"
    return f"cannot parse: {message.splitlines()[0]}"
