"""Extraction and Q&A: LLM or offline extractor -> evidence-verified profile (agent/schema.py)."""
