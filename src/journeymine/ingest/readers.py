"""Read one input file into Arrow batches of one common shape, whatever its format.

CSV and Parquet: each batch carries ``seq``, ``fields`` (one string per unified field, in
``config.FIELDS`` order) and ``attr_values`` (the source's attribute columns); the row's
columns are ``Source.columns()``, in that order, and the few records that need the row as
text (a rejected one, one without an event id) have it rebuilt from these lists in SQL
(``jm_record_text``). JSON lines:
``seq`` and ``raw`` (the line); fields are extracted in SQL (``sql/ingest/input_jsonl.sql``).
When ``Reading.numbered`` is set, ``seq`` is already the record's number (a CSV read line by
line: its data line); otherwise it is the ordinal among the rows the parser accepted, and the
loader numbers records around the rejected ones.

A CSV is read line by line unless its source declares ``multiline_values``: a line with an
odd number of quote characters (an unterminated quote) is quarantined alone, with its line
number, instead of swallowing the rest of the file into one value; the other lines are parsed
by Arrow's CSV parser. Rows the parser rejects (the wrong number of fields, invalid text) are
collected as ``InvalidRecord`` with their number; nothing is dropped. A byte-order mark is
ignored; an empty file is an empty load. Reading is streamed in batches, so memory stays
bounded whatever the file size. Gzip is detected from the file's magic bytes. Error messages
say what and where, never the file's content.
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import re
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from journeymine.config import FIELDS, Source
from journeymine.errors import IngestError

BATCH_BYTES = 8 << 20  # bytes of CSV / JSON text per batch
PARQUET_BATCH_ROWS = 256_000
_GZIP_MAGIC = b"\x1f\x8b"
_LINE_DELIMITER = "\x1f"  # never present in valid JSON text: a JSON line is one field
_BOM = "\ufeff"
_LINE_COLUMN = "__journeymine_line"


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
    numbered: bool = False  # seq is the record number itself


@dataclass
class _Failed:
    error: BaseException


_END = object()


def prefetched(
    batches: Iterator[pa.RecordBatch], depth: int = 2
) -> Generator[pa.RecordBatch, None, None]:
    """``batches`` read ahead by a thread, at most ``depth`` batches ahead, so that parsing
    the next batch (Arrow releases the GIL) overlaps the database's work on this one.

    The batches come in order, and an error of the reader is raised here, where it would
    have been. The reader may meanwhile have added records of later batches to
    ``Reading.invalid``: the loader takes a copy of the list when it numbers a chunk. Closing
    this generator early (the load failed) stops the reader and closes ``batches``.
    """
    ahead: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="journeymine-reader", daemon=True)
    reader.start()
    try:
        while (item := ahead.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield cast(pa.RecordBatch, item)
    finally:
        stop.set()
        reader.join()


def _is_empty(path: Path) -> bool:
    """No byte at all (after gunzip), or only white space and a byte-order mark."""
    with _open(path) as stream:
        head = stream.read(1 << 16)
        if head.strip(b" \t\r\n\xef\xbb\xbf"):
            return False
        while chunk := stream.read(1 << 20):
            if chunk.strip(b" \t\r\n"):
                return False
    return True


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
    if source.format in ("csv", "jsonl"):
        try:
            empty = _is_empty(path)
        except (OSError, EOFError) as exc:
            raise IngestError(str(path), _explain(exc, source)) from exc
        if empty:
            return Reading(batches=iter(()), kind="tabular" if source.format == "csv" else "lines")
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


def _shape(batch: pa.RecordBatch, source: Source, seq: int | np.ndarray) -> pa.RecordBatch:
    """The common tabular shape; ``seq`` is the first ordinal, or every row's number."""
    n = batch.num_rows
    cols = {name: batch.column(name) for name in batch.schema.names}
    null = pa.nulls(n, pa.string())
    fields = [cols[source.fields[f]] if f in source.fields else null for f in FIELDS]
    attrs = [cols[a] for a in source.attributes]
    return pa.RecordBatch.from_arrays(
        [
            pa.array(
                np.arange(seq, seq + n, dtype=np.int64) if isinstance(seq, int) else seq,
                pa.int64(),
            ),
            _rows_to_lists(fields, n),
            _rows_to_lists(attrs, n),
        ],
        names=["seq", "fields", "attr_values"],
    )


