"""Ingestion: raw export files -> validated ``events``, ``quarantine`` and ``loads``."""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine.config import Config, Source
from journeymine.ingest.load import FileLoad, load_file, next_load_id
from journeymine.pii import HmacKey

__all__ = [
    "FileLoad",
    "SourceReport",
    "discover_files",
    "ingest_source",
    "ingest_sources",
    "reserve_load_ids",
]

log = logging.getLogger("journeymine.ingest")


@dataclass(frozen=True)
class SourceReport:
    """What one source's files did in this run."""

    source: str
    pattern: str
    files: tuple[FileLoad, ...]

    @property
    def found_nothing(self) -> bool:
        """The source's pattern matched no file at all (a typo, or an empty delivery)."""
        return not self.files

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def total(self, attribute: str) -> int:
        return sum(int(getattr(f, attribute)) for f in self.files)


def discover_files(config: Config, source: Source) -> list[Path]:
    """The files matching the source's glob, sorted so that loads happen in a stable order."""
    pattern = str(config.resolve(source.path))
    return sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())


def display_name(config: Config, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.base_dir))
    except ValueError:
        return str(path)


def reserve_load_ids(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, dict[str, int]]:
    """A load id for each file this run may load (not loaded before under its name, size and
    modification time), per source, numbered in the order of the sources and their files.
    Loads that run side by side (``ingest_sources``) then number their files as one load after
    the other would: events of the same second keep one order, whichever load finishes first
    (journeys order them by time, load and line). A file found to be loaded already under
    another name leaves its id unused."""
    known = _loaded_files(con)
    reserved: dict[str, dict[str, int]] = {}
    load_id = next_load_id(con)
    for source in config.sources:
        reserved[source.name] = {}
        for path in discover_files(config, source):
            name = display_name(config, path)
            if _stat_key(path, name) not in known:
                reserved[source.name][name] = load_id
                load_id += 1
    return reserved


def ingest_sources(
    config: Config, key: HmacKey, connect: Callable[[], duckdb.DuckDBPyConnection]
) -> list[SourceReport]:
    """Load every source's new files, ``config.parallel_loads`` sources at a time, each on a
    connection of its own from ``connect`` (DuckDB appends of several transactions to one
    table do not conflict). Reports come in the configuration's order of sources. Memory is
    that of the loads running together: each is bounded by its chunk (``CHUNK_ROWS``)."""
    with connect() as con:  # holds the database open while the loads connect
        load_ids = reserve_load_ids(con, config)

        def one(source: Source) -> SourceReport:
            with connect() as own:
                return ingest_source(own, config, source, key, load_ids[source.name])

        with ThreadPoolExecutor(config.parallel_loads, thread_name_prefix="jm-load") as pool:
            return list(pool.map(one, config.sources))


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: Source,
    key: HmacKey,
    load_ids: Mapping[str, int] | None = None,
) -> SourceReport:
    """Load every new file of ``source``; a bad file is recorded and the others go on.
    ``load_ids``: the ids ``reserve_load_ids`` gave its files (by default each takes the next
    one when it starts)."""
    files = discover_files(config, source)
    if not files:
        log.error(
            "source %s: no file matches %s (looked for %s)",
            source.name, source.path, config.resolve(source.path),
        )  # fmt: skip
    results = []
    known = _loaded_files(con) if load_ids is not None else set()
    for i, path in enumerate(files, 1):
        name = display_name(config, path)
        load_id = load_ids.get(name) if load_ids is not None else None
        if load_ids is not None and load_id is None and _stat_key(path, name) not in known:
            # delivered (or changed) after the run numbered its files: the next run loads it
            log.warning(
                "source %s [%d/%d] %s: arrived while this run was loading; left for the next run",
                source.name, i, len(files), name,
            )  # fmt: skip
            continue
        result = load_file(con, source, path, key, display_name=name, load_id=load_id)
        results.append(result)
        if result.status == "loaded":
            log.info(
                "source %s [%d/%d] %s: %d read, %d loaded, %d rejected, %d duplicate",
                source.name, i, len(files), name, result.rows_read, result.rows_loaded,
                result.rows_rejected, result.rows_duplicate,
            )  # fmt: skip
        elif result.status == "skipped":
            log.info(
                "source %s [%d/%d] %s: already loaded, skipped", source.name, i, len(files), name
            )
        else:
            log.error(
                "source %s [%d/%d] %s: FAILED: %s", source.name, i, len(files), name, result.error
            )
    return SourceReport(source.name, source.path, tuple(results))


def _loaded_files(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int, int]]:
    """The (name, size, modification time) of every loaded file: what ``load_file`` skips
    without reading the file (``load._loaded_as``), looked up once for all of a source's files."""
    rows = con.execute("select file, bytes, modified_ns from loads where status = 'loaded'")
    return set(rows.fetchall())


def _stat_key(path: Path, name: str) -> tuple[str, int, int]:
    stat = path.stat()
    return name, stat.st_size, stat.st_mtime_ns
