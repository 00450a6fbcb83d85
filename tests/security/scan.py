"""A personal-data scanner: find child ids, UPNs, dates of birth and postcodes in any file.

``scan(paths, needles)`` walks files and folders and searches every file as raw bytes (a DuckDB
or SQLite file, a Dagster event log, a compute log), and also inside every zip member (xlsx,
ods and other zip containers, decompressed). Each needle is searched as UTF-8 and as UTF-16-LE
(how Windows tools and some binary formats store text). A hit is ``(path, needle_kind, offset)``;
the path of a zip member is ``<file>!<member>`` and its offset is in the decompressed member.

Needles are the values of one kind, e.g. ``{"child_id": {...}, "dob": {...}}``. The search runs
one regex of the needles' shapes (``NPT000123`` -> ``[A-Z]{3}[0-9]{6}``) per encoding over each
file, then looks each candidate up, so thousands of needles over 100 MB take seconds. A needle
only matches on its own: not inside a longer run of letters and digits (``C0012`` is not found in
``C00123``), so short values do not match parts of hashes.
"""

import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

Hit = tuple[str, str, int]
_WORD = rb"A-Za-z0-9"


def _shape(value: str, encoding: str = "utf-8") -> str:
    """A regex of the value's shape: A-Z, a-z and 0-9 runs as classes, anything else literal.

    In UTF-16-LE each (ASCII) character is followed by a NUL byte."""
    runs: list[list] = []
    for ch in value:
        cls = "[A-Z]" if "A" <= ch <= "Z" else "[a-z]" if "a" <= ch <= "z" else "[0-9]" if "0" <= ch <= "9" else None
        unit = cls or re.escape(ch)
        if runs and runs[-1][0] == unit:
            runs[-1][1] += 1
        else:
            runs.append([unit, 1])
    nul = "\\x00" if encoding == "utf-16-le" else ""
    return "".join(f"(?:{u}{nul}){{{n}}}" if n > 1 else f"{u}{nul}" for u, n in runs)


def _pattern(values: Iterable[str], encoding: str) -> "re.Pattern[bytes] | None":
    """One regex for the shapes of all the values (candidates; membership is checked after)."""
    shapes = sorted({_shape(v, encoding) for v in values if v}, key=len, reverse=True)
    if not shapes:
        return None
    body = "|".join(shapes)
    # Fail fast where no needle can start (inside a word, or not at a letter or digit).
    if encoding == "utf-8":
        return re.compile(("(?<![A-Za-z0-9])(?=[A-Za-z0-9])(?=((?:" + body + ")(?![A-Za-z0-9])))").encode())
    return re.compile(("(?=[A-Za-z0-9]\\x00)(?=(" + body + "))").encode())


def _candidates(found: bytes) -> Iterable[bytes]:
    """The match and its prefixes that end before a separator (``SA8`` in ``SA8 9WG``)."""
    yield found
    for i, b in enumerate(found):
        if b in b" /-\x00" and i:
            yield found[:i]


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
    every = [v for values in needles.values() for v in values]
    wanted = {}  # encoded needle -> kinds
    for kind, values in needles.items():
        for v in values:
            for enc in ("utf-8", "utf-16-le"):
                wanted.setdefault(v.encode(enc), set()).add(kind)
    patterns = [p for p in (_pattern(every, enc) for enc in ("utf-8", "utf-16-le")) if p is not None]
    skip = {k: set(v) for k, v in (exclude or {}).items()}
    hits: list[Hit] = []
    for path in _files(paths):
        for where, data in _blobs(path):
            for pat in patterns:
                for m in pat.finditer(data):
                    for cand in _candidates(m.group(1)):
                        for kind in sorted(wanted.get(cand, ())):
                            if path.name not in skip.get(kind, ()):
                                hits.append((where, kind, m.start()))
    return sorted(set(hits))


def describe(hits: list[Hit], needles: Mapping[str, Iterable[str]], limit: int = 50) -> str:
    """Hits as lines a person can follow up (the value is shown: it is synthetic test data)."""
    lines = [f"{len(hits)} hit(s):"]
    for where, kind, offset in hits[:limit]:
        lines.append(f"  {where} @ {offset}: {kind}")
    return "\n".join(lines)
