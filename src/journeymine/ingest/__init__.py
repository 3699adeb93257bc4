"""Ingestion: raw export files -> validated ``events``, ``quarantine`` and ``loads``."""

from __future__ import annotations

import glob
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeymine.config import Config, Source
from journeymine.ingest.load import FileLoad, load_file
from journeymine.pii import HmacKey

__all__ = ["FileLoad", "SourceReport", "discover_files", "ingest_source"]

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


def ingest_source(
    con: duckdb.DuckDBPyConnection, config: Config, source: Source, key: HmacKey
) -> SourceReport:
    """Load every new file of ``source``; a bad file is recorded and the others go on."""
    files = discover_files(config, source)
    if not files:
        log.error(
            "source %s: no file matches %s (looked for %s)",
            source.name, source.path, config.resolve(source.path),
        )  # fmt: skip
    results = []
    for i, path in enumerate(files, 1):
        name = display_name(config, path)
        result = load_file(con, source, path, key, display_name=name)
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
