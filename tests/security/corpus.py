"""The bad-input corpus (tests/fixtures/bad): its cases and the personal values in their files."""

import csv
import io
import sys
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear, YearError

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
KINDS = {"child_id": "child_id", "upn": "upn", "date_of_birth": "dob", "expected_date_of_birth": "dob"}
KINDS["placement_postcode"] = "postcode"
UPN_REASONS = {f"UN{i}" for i in range(1, 6)}


@dataclass(frozen=True)
class Expected:
    rule: str
    file: str
    row: int | None
    field: str | None


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # bad | control | layout
    census: str
    year: str
    gss: str
    description: str
    expected: tuple[Expected, ...]
    cli_exit: int

    @property
    def landing(self) -> Path:
        return CORPUS / self.id / "landing"

    @property
    def folder(self) -> Path:
        return self.landing / self.census / self.year / self.gss


def _int(text: str) -> int | None:
    return int(text) if text else None


@lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    with (CORPUS / "cases.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        expected = []
        rules = [x for x in r["expected_rules"].split(";") if x]
        if rules:
            expected.append(
                Expected(rules[0], r["expected_file"], _int(r["expected_row"]), r["expected_field"] or None)
            )
        for part in filter(None, r["also"].split(";")):
            rule, file, row, fld = part.split("@")
            expected.append(Expected(rule, file, _int(row), fld or None))
        out.append(
            Case(
                r["id"],
                r["kind"],
                r["census"],
                r["year"],
                r["gss"],
                r["description"],
                tuple(expected),
                int(r["cli_exit"]),
            )
        )
    return tuple(out)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data[1:200:2].count(0) > 50:
        return data.decode("utf-16-le", errors="replace")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _source_names(census: str) -> dict[str, str]:
    """Every era's column name (lower case) -> internal name, for the personal columns."""
    from orchestration.lib.years import eras_of

    out = {}
    for spec in submission_spec(census).tables.values():
        for era in eras_of(census):
            for c in spec.columns_for(era.name):
                if c.name in KINDS:
                    out[c.source_name(era.name).strip().lower()] = c.name
    return out


def _rows_of(path: Path) -> list[list[list[str]]]:
    """The sheets of a file as rows of text (a CSV is one sheet)."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), data_only=False)
        except Exception:  # noqa: BLE001 - not a workbook after all
            return []
        return [[[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)] for ws in wb]
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and data[1:200:2].count(0) < 50:
        return []  # binary
    limit = csv.field_size_limit(sys.maxsize)  # global: put back, the platform's reader relies on it
    try:
        return [list(csv.reader(io.StringIO(_decode(data), newline="")))]
    finally:
        csv.field_size_limit(limit)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.strftime("%Y-%m-%d")
    return str(v)


def date_forms(value: str) -> set[str]:
    """A date as every format a return or an output may write it in (DD/MM/YYYY, YYYY-MM-DD)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            d = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return {d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y")}
    return {value}


def personal_values(folder: Path, census: str, year: str) -> dict[str, set[str]]:
    """kind (child_id, upn, dob, postcode) -> the values of that kind in the files of a return folder.

    A file whose first line holds no column name is read as data in the era's column order."""
    names = _source_names(census)
    try:
        era = CollectionYear.parse(year).era(census).name
    except (YearError, ValueError):
        era = None
    out: dict[str, set[str]] = {k: set() for k in set(KINDS.values())}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        for rows in _rows_of(path):
            if not rows:
                continue
            header = [h.strip().lower() for h in rows[0]]
            body = rows[1:]
            if not any(h in names for h in header) and era is not None:
                table = path.stem.lower()
                spec = submission_spec(census).tables.get(table)
                if spec is None:
                    continue
                header = [c.source_name(era).lower() for c in spec.columns_for(era)]
                body = rows
            for i, h in enumerate(header):
                if h not in names:
                    continue
                kind = KINDS[names[h]]
                for r in body:
                    v = r[i].strip() if i < len(r) else ""
                    if len(v) >= 4 and v not in UPN_REASONS:
                        if kind == "dob":
                            out[kind] |= date_forms(v)
                        else:
                            out[kind].add(v[:5000])  # a 100k id is found by its first 5,000 characters
    return out
