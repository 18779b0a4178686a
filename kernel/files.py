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
    """`atomic_write_bytes` of the UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target:
    a reader (or a process killed mid-write) sees the old file or the new one, never a mix.
    The file gets the mode a plain write would give it (mkstemp's is 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cache_dir() -> Path:
    """The user's folder for files eprof derives from its packages once and reads in every later
    process (`$XDG_CACHE_HOME/eprof`, else `~/.cache/eprof`, else the temporary folder when home
    is read-only). Anything in it can be deleted; it is rebuilt on next use."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()) / "eprof"
    try:
        if folder.is_absolute():  # no home folder leaves "~" unexpanded
            folder.mkdir(parents=True, exist_ok=True)
            return folder
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def safe_name(identifier: str) -> str:
    """A readable, collision-free file stem for an id that may hold any characters."""
    readable = re.sub(r"[^\w.-]+", "_", identifier, flags=re.UNICODE).strip("._")[:60] or "id"
    return f"{readable}-{hashlib.sha256(identifier.encode()).hexdigest()[:8]}"
