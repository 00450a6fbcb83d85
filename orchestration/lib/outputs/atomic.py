"""Atomic file writes: a reader sees the old complete file or the new one, never a part."""

import os
import tempfile
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Stop a spreadsheet reading a text cell as a formula (CSV injection, e.g. =HYPERLINK(...)).

    Numbers are left alone: a leading minus on a number is a number, not a formula.
    """
    if cell and cell.startswith(FORMULA_PREFIXES):
        try:
            float(cell)
        except ValueError:
            return "'" + cell
    return cell


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); a published file has the usual mode (0644 under umask 022)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
