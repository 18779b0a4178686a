"""One error hierarchy for the whole product.

    EprofError                 anything eprof reports to a user as one line
    ├── ConfigError            settings that cannot work (bad URL, unknown backend)
    ├── InputError             a file, row or argument that eprof cannot accept
    │   └── DocumentError      one document that cannot be read (names file and reason)
    ├── StoreError             the vector store is unreachable or inconsistent
    └── NotFoundError          an enterprise, document or artifact that does not exist

The CLI turns any EprofError into one red line and a non-zero exit; anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class EprofError(Exception):
    """Base class: the message is written for the user, in one line."""


class ConfigError(EprofError):
    pass


class InputError(EprofError):
    pass


class DocumentError(InputError):
    """A document that cannot be ingested; carries the file so summaries can name it."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class StoreError(EprofError):
    pass


class NotFoundError(EprofError):
    pass
