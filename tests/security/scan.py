"""A personal-data scanner: find child ids, UPNs, dates of birth and postcodes in any file.

``scan(paths, needles)`` walks files and folders and searches every file as raw bytes (a DuckDB
or SQLite file, a Dagster event log, a compute log), and also inside every zip member (xlsx,
ods and other zip containers, decompressed). Each needle is searched as UTF-8 and as UTF-16-LE
(how Windows tools and some binary formats store text). A hit is ``(path, needle_kind, offset)``;
the path of a zip member is ``<file>!<member>`` and its offset is in the decompressed member.

Needles are the values of one kind, e.g. ``{"child_id": {...}, "dob": {...}}``. Search is by a
single compiled alternation per kind (longest first), so a few thousand needles over tens of
megabytes take seconds. A needle only matches on its own: not inside a longer run of letters and
digits (``C0012`` is not found in ``C00123``), so short values do not match parts of hashes.
"""

import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

Hit = tuple[str, str, int]
_WORD = rb"A-Za-z0-9"


def _pattern(values: Iterable[str], encoding: str) -> "re.Pattern[bytes] | None":
    encoded = sorted({v.encode(encoding) for v in values if v}, key=len, reverse=True)
    if not encoded:
        return None
    alternation = b"|".join(re.escape(e) for e in encoded)
    if encoding == "utf-8":
        return re.compile(rb"(?<![" + _WORD + rb"])(?:" + alternation + rb")(?![" + _WORD + rb"])")
    return re.compile(alternation)  # UTF-16: every other byte is NUL; no word boundary to test


def _files(paths: Iterable[Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file())
    return out


def _blobs(path: Path) -> Iterable[tuple[str, bytes]]:
    data = path.read_bytes()
    yield str(path), data
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield f"{path}!{name}", z.read(name)
        except (zipfile.BadZipFile, OSError):
            pass


def scan(
    paths: Iterable[Path],
    needles: Mapping[str, Iterable[str]],
    exclude: "Mapping[str, Iterable[str]] | None" = None,
) -> list[Hit]:
    """Every place a needle occurs. ``exclude``: kind -> file names (not paths) not searched for it."""
    patterns = {
        kind: [p for p in (_pattern(values, enc) for enc in ("utf-8", "utf-16-le")) if p is not None]
        for kind, values in needles.items()
    }
    skip = {k: set(v) for k, v in (exclude or {}).items()}
    hits: list[Hit] = []
    for path in _files(paths):
        for where, data in _blobs(path):
            for kind, pats in patterns.items():
                if path.name in skip.get(kind, ()):
                    continue
                for pat in pats:
                    hits += [(where, kind, m.start()) for m in pat.finditer(data)]
    return hits


def describe(hits: list[Hit], needles: Mapping[str, Iterable[str]], limit: int = 50) -> str:
    """Hits as lines a person can follow up (the value is shown: it is synthetic test data)."""
    lines = [f"{len(hits)} hit(s):"]
    for where, kind, offset in hits[:limit]:
        lines.append(f"  {where} @ {offset}: {kind}")
    return "\n".join(lines)
