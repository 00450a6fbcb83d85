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
"""

import csv
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