def _csv_header(path: Path, source: Source, encoding: str) -> list[str]:
    """The header line's column names (a byte-order mark before it is ignored)."""
    try:
        with _open(path) as stream:
            head = stream.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise IngestError(str(path), _explain(exc, source)) from exc
    line = head.split(b"\n", 1)[0]
    try:
        text = line.decode("utf-8" if encoding == "utf8" else encoding).lstrip(_BOM)
    except UnicodeDecodeError as exc:
        raise IngestError(
            str(path),
            f"not valid {source.encoding} text at byte {exc.start + 1} of the header line; set "
            "`encoding:` on source " + repr(source.name) + " to the file's real encoding",
        ) from exc
    first = next(csv.reader(io.StringIO(text), delimiter=source.delimiter), None)
    if not first:
        raise IngestError(str(path), "no header line: expected the column names first")
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
            f"missing column(s) {described} among the {len(present)} columns of its header. "
            f"Map source {source.name!r} onto the file's column names in the configuration",
        )


def _read_csv(path: Path, source: Source) -> Reading:
    encoding = _arrow_encoding(source)
    header = _csv_header(path, source, encoding)
    _missing_columns(path, source, header)
    if source.multiline_values:
        return _read_csv_multiline(path, source, header, encoding)
    return _read_csv_by_line(path, source, header, encoding)


def _read_csv_multiline(path: Path, source: Source, header: list[str], encoding: str) -> Reading:
    """Arrow's parser on the whole file, quoted values may span lines. An unterminated quote
    then runs on to the next quote character: the price of allowing multi-line values."""
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


def _line_reader(path: Path, encoding: str, on_invalid: object) -> pacsv.CSVStreamingReader:
    """Physical lines as binary values (invalid text is found line by line, not per file)."""
    return pacsv.open_csv(
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
            column_types={"raw": pa.binary()}, strings_can_be_null=False
        ),
    )


class _Lines:
    """Numbers the lines of a line reader: physical line numbers from 1, skipping the lines
    the reader rejected (they are recorded as invalid, with their numbers)."""

    def __init__(self, reading: Reading, source: Source, *, first_data_line: int) -> None:
        self.reading = reading
        self.source = source
        self.offset = first_data_line - 1  # line number = number among data lines + offset
        self.rejected: list[int] = []  # physical line numbers the reader skipped
        self.next_line = 1

    def on_invalid(self, row: pacsv.InvalidRow) -> str:
        if row.number is not None:
            self.rejected.append(row.number)
        self.reading.invalid.append(
            InvalidRecord(
                None if row.number is None else row.number - self.offset,
                row.text,
                "malformed_record: the line holds a unit separator (0x1F), not one record",
            )
        )
        return "skip"

    def number(self, n: int) -> np.ndarray:
        """Physical line numbers of the next ``n`` lines the reader yielded."""
        out = np.empty(n, dtype=np.int64)
        i, line = 0, self.next_line
        skip = set(self.rejected)
        while i < n:
            if line not in skip:
                out[i] = line
                i += 1
            line += 1
        self.next_line = line
        return out

    def text(self, raw: pa.Array, lines: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        """The lines as text; lines that are not valid text are quarantined alone."""
        try:
            return raw.cast(pa.string()), lines
        except pa.ArrowInvalid:
            pass
        good, keep = [], []
        for i, value in enumerate(raw.to_pylist()):  # only a batch holding invalid text
            try:
                good.append(value.decode("utf-8"))
                keep.append(i)
            except UnicodeDecodeError as exc:
                self.reading.invalid.append(
                    InvalidRecord(
                        int(lines[i]) - self.offset,
                        value.decode("utf-8", errors="replace"),
                        f"malformed_record: not valid {self.source.encoding} text at byte "
                        f"{exc.start + 1} of line {int(lines[i])}",
                    )
                )
        return pa.array(good, pa.string()), lines[keep]


def _read_csv_by_line(path: Path, source: Source, header: list[str], encoding: str) -> Reading:
    """One physical line, one record: a stray quote costs its own line, never the file."""
    needed = source.columns()
    reading = Reading(batches=iter(()), kind="tabular", numbered=True)
    lines = _Lines(reading, source, first_data_line=2)
    delimiter = source.delimiter
    header_line = delimiter.join([_LINE_COLUMN, *(_quote(c, delimiter) for c in header)])

    def on_parse_invalid(row: pacsv.InvalidRow) -> str:
        number, _, text = row.text.partition(delimiter)
        reading.invalid.append(
            InvalidRecord(
                int(number) - 1 if number.isdigit() else None,
                text,
                f"malformed_record: expected {row.expected_columns - 1} fields, "
                f"found {row.actual_columns - 1}",
            )
        )
        return "skip"

    def parse(text: pa.Array, numbers: np.ndarray) -> pa.Table:
        prefixed = pc.binary_join_element_wise(pa.array(numbers.astype(str)), text, delimiter)
        rows = pa.concat_arrays([pa.array([header_line], pa.string()), prefixed])
        block = pc.binary_join(
            pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), rows), "\n"
        )[0]
        return pacsv.read_csv(
            pa.BufferReader(block.as_buffer()),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 30),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=False,
                invalid_row_handler=on_parse_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={_LINE_COLUMN: pa.int64(), **dict.fromkeys(header, pa.string())},
                include_columns=[_LINE_COLUMN, *needed],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            reader = _line_reader(path, encoding, lines.on_invalid)
            first = True
            for batch in reader:
                raw = batch.column(0)
                numbers = lines.number(len(raw))
                if first:  # the header line
                    raw, numbers, first = raw.slice(1), numbers[1:], False
                text, numbers = lines.text(raw, numbers)
                text = pc.utf8_rtrim(text, characters="\r")
                blank = pc.equal(pc.utf8_trim_whitespace(text), "")
                odd = pc.equal(pc.bit_wise_and(pc.count_substring(text, '"'), 1), 1)
                for number, value in zip(
                    numbers[np.asarray(odd.to_numpy(zero_copy_only=False), dtype=bool)],
                    pc.filter(text, odd).to_pylist(),
                    strict=True,
                ):
                    reading.invalid.append(
                        InvalidRecord(
                            int(number) - 1,
                            value,
                            f"malformed_record: line {int(number)} has an unterminated quote "
                            '(an odd number of " characters); the lines after it are read '
                            "on their own",
                        )
                    )
                keep = pc.invert(pc.or_(blank, odd))
                mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
                if not mask.any():
                    continue
                table = parse(pc.filter(text, keep), numbers[mask])
                if table.num_rows == 0:
                    continue
                data_rows = table.column(_LINE_COLUMN).to_numpy() - 1
                for part in table.drop_columns([_LINE_COLUMN]).to_batches():
                    n = part.num_rows
                    yield _shape(part, source, data_rows[:n])
                    data_rows = data_rows[n:]
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            raise IngestError(str(path), _explain(exc, source)) from exc

    reading.batches = batches()
    return reading


