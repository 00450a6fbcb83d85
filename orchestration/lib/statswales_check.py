"""The StatsWales conformance check: every file cssd writes for StatsWales obeys the upload contract
(/shared/spec/statswales.md), as the platform's own checks would judge it.

What is checked, file by file (each rule a ``rule`` name in the findings):

- every CSV (``csv``): UTF-8 (a BOM is allowed), one line-ending style, the same number of fields on
  every row, a header of unique, non-empty names made of lower-case letters, digits and ``_``;
- a data file (``data``): ``year, area_code, <dimensions>, measure, value, note_codes`` (the exact
  columns of its table when it is known); ``year`` ``YYYY-YY`` with consecutive years; the key (every
  column but ``value`` and ``note_codes``) never empty, without surrounding spaces, and unique;
  ``value`` a plain decimal number or empty, never below 0.0001 (other than 0) or at least 1e15 in
  absolute value; ``note_codes`` bare codes from StatsWales's list, comma-separated without spaces,
  each once, in cssd's fixed order; an empty value carries ``c``, ``x`` or ``z`` and a value does
  not; a total row (a dimension key ``total``) carries ``t`` and no other row does;
- a lookup (``lookup``): ``refcode, description_en, description_cy, sort, hierarchy`` (then
  optionally ``note_en, note_cy``; the measure lookup ``format`` and ``decimals``); refcodes unique and
  non-empty; both descriptions filled; ``sort`` a whole number; ``hierarchy`` empty or another row's
  refcode, with no cycle; ``format`` one StatsWales knows and ``decimals`` a whole number;
- coverage (``coverage``): every dimension column and ``measure`` of a data file has its lookup
  beside it, and every code the data uses is in it;
- ``metadata.json`` (``metadata``): every text in English and Welsh, the fields StatsWales asks for;
  no contact configured is a *warning* (the sign-off decides), not an error;
- ``translations.csv`` (``translations``): ``type,key,english,cymraeg``, both texts filled.

Errors block (the publication gates); warnings are reported. Findings name the file, the line and
the field. The check reads the files as written: it is run on the staged per-year tables, on each
year's release and on the all-years datasets (``output/statswales/<table>/``).
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.lib.outputs.statswales import BARE_ORDER, TOTAL_KEY
from orchestration.lib.publication import TABLES

# src/enums/note-code.ts of the StatsWales backend.
STATSWALES_CODES = ("a", "b", "c", "e", "f", "k", "ns", "p", "r", "s", "ss", "sss", "t", "u", "w", "x", "z")
CODE_ORDER = list(BARE_ORDER) + sorted(set(STATSWALES_CODES) - set(BARE_ORDER))
HIDING_CODES = ("c", "x", "z")
# services/measure-handler.ts / DataValueFormat of the backend, lower case as the spec writes them.
MEASURE_FORMATS = ("integer", "decimal", "percentage", "float", "long", "string", "boolean", "date", "datetime",
                   "time")  # fmt: skip
LOOKUP_COLUMNS = ["refcode", "description_en", "description_cy", "sort", "hierarchy"]
LOOKUP_OPTIONAL = ["note_en", "note_cy"]
MEASURE_EXTRA = ["format", "decimals"]
TRANSLATION_COLUMNS = ["type", "key", "english", "cymraeg"]
HEADER_NAME = re.compile(r"^[a-z0-9_]+$")
YEAR = re.compile(r"^(\d{4})-(\d{2})$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
NOTES = re.compile(r"^[a-z]+(,[a-z]+)*$")
# A number the database would write in exponent form (statswales.md, value).
SMALLEST, LARGEST = Decimal("0.0001"), Decimal("1e15")
METADATA_TEXTS = ("title", "summary", "collection", "quality", "rounding_description")
METADATA_FIELDS = ("designation", "update_frequency", "related_links", "topics", "data_provider", "dimensions")
DATA_FILE = re.compile(r"^(data|update_\d{4}-\d{2}|revise_\d{4}-\d{2})\.csv$")


@dataclass(frozen=True)
class Finding:
    path: str
    line: "int | None"
    field: str
    rule: str
    message: str
    level: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.path + (f" line {self.line}" if self.line else "") + (f", {self.field}" if self.field else "")
        return f"{self.level}: {where}: {self.message} ({self.rule})"


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]


def read_csv(path: Path, label: "str | None" = None) -> tuple[list[str], list[list[str]], list[Finding]]:
    """Header, rows and the ``csv`` findings of one file, read as StatsWales reads it."""
    name = label or str(path)
    found: list[Finding] = []
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [], [Finding(name, None, "", "csv", f"not UTF-8 ({exc.reason} at byte {exc.start})")]
    crlf = raw.count(b"\r\n")
    lf = raw.count(b"\n") - crlf
    cr = raw.count(b"\r") - crlf
    if sum(1 for n in (crlf, lf, cr) if n) > 1:
        found.append(Finding(name, None, "", "csv", f"mixed line endings ({crlf} CRLF, {lf} LF, {cr} CR): use one"))
    rows = list(csv.reader(io.StringIO(content, newline="")))
    if not rows:
        return [], [], [*found, Finding(name, None, "", "csv", "empty file: no header")]
    header, body = rows[0], rows[1:]
    for i, column in enumerate(header, start=1):
        if not column:
            found.append(Finding(name, 1, f"column {i}", "csv", "empty header"))
        elif not HEADER_NAME.match(column):
            found.append(Finding(name, 1, column, "csv", "header must be lower-case letters, digits and _"))
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        found.append(Finding(name, 1, ",".join(dupes), "csv", "header names must be unique"))
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            found.append(Finding(name, line, "", "csv", f"{len(row)} fields, the header has {len(header)}"))
    return header, [r for r in body if len(r) == len(header)], found


def _decimal(text: str) -> "Decimal | None":
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def check_data_file(
    path: Path, lookups: "dict[str, dict[str, dict[str, str]]] | None" = None, table_id: "str | None" = None,
    label: "str | None" = None,
) -> list[Finding]:  # fmt: skip
    """One data file; ``lookups`` (name -> refcode -> row) checks coverage; ``table_id`` the exact columns."""
    name = label or str(path)
    header, rows, found = read_csv(path, name)
    if not header:
        return found
    if table_id:
        want = ["year", "area_code", *TABLES[table_id].dimensions, "measure", "value", "note_codes"]
        if header != want:
            found.append(Finding(name, 1, "", "data", f"columns are {','.join(header)}, expected {','.join(want)}"))
            return found
    elif header[:2] != ["year", "area_code"] or header[-3:] != ["measure", "value", "note_codes"]:
        found.append(Finding(name, 1, "", "data", "columns must be year, area_code, <dimensions>, measure, value, "
                             "note_codes"))  # fmt: skip
        return found
    dims = header[1:-3]  # area_code and the table's dimensions
    key_idx = list(range(len(header) - 2))
    seen: dict[tuple[str, ...], int] = {}
    for line, row in enumerate(rows, start=2):
        year, value, notes = row[0], row[-2], row[-1]
        m = YEAR.match(year)
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            found.append(Finding(name, line, "year", "data", f"year {year!r} is not YYYY-YY"))
        key = tuple(row[i] for i in key_idx)
        for i in key_idx:
            if row[i] == "":
                found.append(Finding(name, line, header[i], "key", "empty key"))
            elif row[i] != row[i].strip():
                found.append(Finding(name, line, header[i], "key", f"{row[i]!r} has surrounding spaces"))
        if key in seen:
            found.append(Finding(name, line, "", "key", f"the key repeats line {seen[key]}"))
        else:
            seen[key] = line
        if value != "":
            d = _decimal(value) if NUMBER.match(value) else None
            if d is None:
                found.append(Finding(name, line, "value", "value", f"{value!r} is not a plain decimal number"))
            elif d != 0 and not (SMALLEST <= abs(d) < LARGEST):
                found.append(Finding(name, line, "value", "value", f"{value!r} is out of range (exponent form)"))
        codes = notes.split(",") if notes else []
        if notes and not NOTES.match(notes):
            found.append(Finding(name, line, "note_codes", "notes",
                                 f"{notes!r}: bare lower-case codes, comma-separated without spaces"))  # fmt: skip
        else:
            bad = [c for c in codes if c not in STATSWALES_CODES]
            if bad:
                found.append(Finding(name, line, "note_codes", "notes", f"unknown note codes {bad}"))
            elif len(set(codes)) != len(codes):
                found.append(Finding(name, line, "note_codes", "notes", f"{notes!r}: a code repeats"))
            elif codes != sorted(codes, key=CODE_ORDER.index):
                want = ",".join(sorted(codes, key=CODE_ORDER.index))
                found.append(Finding(name, line, "note_codes", "notes", f"{notes!r}: write them in order ({want})"))
        hidden = any(c in HIDING_CODES for c in codes)
        if value == "" and not hidden:
            found.append(Finding(name, line, "value", "value", "empty value without c, x or z"))
        if value != "" and hidden:
            found.append(Finding(name, line, "value", "value", "a value on a cell marked c, x or z"))
        total = any(row[header.index(d)] == TOTAL_KEY for d in dims[1:])
        if total != ("t" in codes):
            rule = "a total row carries t" if total else "only a total row carries t"
            found.append(Finding(name, line, "note_codes", "notes", rule))
    if lookups is not None:
        for column in [*dims, "measure"]:
            table = lookups.get(column)
            if table is None:
                found.append(Finding(name, None, column, "coverage", f"no lookup {column}.csv beside the data"))
                continue
            used = {row[header.index(column)] for row in rows}
            missing = sorted(used - set(table))
            if missing:
                found.append(Finding(name, None, column, "coverage",
                                     f"{len(missing)} codes not in {column}.csv, e.g. {missing[0]!r}"))  # fmt: skip
    return found


def check_lookup_file(path: Path, label: "str | None" = None) -> tuple[dict[str, dict[str, str]], list[Finding]]:
    """One lookup: its rows by refcode, and what is wrong with it."""
    name = label or str(path)
    header, rows, found = read_csv(path, name)
    if not header:
        return {}, found
    measure = path.stem == "measure"
    if header[:5] != LOOKUP_COLUMNS:
        found.append(Finding(name, 1, "", "lookup", f"columns must start {','.join(LOOKUP_COLUMNS)}"))
        return {}, found
    extra = set(header[5:]) - set(LOOKUP_OPTIONAL) - (set(MEASURE_EXTRA) if measure else set())
    if extra:
        found.append(Finding(name, 1, ",".join(sorted(extra)), "lookup", "unexpected columns"))
    if measure and not set(MEASURE_EXTRA) <= set(header):
        found.append(Finding(name, 1, "", "lookup", "the measure lookup needs format and decimals"))
    out: dict[str, dict[str, str]] = {}
    for line, values in enumerate(rows, start=2):
        r = dict(zip(header, values, strict=True))
        code = r["refcode"]
        if code == "" or code != code.strip():
            found.append(Finding(name, line, "refcode", "lookup", f"refcode {code!r} is empty or has spaces"))
        if code in out:
            found.append(Finding(name, line, "refcode", "lookup", f"refcode {code!r} repeats"))
        for column in ("description_en", "description_cy"):
            if not r[column].strip():
                found.append(Finding(name, line, column, "lookup", f"{code!r} has no {column}: both languages needed"))
        if not re.fullmatch(r"-?\d+", r["sort"]):
            found.append(Finding(name, line, "sort", "lookup", f"sort {r['sort']!r} is not a whole number"))
        if measure and "format" in r:
            if r["format"] not in MEASURE_FORMATS:
                found.append(Finding(name, line, "format", "lookup", f"format {r['format']!r} is not one StatsWales "
                                     f"knows ({', '.join(MEASURE_FORMATS)})"))  # fmt: skip
            if not re.fullmatch(r"\d+", r.get("decimals", "")):
                found.append(Finding(name, line, "decimals", "lookup", "decimals must be a whole number"))
        out[code] = r
    for line, code in enumerate(out, start=2):
        parent, path_seen = out[code]["hierarchy"], {code}
        if parent and parent not in out:
            found.append(Finding(name, line, "hierarchy", "lookup", f"{code!r}: parent {parent!r} is not a refcode"))
            continue
        while parent:
            if parent in path_seen:
                found.append(Finding(name, line, "hierarchy", "lookup", f"{code!r}: the hierarchy has a cycle"))
                break
            path_seen.add(parent)
            parent = out.get(parent, {}).get("hierarchy", "")
    return out, found


def check_lookup_dir(folder: Path, label: str) -> tuple[dict[str, dict[str, dict[str, str]]], list[Finding]]:
    lookups, found = {}, []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        rows, f = check_lookup_file(path, f"{label}/{path.name}")
        lookups[path.stem] = rows
        found += f
    return lookups, found


def check_year_folder(statswales_dir: Path, label: "str | None" = None) -> list[Finding]:
    """A year's ``statswales/`` folder: every table's file, with the lookups beside it."""
    name = label or str(statswales_dir)
    lookups, found = check_lookup_dir(statswales_dir / "lookups", f"{name}/lookups")
    if not lookups:
        found.append(Finding(f"{name}/lookups", None, "", "coverage", "no lookups"))
    for path in sorted(statswales_dir.glob("*.csv")):
        table = path.stem if path.stem in TABLES else None
        found += check_data_file(path, lookups, table, f"{name}/{path.name}")
    return found


def _bilingual(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("en", "cy"))


def check_metadata(path: Path, label: "str | None" = None) -> list[Finding]:
    name = label or str(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [Finding(name, None, "", "metadata", f"cannot be read: {exc}")]
    found = []
    for key in METADATA_TEXTS:
        if not _bilingual(meta.get(key)):
            found.append(Finding(name, None, key, "metadata", "needs a non-empty text in English (en) and Welsh (cy)"))
    for key in METADATA_FIELDS:
        if not meta.get(key):
            found.append(Finding(name, None, key, "metadata", "missing"))
    if meta.get("designation") not in (None, "official"):
        found.append(Finding(name, None, "designation", "metadata", "must be official"))
    for i, link in enumerate(meta.get("related_links") or []):
        if not (link.get("url") and str(link.get("label_en", "")).strip() and str(link.get("label_cy", "")).strip()):
            found.append(Finding(name, None, f"related_links[{i}]", "metadata", "needs url, label_en and label_cy"))
    for dim, names in (meta.get("dimensions") or {}).items():
        if not _bilingual(names):
            found.append(Finding(name, None, f"dimensions.{dim}", "metadata", "needs its name in en and cy"))
    update = meta.get("update")
    if update is not None and not _bilingual(update.get("reason")):
        found.append(Finding(name, None, "update.reason", "metadata", "the update's reason in en and cy"))
    contact = meta.get("contact") or {}
    if not contact.get("configured"):
        found.append(Finding(name, None, "contact", "metadata", "no contact configured (CSSD_CONTACT): the release "
                             "cannot be signed off without one", "warning"))  # fmt: skip
    return found


def check_translations(path: Path, label: "str | None" = None) -> list[Finding]:
    name = label or str(path)
    header, rows, found = read_csv(path, name)
    if header and header != TRANSLATION_COLUMNS:
        return [*found, Finding(name, 1, "", "translations", f"columns must be {','.join(TRANSLATION_COLUMNS)}")]
    for line, r in enumerate(rows, start=2):
        if not r[1].strip():
            found.append(Finding(name, line, "key", "translations", "empty key"))
        if not r[2].strip() or not r[3].strip():
            found.append(Finding(name, line, "cymraeg", "translations", f"{r[1]!r}: both texts must be filled"))
    return found


def check_dataset(dataset_dir: Path, label: "str | None" = None) -> list[Finding]:
    """An all-years dataset ``output/statswales/<table>/``."""
    name = label or str(dataset_dir)
    table = dataset_dir.name if dataset_dir.name in TABLES else None
    lookups, found = check_lookup_dir(dataset_dir / "lookups", f"{name}/lookups")
    if not (dataset_dir / "data.csv").exists():
        found.append(Finding(f"{name}/data.csv", None, "", "data", "missing"))
    for path in sorted(dataset_dir.glob("*.csv")):
        if DATA_FILE.match(path.name):
            found += check_data_file(path, lookups, table, f"{name}/{path.name}")
        elif path.name == "translations.csv":
            found += check_translations(path, f"{name}/{path.name}")
    for required in ("metadata.json", "translations.csv"):
        if not (dataset_dir / required).exists():
            found.append(Finding(f"{name}/{required}", None, "", "metadata", "missing"))
    if (dataset_dir / "metadata.json").exists():
        found += check_metadata(dataset_dir / "metadata.json", f"{name}/metadata.json")
    return found


def check_output(output_dir: Path, years: "list[str] | None" = None) -> list[Finding]:
    """Every year's ``statswales/`` folder (or the ``years`` given) and every all-years dataset."""
    found: list[Finding] = []
    for year_dir in sorted(p for p in output_dir.iterdir() if p.is_dir() and YEAR.match(p.name)):
        if (years is None or year_dir.name in years) and (year_dir / "statswales").is_dir():
            found += check_year_folder(year_dir / "statswales", f"{year_dir.name}/statswales")
    datasets = output_dir / "statswales"
    for d in sorted(p for p in datasets.iterdir() if p.is_dir()) if datasets.is_dir() else []:
        found += check_dataset(d, f"statswales/{d.name}")
    return found
