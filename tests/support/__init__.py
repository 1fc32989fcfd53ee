"""Shared helpers of the project's own tests (on sys.path through pytest's pythonpath)."""
