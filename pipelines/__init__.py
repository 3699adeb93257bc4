"""Prefect flows for journeymine. Each task is a thin wrapper around one library function."""
