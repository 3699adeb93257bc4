"""The drop-off report: built from the warehouse, for the people who fix the journeys.

``build_report`` writes a report folder (``dropoff_report.html`` and its CSV, Parquet and JSON
companions); ``export_flags_csv`` writes the ranked flags alone.
"""

from __future__ import annotations

from journeymine.report.build import FILES, BuiltReport, build_report
from journeymine.report.flags_csv import export_flags_csv
from journeymine.report.scope import ReportScope

__all__ = ["FILES", "BuiltReport", "ReportScope", "build_report", "export_flags_csv"]
