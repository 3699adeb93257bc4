"""One exception root, with context: every error names where it happened and what is allowed."""

from __future__ import annotations


class JourneymineError(Exception):
    """Root of every error journeymine raises on purpose."""


class ConfigError(JourneymineError):
    """The configuration file is missing, unreadable or invalid."""


class MapError(JourneymineError):
    """The designed journey map is invalid."""


class IngestError(JourneymineError):
    """An input file cannot be read as its source declares.

    ``path`` names the file; the message says what was found and what is allowed.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message


class WarehouseError(JourneymineError):
    """The DuckDB warehouse cannot be opened or written (for example, it is locked)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked
