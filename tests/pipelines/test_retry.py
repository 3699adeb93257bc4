"""The flow retries a task only when the warehouse was locked, nothing else."""

from __future__ import annotations

import pytest
from pipelines.nightly import _retry_if_locked

from journeymine.errors import IngestError, WarehouseError


class _FailedState:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def result(self) -> None:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (WarehouseError("w.duckdb: the warehouse is locked"), True),
        (IngestError("a.csv", "missing column"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_a_locked_warehouse_is_retried(exc: Exception, retry: bool) -> None:
    assert _retry_if_locked(None, None, _FailedState(exc)) is retry
