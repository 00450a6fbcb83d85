"""A research extract in two parts, for a trusted research environment (docs/research.md).

``cssd extract --for research --census cla,crcs --years A:B --out DIR`` writes:

- ``DIR/identifiers/`` for the trusted third party: one row per child of the extract, with the
  extract's system id, UPN, date of birth, sex and LA (from the identity store, lib/identity.py);
- ``DIR/content/`` for the research environment: every CLA table and the CRCS records of those years
  from the warehouse's raw schema, keyed by the same system id, the date of birth (and the expected
  date of birth of an unborn child) reduced to the week of birth (the Monday on or before it), and no
  child id, pseudonym, UPN, date of birth or postcode (the line numbers of the LA's file are left out
  too: they point into the landing files).

A child is an LA's child: the warehouse pseudonym (keyed on the LA and the child id) is the same in
both censuses and every year, so one system id per (LA, pseudonym) is the same child across the
extract. System ids are drawn at random for each extract (``secrets``): nothing in them derives
from the pseudonym, so they cannot be linked to the warehouse or to another extract.

Each part has a ``manifest.json`` (what, when, row counts, SHA-256 of each file, the cssd version;
no identifier). The extract is written into a private temporary folder beside DIR, the content part
is scanned for identifiers (UPNs, pseudonyms, identifier columns, dates of birth, postcodes), and only
then is the folder renamed to DIR and the extract recorded in the audit log
(``<data>/extracts/audit.log``). Anything wrong (no identity key, a wrong one, DIR already there,
years not stored, an unknown census) stops it before anything is written.
"""

import getpass
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from orchestration.lib.identity import IdentityError, identity_key, read_identities
from orchestration.lib.ingest import DROPPED_ON_INGEST, ID_COLUMN, PSEUDONYM_COLUMN
from orchestration.lib.specs import submission_spec
from orchestration.lib.warehouse import RAW_SCHEMA, raw_table_name
from orchestration.lib.years import CollectionYear, YearError, parse_year_range

PURPOSES = ("research",)
CENSUSES = ("cla", "crcs")
SYSTEM_ID = "system_id"
SYSTEM_ID_BYTES = 10  # 80 random bits: a clash among a million children has odds of about 1 in 2.4 billion
# date columns reduced to the Monday on or before them
WEEK_OF = {"date_of_birth": "week_of_birth", "expected_date_of_birth": "expected_week_of_birth"}
# never in the content part
IDENTIFIER_COLUMNS = frozenset({ID_COLUMN, PSEUDONYM_COLUMN, "upn", "date_of_birth", "expected_date_of_birth"}) | (
    DROPPED_ON_INGEST
)
LEFT_OUT = frozenset({"source_line"})
IDENTIFIERS_FILE = "identifiers.csv"
UPN_LENGTH = 13
# A UK postcode (outward code, space optional, inward code): the scan's pattern
POSTCODE = re.compile(rb"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")


class ExtractError(Exception):
    """The extract cannot be made as asked: nothing was written."""


@dataclass
class Request:
    purpose: str
    censuses: list[str]
    years: list[CollectionYear]
    out: Path


@dataclass
class ExtractResult:
    out: Path
    extract_id: str
    rows: dict[str, int] = field(default_factory=dict)
    children: int = 0
    bytes: dict[str, int] = field(default_factory=dict)


def parse_request(purpose: str, census_text: str, years_text: str, out: "str | Path") -> Request:
    if purpose not in PURPOSES:
        raise ExtractError(f"--for {purpose!r}: the only purpose cssd makes extracts for is {', '.join(PURPOSES)}")
    censuses = [c.strip().lower() for c in census_text.split(",") if c.strip()]
    unknown = [c for c in censuses if c not in CENSUSES]
    if unknown or not censuses:
        raise ExtractError(
            f"--census {census_text!r}: {', '.join(repr(c) for c in unknown) or 'no census given'} is not a census; "
            "use cla, crcs or cla,crcs"
        )
    try:
        years = parse_year_range(years_text)
    except YearError as exc:
        raise ExtractError(f"--years {years_text!r}: {exc}") from None
    return Request(purpose, sorted(set(censuses), key=CENSUSES.index), years, Path(out).expanduser().absolute())


