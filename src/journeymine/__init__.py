"""journeymine: discover how customers really travel through a brand, and where they get lost.

The library is plain Python over a DuckDB connection; orchestration lives in ``pipelines/``.
"""

__version__ = "0.1.0"
