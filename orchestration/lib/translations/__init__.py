"""The translation catalogue: every text a reader sees, in English and Welsh, in one file.

``catalogue.csv`` (beside this module) has the columns ``key, english, cymraeg, source, status``:

- ``key``: a dotted name, its first part the area that writes it (``release.``, ``workbook.``,
  ``lookup.<dimension>.<code>``, ``table.<id>.``, ``metadata.``, ``note.``, ``validator.``,
  ``rule.<id>.``, ...). Keys are unique.
- ``english`` / ``cymraeg``: the texts. Both may hold ``{name}`` placeholders, filled by
  :func:`text`; the two languages must use the same placeholders.
- ``source``: where the Welsh comes from: the address of the Welsh Government page (StatsCymru,
  llyw.cymru) whose published Welsh it uses, or ``cssd draft`` for a text written here.
- ``status``: ``published`` (Welsh taken from a Welsh Government publication, ``source`` says
  which), ``draft`` (written here, waiting for the translation service) or ``translated`` (returned
  by the translation service through ``cssd translations import``).

A missing key, or an empty Welsh text, is an error (:class:`MissingText`), never a blank.

Rows are kept sorted by key (so work on different areas merges cleanly). The round trip with the
translation service uses StatsWales's layout, ``type,key,english,cymraeg`` (``type`` is the key's
first part):

- :func:`export_rows` / ``cssd translations export [FILE]``: every text whose Welsh is a draft;
- :func:`import_file` / ``cssd translations import FILE``: a translator's file back. Every row's key
  must be in the catalogue and its English must be the catalogue's English (a translation of an
  older text is refused), the Welsh must be filled and use the same ``{placeholders}``; nothing is
  written unless every row passes. Imported texts become ``translated``, their source the file.

``docs/translations.md`` (how many Welsh texts there are by status, and the drafts waiting for the
translation service) is generated here: ``python -m orchestration.lib.translations`` writes it,
``--check`` exits 1 when it is stale.
"""

import csv
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter

CATALOGUE_PATH = Path(__file__).resolve().parent / "catalogue.csv"
COLUMNS = ["key", "english", "cymraeg", "source", "status"]
STATUSES = ("published", "draft", "translated")
LANGUAGES = ("en", "cy")


class MissingText(KeyError):
    """A text the catalogue does not hold (or holds without its Welsh)."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly
        return str(self.args[0]) if self.args else "missing text"


@dataclass(frozen=True)
class Entry:
    key: str
    english: str
    cymraeg: str
    source: str
    status: str

    def text(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
        return self.english if lang == "en" else self.cymraeg


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def read_catalogue(path: Path) -> dict[str, Entry]:
    """Read and check a catalogue file: unique keys, both texts, a known status, same placeholders."""
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            found = ",".join(reader.fieldnames or [])
            raise ValueError(f"{path.name}: header must be {','.join(COLUMNS)}, not {found}")
        for line, row in enumerate(reader, start=2):
            entry = Entry(**{column: (row[column] or "").strip() for column in COLUMNS})
            where = f"{path.name} line {line}, key {entry.key!r}"
            if not entry.key:
                problems.append(f"{path.name} line {line}: empty key")
            elif entry.key in entries:
                problems.append(f"{where}: the key appears twice")
            if not entry.english or not entry.cymraeg:
                problems.append(f"{where}: both the English and the Welsh text are needed")
            if entry.status not in STATUSES:
                problems.append(f"{where}: status {entry.status!r} is not one of {', '.join(STATUSES)}")
            if not entry.source:
                problems.append(f"{where}: say where the Welsh comes from (a source address, or 'cssd draft')")
            if _placeholders(entry.english) != _placeholders(entry.cymraeg):
                problems.append(f"{where}: the English and Welsh texts use different {{placeholders}}")
            entries[entry.key] = entry
    if problems:
        raise ValueError("translation catalogue: " + "; ".join(problems))
    return entries


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Entry]:
    """The shipped catalogue, read once per process."""
    return read_catalogue(CATALOGUE_PATH)


EXPORT_COLUMNS = ["type", "key", "english", "cymraeg"]
DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "translations.md"


def catalogue_bytes(entries: "dict[str, Entry] | list[Entry]") -> bytes:
    """The catalogue file for ``entries``, sorted by key."""
    items = entries.values() if isinstance(entries, dict) else entries
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for e in sorted(items, key=lambda e: e.key):
        w.writerow([e.key, e.english, e.cymraeg, e.source, e.status])
    return buf.getvalue().encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # mkstemp makes the file private; the catalogue is a source file, readable like the others
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_rows(entries: "dict[str, Entry] | None" = None, keys: "list[str] | None" = None) -> list[dict[str, str]]:
    """Rows ``type,key,english,cymraeg``: the drafts (all texts of ``keys`` when given), sorted by key."""
    entries = catalogue() if entries is None else entries
    chosen = [entries[k] for k in keys] if keys is not None else [e for e in entries.values() if e.status == "draft"]
    return [
        {"type": e.key.split(".")[0], "key": e.key, "english": e.english, "cymraeg": e.cymraeg}
        for e in sorted(chosen, key=lambda e: e.key)
    ]


def export_csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


class ImportRefused(ValueError):
    """A translator's file that cannot be taken in: every problem, with its line and key."""


