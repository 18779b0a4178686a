"""The labelled corpus generator: documents, truth and manifest from a seeded world."""
