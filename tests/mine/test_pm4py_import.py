"""pm4py is imported in a thread beside the SQL: quietly, and without muting anyone else."""

from __future__ import annotations

import os
import subprocess
import sys

# A fresh process (pm4py not imported yet): the import runs in a thread, as mine() runs it,
# while the main thread writes to stdout and stderr; then the main thread needs pm4py too.
_CHILD = """
import sys, threading
from journeymine.mine import pm4py_adapter

importing = threading.Thread(target=pm4py_adapter.load)
importing.start()
written = 0
while importing.is_alive() or written < 3:
    print(f"main thread line {written}", flush=True)
    print(f"main thread error {written}", file=sys.stderr, flush=True)
    written += 1
importing.join()
assert pm4py_adapter._pm4py() is sys.modules["pm4py"]
print(f"written {written}", flush=True)
"""


def test_pm4py_imports_in_a_thread_without_its_banner_or_muting_the_main_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = int(done.stdout.strip().splitlines()[-1].removeprefix("written "))
    # every line the main thread wrote while pm4py was being imported is there
    assert [f"main thread line {i}" for i in range(written)] == done.stdout.splitlines()[:-1]
    assert [f"main thread error {i}" for i in range(written)] == done.stderr.splitlines()
    assert "PM4Py" not in done.stdout + done.stderr