def check_import(path: Path, entries: dict[str, Entry]) -> list[tuple[str, str]]:
    """The (key, Welsh) pairs of a translator's file, or ImportRefused naming every bad row."""
    problems: list[str] = []
    out: list[tuple[str, str]] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != EXPORT_COLUMNS:
            raise ImportRefused(
                f"{path.name}: header must be {','.join(EXPORT_COLUMNS)}, not {','.join(reader.fieldnames or [])}"
            )
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            key = (row.get("key") or "").strip()
            english = (row.get("english") or "").strip()
            welsh = (row.get("cymraeg") or "").strip()
            where = f"{path.name} line {line}, key {key!r}"
            if key not in entries:
                problems.append(f"{where}: no such text in the catalogue")
                continue
            if key in seen:
                problems.append(f"{where}: the key appears twice")
            seen.add(key)
            if not english or not welsh:
                problems.append(f"{where}: both the English and the Welsh text must be filled")
                continue
            if english != entries[key].english:
                problems.append(f"{where}: the English is not the catalogue's (the text changed since the export)")
            if _placeholders(welsh) != _placeholders(entries[key].english):
                problems.append(f"{where}: the Welsh must use the same {{placeholders}} as the English")
            out.append((key, welsh))
    if problems:
        raise ImportRefused("; ".join(problems))
    return out


def import_file(path: Path, catalogue_path: "Path | None" = None) -> int:
    """Take a translator's file into the catalogue; return how many texts changed."""
    target = catalogue_path or CATALOGUE_PATH
    entries = read_catalogue(target)
    pairs = check_import(path, entries)
    source = f"translation service ({path.name})"
    changed = 0
    for key, welsh in pairs:
        old = entries[key]
        if old.cymraeg == welsh and old.status != "draft":
            continue
        entries[key] = Entry(key, old.english, welsh, source, "translated")
        changed += 1
    _write_atomic(target, catalogue_bytes(entries))
    catalogue.cache_clear()
    return changed


def status_counts(entries: "dict[str, Entry] | None" = None) -> dict[str, int]:
    entries = catalogue() if entries is None else entries
    return {s: sum(1 for e in entries.values() if e.status == s) for s in STATUSES}


def render_doc(entries: "dict[str, Entry] | None" = None) -> str:
    """docs/translations.md: the Welsh texts by status, and the drafts for the translation service."""
    entries = catalogue() if entries is None else entries
    counts = status_counts(entries)
    sources = sorted({e.source for e in entries.values() if e.status == "published"})
    lines = [
        "# Welsh texts",
        "",
        "Generated by `python -m orchestration.lib.translations` from the translation catalogue",
        "(`orchestration/lib/translations/catalogue.csv`); `tests/unit/test_translations.py` fails when",
        "this file is stale.",
        "",
        f"The catalogue holds {len(entries)} texts, each in English and Welsh: "
        f"{counts['published']} published (Welsh taken from a Welsh Government publication), "
        f"{counts['translated']} translated (returned by the translation service) and "
        f"{counts['draft']} draft (Welsh written by cssd, waiting for the translation service).",
        "",
        "Send the drafts with `cssd translations export drafts.csv` (StatsWales's `type,key,english,cymraeg`",
        "layout) and take the translator's file back with `cssd translations import drafts.csv`.",
        "",
        "## Sources of the published Welsh",
        "",
        *[f"- {s}" for s in sources],
        "",
        f"## Draft texts ({counts['draft']})",
        "",
        "| key | English | Cymraeg (draft) |",
        "|---|---|---|",
    ]

    def cell(t: str) -> str:
        return t.replace("|", "\\|")

    lines += [
        f"| `{e.key}` | {cell(e.english)} | {cell(e.cymraeg)} |"
        for e in sorted(entries.values(), key=lambda e: e.key)
        if e.status == "draft"
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    doc = render_doc()
    if "--check" in argv:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != doc:
            print(f"{DOC_PATH} is out of date: run python -m orchestration.lib.translations", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(doc, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


def entry(key: str) -> Entry:
    try:
        return catalogue()[key]
    except KeyError:
        raise MissingText(f"the translation catalogue has no text {key!r} ({CATALOGUE_PATH.name})") from None


def text(key: str, lang: str = "en", **values: object) -> str:
    """The text ``key`` in ``lang`` (``en`` or ``cy``), its ``{placeholders}`` filled from ``values``."""
    template = entry(key).text(lang)
    return template.format(**values) if values else template


def both(key: str, **values: object) -> dict[str, str]:
    """``{"en": ..., "cy": ...}`` for ``key``."""
    return {lang: text(key, lang, **values) for lang in LANGUAGES}