def check_out(out: Path, settings) -> None:
    """The output folder must not exist (an extract never overwrites), its parent must, and it must not be in
    the published outputs or the data folder's stores."""
    if out.exists() or out.is_symlink():
        mode = stat.S_IMODE(out.lstat().st_mode)
        if mode & 0o077:
            raise ExtractError(
                f"{out} already exists and is readable by other users (mode {mode:04o}): an extract is written only "
                "to a new folder, which it makes private (0700); choose a new folder"
            )
        raise ExtractError(f"{out} already exists: an extract is written only to a new folder; choose a new one")
    if not out.parent.is_dir():
        raise ExtractError(f"{out.parent} is not a folder: make it first (mode 0700)")
    resolved = out.parent.resolve() / out.name
    for inside, what in ((settings.output_dir, "the published outputs"), (settings.landing_dir, "the landing folder")):
        if resolved.is_relative_to(inside.resolve()):
            raise ExtractError(f"{out} is inside {what} ({inside}): write extracts elsewhere")


def week_of(values: pd.Series) -> pd.Series:
    """The Monday on or before each date (the week of birth); missing stays missing."""
    dates = pd.to_datetime(values, errors="coerce")
    monday = dates - pd.to_timedelta(dates.dt.weekday, unit="D")
    return monday.dt.date.astype("object").where(dates.notna(), None)


def system_ids(n: int) -> list[str]:
    """``n`` distinct random system ids (hex), from the operating system's secure random source."""
    width = 2 * SYSTEM_ID_BYTES
    ids: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        text = secrets.token_hex(SYSTEM_ID_BYTES * (n - len(out)))
        fresh = [text[i : i + width] for i in range(0, len(text), width)]
        for sid in dict.fromkeys(fresh):  # a clash is vanishingly rare; draw again for it
            if sid not in ids:
                ids.add(sid)
                out.append(sid)
    return out


def _stored_returns(con, censuses: list[str], years: list[str]) -> list[tuple[str, str, str]]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'ingested_files'",
        [RAW_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        f"select distinct census, year, la_code from {RAW_SCHEMA}.ingested_files "
        "where census in (select unnest(?)) and year in (select unnest(?)) order by 1, 2, 3",
        [censuses, years],
    ).fetchall()
    return [tuple(r) for r in rows]


def _content_tables(con, census: str, years: list[str]) -> dict[str, pd.DataFrame]:
    out = {}
    for table in submission_spec(census).table_names:
        out[f"{census}_{table}"] = con.execute(
            f"select * from {RAW_SCHEMA}.{raw_table_name(census, table)} where year in (select unnest(?)) "
            f"order by year, la_code, {PSEUDONYM_COLUMN}",
            [years],
        ).df()
    return out


def sex_groups() -> pd.DataFrame:
    """census, code, sex (male, female, other): the code lists' mapping of every era's sex codes (the seed
    dbt_project/seeds/mappings/sex_groups.csv, which the staging models use too)."""
    from orchestration.paths import MAPPING_SEEDS_DIR

    return pd.read_csv(MAPPING_SEEDS_DIR / "sex_groups.csv", dtype=str)


