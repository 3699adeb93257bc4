"""Time: metrics per period, regressions and improvements, and "did the fix work?".

- ``history``: touchpoint and stage metrics per day and ISO week, kept across runs; a run
  rewrites only the periods whose numbers changed (late events, re-stitched customers) and
  says which.
- ``changes``: each touchpoint's and stage's daily rates against the same weekdays of the
  weeks before; runs of significantly worse (or better) days become one finding with its
  first and last date.
- ``compare``: two date ranges of journey entry, or two segments, per touchpoint and stage,
  with tests, intervals and a verdict.
"""

from journeymine.periods.changes import Change, detect_changes
from journeymine.periods.compare import ComparisonRow, compare
from journeymine.periods.history import HistoryReport, update_history

__all__ = [
    "Change",
    "ComparisonRow",
    "HistoryReport",
    "compare",
    "detect_changes",
    "update_history",
]
