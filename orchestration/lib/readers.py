"""Read one LA's return for one year: files → text frames with the internal column names.

Every problem that stops a file being read at all (encoding, empty, ragged rows, wrong
or missing columns, another era's column names) becomes an ``Issue`` naming the file and,
where there is one, the row. Values are read as text; typing is the pandera gate's job.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.lib.issues import Issue
from orchestration.lib.specs import TableSpec, submission_spec
from orchestration.lib.years import CollectionYear, eras_of

LINE_COLUMN = "_line"  # the line of the LA's file each row came from (header = line 1)


@dataclass
class LoadedTable:
    table: str
    file: str  # display path, relative to the landing folder
    sha256: str
    frame: pd.DataFrame | None  # internal column names, text (None = missing), plus _line
    issues: list[Issue]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM), else Windows-1252, as the spec allows."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _normalise(name: str) -> str:
    return name.strip().lower()


def _header_issues(
    header: list[str], spec: TableSpec, census: str, era: str, year: CollectionYear, file: str
) -> tuple[list[Issue], dict[str, str]]:
    """Check the header against the era; return issues and a map file column -> internal name."""
    expected = {_normalise(c.source_name(era)): c.name for c in spec.columns_for(era)}
    got = [_normalise(h) for h in header]
    issues: list[Issue] = []
    dupes = sorted({h for h in got if got.count(h) > 1})
    for d in dupes:
        issues.append(Issue(file, 1, d, "file.duplicate_column", "the column appears more than once in the header"))
    missing = [h for h in expected if h not in got]
    extra = [h for h in got if h not in expected and h]
    if missing or extra:
        # Is this another era's layout? Say so: it is the commonest cause.
        for other in eras_of(census):
            if other.name == era:
                continue
            other_names = {_normalise(c.source_name(other.name)) for c in spec.columns_for(other.name)}
            if set(got) == other_names:
                issues.append(
                    Issue(
                        file,
                        1,
                        None,
                        "file.wrong_era",
                        f"the columns are those of the {other.name} era, but {year.label} is in the "
                        f"{era} era; expected columns: {', '.join(expected)}",
                    )
                )
                return issues, {}
        for m in missing:
            issues.append(
                Issue(file, 1, m, "file.missing_column", f"required column is missing for {year.label} ({era} era)")
            )
        for x in extra:
            issues.append(
                Issue(
                    file,
                    1,
                    x,
                    "file.unexpected_column",
                    f"column is not part of the {era} era {spec.name} file; expected columns: {', '.join(expected)}",
                )
            )
    return issues, {h: expected[h] for h in got if h in expected}


def read_csv_table(path: Path, display: str, spec: TableSpec, census: str, year: CollectionYear) -> LoadedTable:
    era = year.era(census).name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return LoadedTable(
            spec.name, display, digest, None, [Issue(display, None, None, "file.empty", "the file is empty")]
        )
    if b"\x00" in data:
        return LoadedTable(
            spec.name,
            display,
            digest,
            None,
            [Issue(display, None, None, "file.binary", "the file is not a CSV text file (it holds binary data)")],
        )
    text, _encoding = decode(data)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    if not rows:
        return LoadedTable(
            spec.name, display, digest, None, [Issue(display, None, None, "file.empty", "the file is empty")]
        )
    header, body = rows[0], rows[1:]
    issues, mapping = _header_issues(header, spec, census, era, year, display)
    width = len(header)
    for i, r in enumerate(body):
        if len(r) != width and any(cell.strip() for cell in r):
            issues.append(
                Issue(
                    display,
                    i + 2,
                    None,
                    "file.ragged_row",
                    f"the row has {len(r)} fields but the header has {width}: the file may be truncated "
                    "or a value may hold an unquoted comma",
                )
            )
    if issues:
        return LoadedTable(spec.name, display, digest, None, issues)
    lines = [i + 2 for i, r in enumerate(body) if any(cell.strip() for cell in r)]
    body = [r for r in body if any(cell.strip() for cell in r)]
    norm = [_normalise(h) for h in header]
    frame = pd.DataFrame(body, columns=norm, dtype="str")
    frame = frame.rename(columns=mapping)[[c.name for c in spec.columns_for(era)]]
    for c in frame.columns:
        s = frame[c].str.strip()
        frame[c] = s.where(s != "", None)
    frame[LINE_COLUMN] = lines
    return LoadedTable(spec.name, display, digest, frame, [])


def read_la_return(
    landing_dir: Path, census: str, year: CollectionYear, la_code: str, tables: "tuple[str, ...] | None" = None
) -> dict[str, LoadedTable]:
    """Read the tables of one LA folder, ``<landing>/<census>/<year>/<gss>/<table>.csv``."""
    spec = submission_spec(census)
    folder = landing_dir / census / year.label / la_code
    out: dict[str, LoadedTable] = {}
    for table in tables or spec.table_names:
        path = folder / f"{table}.csv"
        display = f"{census}/{year.label}/{la_code}/{table}.csv"
        if not path.exists():
            out[table] = LoadedTable(
                table,
                display,
                "",
                None,
                [Issue(display, None, None, "file.missing", f"the {table} file is missing from the return")],
            )
            continue
        out[table] = read_csv_table(path, display, spec.tables[table], census, year)
    return out


def submitted_las(landing_dir: Path, census: str, year: CollectionYear) -> list[str]:
    folder = landing_dir / census / year.label
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir())
