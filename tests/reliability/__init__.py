"""Reliability suite: each test breaks on the failure it is named after (issue 21)."""
