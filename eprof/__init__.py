"""eprof: LLM-assisted enterprise credit profiling.

Data flows one way: ingest -> index -> retrieve -> extract -> verify -> score -> decide.
This package holds what every stage shares (configuration, errors) and the CLI shell.
"""

__version__ = "0.1.0"
