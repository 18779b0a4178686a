"""File writing that never leaves a half-written file, and file names safe for any enterprise id."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path


def _read_umask() -> int:
    """The process umask (reading it means setting it: done once, at import, before any threads)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target:
    a reader (or a process killed mid-write) sees the old file or the new one, never a mix.
    The file gets the mode a plain write would give it (mkstemp's is 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_name(identifier: str) -> str:
    """A readable, collision-free file stem for an id that may hold any characters."""
    readable = re.sub(r"[^\w.-]+", "_", identifier, flags=re.UNICODE).strip("._")[:60] or "id"
    return f"{readable}-{hashlib.sha256(identifier.encode()).hexdigest()[:8]}"
