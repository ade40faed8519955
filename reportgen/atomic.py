"""Atomic file writes: a synced temp file beside the destination, then os.replace, so a reader
sees the old file or the new one, never a partial one. The one implementation, used by
compile.py (the outputs) and texformat.py (its format and aux cache); a leaf module, so that
both can import it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """An OSError while writing the output (read-only, disk full, a file where a folder should
    be) becomes one line naming the path; what was there before stays as it was."""
    try:
        yield
    except OSError as exc:
        why = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            why = "a file is in the way where a folder is needed"
        raise OutputError(f"cannot write {exc.filename or path}: {why}") from None


def stage(data: bytes, dest: Path) -> str:
    """``data`` in a synced temp file beside ``dest`` (same filesystem: os.replace is atomic)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def publish(data: bytes, dest: Path) -> None:
    """Write ``dest`` atomically: a temp file in the same folder, fsync, os.replace."""
    with writing(dest):
        tmp = stage(data, dest)
        try:
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