def _quote(name: str, delimiter: str) -> str:
    """A header name as CSV text."""
    if any(ch in name for ch in (delimiter, '"', "\n", "\r")):
        return '"' + name.replace('"', '""') + '"'
    return name


def _read_lines(path: Path, source: Source) -> Reading:
    """JSON lines: one physical line, one record, numbered by its line."""
    encoding = _arrow_encoding(source)
    reading = Reading(batches=iter(()), kind="lines", numbered=True)
    lines = _Lines(reading, source, first_data_line=1)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            first = True
            for batch in _line_reader(path, encoding, lines.on_invalid):
                raw = batch.column(0)
                numbers = lines.number(len(raw))
                text, numbers = lines.text(raw, numbers)
                if first:  # a byte-order mark can only stand before the first line
                    text, first = pc.utf8_ltrim(text, characters=_BOM), False
                yield pa.RecordBatch.from_arrays(
                    [pa.array(numbers, pa.int64()), text], names=["seq", "raw"]
                )
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
    """What went wrong reading a file, in words: the format, never the file's content."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    what = {"csv": "CSV", "jsonl": "JSON lines", "parquet": "Parquet"}[source.format]
    if "UTF8" in message or "utf-8" in message.lower() or "decode" in message.lower():
        return (
            f"not valid {source.encoding} text; set `encoding:` on source {source.name!r} to "
            "the file's real encoding"
        )
    if "gzip" in message.lower() or "compressed" in message.lower() or isinstance(exc, EOFError):
        return "truncated or corrupt gzip data; re-export the file"
    if "straddling" in message:
        return (
            f"cannot parse the {what} file: a quoted value runs on for megabytes (an "
            "unterminated quote?) and the source allows values over several lines "
            "(multiline_values: true); fix the quote or turn multiline_values off"
        )
    # Arrow's messages end with the offending row's text: keep only what happened
    reason = re.split(r":\s", message.removeprefix("CSV parse error: "), maxsplit=1)[0]
    return f"cannot parse the {what} file: {reason.replace('CSV', what)[:120]}"