def _identifiers(identities: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """One row per system id: the latest return's UPN, date of birth and sex (a later value wins; a missing
    value does not replace a given one). CLA counts after CRCS within a year. Sex is given as male, female
    or other whatever the era's code (1/2 before 2016-17, M/F after); a code not in the list is kept."""
    groups = sex_groups().rename(columns={"code": "sex", "sex": "_sex"})
    identities = identities.astype({"sex": "object"}).merge(groups, on=["census", "sex"], how="left")
    identities["sex"] = identities["_sex"].where(identities["_sex"].notna(), identities["sex"])
    rows = identities.drop(columns="_sex").assign(_order=identities["census"].map({"crcs": 0, "cla": 1}))
    rows = rows.sort_values(["year", "_order"], kind="stable")
    latest = rows.groupby(["la_code", "child_pid"], sort=False)[["upn", "date_of_birth", "sex"]].last().reset_index()
    out = mapping.merge(latest, on=["la_code", "child_pid"], how="left")
    return out[[SYSTEM_ID, "upn", "date_of_birth", "sex", "la_code"]].sort_values(SYSTEM_ID, ignore_index=True)


def _content(frame: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    out = frame.merge(mapping, on=["la_code", PSEUDONYM_COLUMN], how="left", validate="many_to_one")
    for column, week in WEEK_OF.items():
        if column in out.columns:
            out[week] = week_of(out[column])
    # the week takes the date's place; every other identifier column (and the file's line) is left out
    keep = [SYSTEM_ID] + [
        WEEK_OF.get(c, c) for c in frame.columns if c in WEEK_OF or c not in IDENTIFIER_COLUMNS | LEFT_OUT
    ]
    return out[keep].sort_values(["year", "la_code", SYSTEM_ID], kind="stable", ignore_index=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_csv(folder: Path, name: str, frame: pd.DataFrame) -> dict:
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, index=False)
    return {"file": name, "rows": len(frame), "columns": list(frame.columns), "sha256": _sha256(path),
            "bytes": path.stat().st_size}  # fmt: skip


def _write_manifest(folder: Path, manifest: dict) -> None:
    path = folder / "manifest.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")


def cssd_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cssd")
    except PackageNotFoundError:
        return "unknown"


def scan_content(folder: Path, upns: "set[str]", pids: "set[str]") -> list[str]:
    """What in the content part looks like an identifier (file and kind, never the value): a column named as
    an identifier; a UPN or warehouse pseudonym anywhere in its bytes; a week-of-birth value that is not the
    Monday of a week; a postcode. Empty: none. Dates of birth are not searched for as values: a child's date
    of birth may rightly be the date of an episode or a plan; they are kept out by the columns (no date of
    birth column, and every week of birth a Monday)."""
    problems = []
    upn_bytes = [u.encode() for u in upns if u]
    pid_bytes = [p.encode() for p in pids if p]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".csv":
            header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip().split(",")
            named = sorted(set(header) & IDENTIFIER_COLUMNS)
            if named:
                problems.append(f"{path.name}: identifier column(s) {', '.join(named)}")
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for week in WEEK_OF.values():
                if week in frame.columns:
                    given = frame[week][frame[week] != ""]
                    days = pd.to_datetime(given, errors="coerce")
                    if days.isna().any() or (days.dt.weekday != 0).any():
                        problems.append(f"{path.name}: {week} holds a value that is not the Monday of a week")
        for kind, needles in (("a UPN", upn_bytes), ("a warehouse pseudonym", pid_bytes)):
            if needles and _any_in(data, needles):
                problems.append(f"{path.name}: holds {kind}")
        if POSTCODE.search(data):
            problems.append(f"{path.name}: holds what looks like a postcode")
    return problems


TOKEN = re.compile(rb"[A-Za-z0-9]+")


def _any_in(data: bytes, needles: "list[bytes]") -> bool:
    """Whether any needle (letters and digits: a UPN, a pseudonym) occurs in ``data``, alone or inside a longer
    run of letters and digits. Every window of each needle's length in every such run is looked up in a set:
    linear in the size of the data, whatever the number of needles (a regular expression of tens of
    thousands of alternatives is not)."""
    by_length: dict[int, set[bytes]] = {}
    for n in needles:
        by_length.setdefault(len(n), set()).add(n)
    for token in set(TOKEN.findall(data)):
        for length, group in by_length.items():
            if len(token) == length:
                if token in group:
                    return True
            elif len(token) > length and any(token[i : i + length] in group for i in range(len(token) - length + 1)):
                return True
    return False


def make_extract(settings, connect, request: Request) -> ExtractResult:
    """Make the extract of ``request`` (see the module's docstring). ``connect()`` opens the warehouse read-only.
    ExtractError (or IdentityError) before anything is written if it cannot be made."""
    started = datetime.now(UTC)
    check_out(request.out, settings)
    try:
        identity_key(settings)
    except IdentityError as exc:
        raise ExtractError(f"no extract can be made: {exc}") from None
    labels = [y.label for y in request.years]
    if settings.warehouse_target == "duckdb" and not settings.warehouse.exists():
        raise ExtractError(f"the warehouse {settings.warehouse} does not exist: nothing is stored to extract")
    con = connect()
    try:
        stored = _stored_returns(con, request.censuses, labels)
        have = {(c, y) for c, y, _ in stored}
        absent = [f"{c.upper()} {y}" for c in request.censuses for y in labels if (c, y) not in have]
        if absent:
            raise ExtractError(
                f"no return is stored for {', '.join(absent)}: choose years that `cssd build` has stored "
                "(an extract is made from the warehouse, never from the landing files)"
            )
        try:
            identities = read_identities(settings, stored)
        except IdentityError as exc:
            raise ExtractError(f"no extract can be made: {exc}") from None
        tables = {}
        for census in request.censuses:
            tables.update(_content_tables(con, census, labels))
    finally:
        con.close()

    # Every record's child must have its identity in the store, from the same return (else the store is
    # out of date: a return stored again without the identity key, or under another pseudonym key).
    known = identities[["census", "year", "la_code", "child_pid"]].drop_duplicates()
    children = []
    for name, frame in tables.items():
        census = name.split("_", 1)[0]
        keys = frame[["year", "la_code", PSEUDONYM_COLUMN]].drop_duplicates().assign(census=census)
        joined = keys.merge(known, on=["census", "year", "la_code", "child_pid"], how="left", indicator=True)
        lost = joined[joined["_merge"] == "left_only"]
        if len(lost):
            returns = sorted({f"{census}/{y}/{la}" for y, la in zip(lost["year"], lost["la_code"], strict=True)})
            raise ExtractError(
                f"the identity store is out of date for {len(returns)} return(s) ({', '.join(returns[:10])}): "
                f"{len(lost)} child(ren) of their {name} records have no identity record. Store those returns "
                "again with CSSD_IDENTITY_KEY set (cssd build of those years); nothing was written"
            )
        children.append(keys[["la_code", PSEUDONYM_COLUMN]])
    mapping = pd.concat(children, ignore_index=True).drop_duplicates(ignore_index=True)
    mapping[SYSTEM_ID] = system_ids(len(mapping))

    extract_id = str(uuid.uuid4())
    tmp = request.out.parent / f".{request.out.name}.partial-{secrets.token_hex(4)}"
    os.mkdir(tmp, 0o700)
    os.chmod(tmp, 0o700)
    try:
        result = _write_parts(tmp, request, mapping, identities, tables, extract_id, started)
        # the UPNs themselves (13 characters), not the UN1-UN5 codes that say why there is none
        upns = {u for u in identities["upn"].dropna().astype(str) if len(u) == UPN_LENGTH}
        pids = set(identities["child_pid"].dropna().astype(str)) | set(mapping[PSEUDONYM_COLUMN])
        problems = scan_content(tmp / "content", upns, pids)
        if problems:
            raise ExtractError(
                "the content part failed the scan for identifiers, so the extract was not made (nothing is left "
                "behind): " + "; ".join(problems)
            )
        if request.out.exists():  # made meanwhile: rename would replace an empty folder
            raise ExtractError(f"{request.out} was made while the extract was written: nothing was written")
        os.rename(tmp, request.out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out = request.out
    _audit(settings, request, result, started)
    return result


def _write_parts(tmp, request, mapping, identities, tables, extract_id, started) -> ExtractResult:
    result = ExtractResult(out=tmp, extract_id=extract_id)
    common = {
        "extract_id": extract_id,
        "purpose": request.purpose,
        "censuses": request.censuses,
        "years": [y.label for y in request.years],
        "made": started.isoformat(timespec="seconds"),
        "cssd_version": cssd_version(),
        "system_id": "random for this extract: the same child has the same system id in both parts and every "
        "census and year of this extract, and no link to any other extract or to the warehouse",
    }
    parts = {}
    ident = tmp / "identifiers"
    os.mkdir(ident, 0o700)
    identifiers = _identifiers(identities, mapping)
    parts["identifiers"] = [_write_csv(ident, IDENTIFIERS_FILE, identifiers)]
    _write_manifest(
        ident,
        {**common, "part": "identifiers", "for": "the trusted third party (linkage)",
         "holds": "one row per child: system_id, upn, date_of_birth, sex (male, female or other), la_code",
         "files": parts["identifiers"]},
    )  # fmt: skip
    content = tmp / "content"
    os.mkdir(content, 0o700)
    parts["content"] = []
    for name, frame in tables.items():
        parts["content"].append(_write_csv(content, f"{name}.csv", _content(frame, mapping)))
    _write_manifest(
        content,
        {**common, "part": "content", "for": "the trusted research environment",
         "holds": "the records of every table of the censuses and years, keyed by system_id; the week of birth "
                  "(the Monday on or before the date of birth) in place of the date of birth; no child id, "
                  "pseudonym, UPN, date of birth or postcode",
         "files": parts["content"]},
    )  # fmt: skip
    for part, files in parts.items():
        for f in files:
            result.rows[f"{part}/{f['file']}"] = f["rows"]
        result.bytes[part] = sum(p.stat().st_size for p in (tmp / part).iterdir())
    result.children = len(mapping)
    return result


def _audit(settings, request: Request, result: ExtractResult, started: datetime) -> None:
    """One line in the audit log per extract made: who, when, what, where; no identifier."""
    path = settings.extracts_log
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    entry = {
        "made": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": getpass.getuser(),
        "extract_id": result.extract_id,
        "purpose": request.purpose,
        "censuses": request.censuses,
        "years": [y.label for y in request.years],
        "out": str(request.out),
        "children": result.children,
        "rows": result.rows,
        "manifests": {part: _sha256(request.out / part / "manifest.json") for part in ("identifiers", "content")},
        "cssd_version": cssd_version(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def open_warehouse(settings, read_only: bool = True):
    """A connection to the warehouse (DuckDB: holding its lock until closed; PostgreSQL: the cssd role)."""
    if settings.warehouse_target == "postgres":
        from orchestration.lib.warehouse import connect_postgres

        return connect_postgres(settings.postgres.connect_kwargs())
    import duckdb

    from orchestration.lib.lock import LockedConnection, acquire, release
    from orchestration.lib.warehouse import connect

    acquire(settings.warehouse)
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=True) if read_only else connect(settings.warehouse)
    except BaseException:
        release(settings.warehouse)
        raise
    return LockedConnection(con, settings.warehouse)


def command(settings, args) -> int:
    """`cssd extract`: make the extract, or say why not (nothing written)."""
    import sys
    import time

    t0 = time.monotonic()
    try:
        request = parse_request(args.purpose, args.census, args.years, args.out)
        result = make_extract(settings, lambda: open_warehouse(settings), request)
    except (ExtractError, IdentityError) as exc:
        print(f"cssd extract: {exc}", file=sys.stderr)
        return 2
    print(
        f"cssd extract: {result.children} children; {result.out / 'identifiers'} "
        f"({result.bytes['identifiers']:,} bytes) for the trusted third party, {result.out / 'content'} "
        f"({result.bytes['content']:,} bytes, {len(result.rows) - 1} tables) for the research environment; "
        f"extract {result.extract_id}, logged in {settings.extracts_log}; {time.monotonic() - t0:.1f} s"
    )
    for name, rows in result.rows.items():
        print(f"  {name}: {rows:,} rows")
    return 0
