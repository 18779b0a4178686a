"""Evaluation: a labelled demo corpus and the tools that score eprof against it."""
