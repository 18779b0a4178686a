"""Benchmarks on public data; run each with `python -m benchmarks.<name>`."""
