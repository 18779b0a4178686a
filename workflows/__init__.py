"""Workflows drive the whole pipeline for one purpose (batch profiling, a Q&A session): they
sit above risk/ (they need profiles and decisions) and below evaluation, the CLI and the service."""
