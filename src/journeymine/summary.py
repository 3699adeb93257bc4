"""The short summary a run ends with: per source, files and rows."""

from __future__ import annotations

from collections.abc import Sequence

from journeymine.ingest import SourceReport


def failed_files(reports: Sequence[SourceReport]) -> list[tuple[str, str]]:
    return [(f.file, f.error or "") for r in reports for f in r.files if f.status == "failed"]


def sources_without_files(reports: Sequence[SourceReport]) -> list[SourceReport]:
    return [r for r in reports if r.found_nothing]


def format_summary(reports: Sequence[SourceReport]) -> str:
    header = (
        "source",
        "files",
        "loaded",
        "skipped",
        "failed",
        "rows read",
        "loaded",
        "rejected",
        "duplicate",
    )
    rows = [
        (
            r.source,
            str(len(r.files)),
            str(r.count("loaded")),
            str(r.count("skipped")),
            str(r.count("failed")),
            str(r.total("rows_read")),
            str(r.total("rows_loaded")),
            str(r.total("rows_rejected")),
            str(r.total("rows_duplicate")),
        )
        for r in reports
    ]
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    missing = sources_without_files(reports)
    if missing:
        lines.append("")
        lines.extend(f"source {r.source}: no file matches {r.pattern!r}" for r in missing)
    failed = failed_files(reports)
    if failed:
        lines.append("")
        lines.append(f"{len(failed)} file(s) failed to load (nothing from them was kept):")
        lines.extend(f"  {name}: {error}" for name, error in failed)
    return "\n".join(lines)
