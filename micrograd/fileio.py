"""Atomic file writes: readers (and crashes) see the old file or the new one,
never half of one.  Every file the library writes goes through here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]

_CHUNK = 1 << 16


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str is encoded as UTF-8) to ``path``, creating missing
    parent folders, and return the path.

    Temp file in the same folder (``os.replace`` is only atomic within one
    file system) -> write -> fsync (the bytes are on disk before the rename
    makes them visible) -> ``os.replace`` -> fsync the folder (so the rename
    itself survives a power cut).  On any error, including KeyboardInterrupt,
    the temp file is removed and the target is untouched.  The new file keeps
    the mode of the file it replaces, else gets what a plain ``open()`` would.
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view[:_CHUNK])
                view = view[written:]
            # mkstemp creates the file as 0600.
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return target


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    # Not every platform can open a directory (Windows cannot); the data is
    # already safe there, only the rename's durability is best-effort.
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
