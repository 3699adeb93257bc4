"""What a killed run leaves behind, found and cleaned up by the next run.

A run killed with SIGKILL cannot clean up after itself: the orchestrator's temporary API server
(a child process) goes on running as an orphan, and a half-written copy of the analysts' file
may remain. Before it starts, a run marks its environment with the warehouse it writes, so its
children carry the mark; the next run on the same warehouse stops the marked processes whose
run is gone and removes stale partial copies. Linux only (it reads ``/proc``); elsewhere
nothing is reaped.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger("journeymine.leftovers")

MARK = "JOURNEYMINE_RUN"


def mark_run(warehouse: Path) -> None:
    """Tag this process, and every child it starts from now on, as the run on ``warehouse``."""
    os.environ[MARK] = f"{os.getpid()}:{warehouse.resolve()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _environ(pid: str) -> bytes | None:
    """The environment a process was started with, or None when it is gone or not ours."""
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None


def _execing(pid: str) -> bool:
    """A user process whose environment reads empty: it is in the middle of exec (the parent
    of a vfork'd child resumes before the new program's environment is readable)."""
    try:
        os.readlink(f"/proc/{pid}/exe")  # kernel threads and zombies have none
    except OSError:
        return False
    return True


def _marked_processes(warehouse: Path, *, settle_seconds: float = 0.5) -> list[tuple[int, int]]:
    """(pid, owner pid) of every process carrying the mark of a run on ``warehouse``.

    A process just started by a live run may still be exec'ing, its environment empty for a
    moment: such processes are read again (for up to ``settle_seconds``) rather than taken
    as unmarked, or a live run could be judged gone and its partial copy removed.
    """
    wanted = f"{MARK}=".encode()
    suffix = f":{warehouse.resolve()}".encode()
    found = []
    pending = [entry.name for entry in Path("/proc").glob("[0-9]*")]
    deadline = time.monotonic() + settle_seconds
    while pending:
        empty = []
        for pid in pending:
            environ = _environ(pid)
            if environ == b"" and _execing(pid):
                empty.append(pid)
                continue
            for var in (environ or b"").split(b"\0"):
                if var.startswith(wanted) and var.endswith(suffix):
                    owner = var[len(wanted) : -len(suffix)]
                    if owner.isdigit():
                        found.append((int(pid), int(owner)))
        if not empty or time.monotonic() >= deadline:
            break
        pending = empty
        time.sleep(0.02)
    return found


def reap(warehouse: Path, *, grace_seconds: float = 5.0) -> list[int]:
    """Stop the processes left by killed runs on ``warehouse`` and remove stale partial copies.

    A process is stopped only when it carries the mark of a run on this warehouse and that
    run's own process no longer exists. Returns the pids stopped.
    """
    me = os.getpid()
    marked = [(pid, owner) for pid, owner in _marked_processes(warehouse) if owner != me]
    orphans = [pid for pid, owner in marked if pid != me and not _alive(owner)]
    another_run = any(_alive(owner) for _, owner in marked)
    for pid in orphans:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace_seconds
    while any(_alive(p) for p in orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in orphans:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if orphans:
        log.warning(
            "stopped %d process(es) left running by a killed run: %s",
            len(orphans), ", ".join(map(str, orphans)),
        )  # fmt: skip
    if another_run:  # its partial copy may be being written right now
        return orphans
    for partial in warehouse.parent.glob(f".{warehouse.stem}*.partial"):
        partial.unlink(missing_ok=True)
        log.warning("removed %s, a half-written copy left by a killed run", partial)
    return orphans
