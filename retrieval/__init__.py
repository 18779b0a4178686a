"""Ingest documents into a per-enterprise index and search them with citations."""
