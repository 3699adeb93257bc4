"""Prefect flows for journeymine. Each task is a thin wrapper around one library function."""

import os

# The library logs through the standard "journeymine" loggers; Prefect forwards them to the
# flow run's logs when they are named here before Prefect reads its settings. Library calls
# outside a flow run (a notebook, a test) log to the console only, without a warning.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "journeymine")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
