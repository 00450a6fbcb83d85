"""Landing files → gated, pseudonymised frames for the raw schema (no Dagster, no warehouse).

``prepare_year`` reads every LA folder of a census year, runs the pandera gate per table,
checks what the gate cannot see per row (dates after the census date, episodes of a
child missing from ``children``), and either returns the frames ready to store or raises
one ``SubmissionError`` naming every bad file, row, field and rule.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from orchestration.lib.issues import Issue, SubmissionError
from orchestration.lib.pseudonymise import pseudonymise_series
from orchestration.lib.readers import LINE_COLUMN, LoadedTable, read_la_return, submitted_las
from orchestration.lib.schemas import failures_to_issues, table_model
from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear

# Personal fields the statistics never use: dropped on ingest, never stored.
DROPPED_ON_INGEST = frozenset({"upn", "placement_postcode"})
# Personal fields kept (pseudonymised or needed for ages): child_id -> child_pid; date_of_birth stays.
ID_COLUMN = "child_id"
PSEUDONYM_COLUMN = "child_pid"


@dataclass
class LAReturn:
    la_code: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


@dataclass
class PreparedYear:
    census: str
    year: CollectionYear
    returns: dict[str, LAReturn]

    def table(self, name: str) -> pd.DataFrame:
        frames = [r.tables[name] for r in self.returns.values() if name in r.tables]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def issues(self) -> list[Issue]:
        return [i for r in self.returns.values() for i in r.issues]


def validate_table(loaded: LoadedTable, census: str, year: CollectionYear) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Run the era's pandera model on one loaded file, plus the per-year date bounds."""
    if loaded.frame is None:
        return None, list(loaded.issues)
    spec = submission_spec(census).tables[loaded.table]
    era = year.era(census).name
    model = table_model(census, loaded.table, era)
    frame = loaded.frame
    lines = frame[LINE_COLUMN]
    data = frame.drop(columns=[LINE_COLUMN])
    try:
        typed = model.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return None, failures_to_issues(exc.failure_cases, spec, era, loaded.file, lines, data, year.label)
    issues: list[Issue] = []
    census_ts = pd.Timestamp(year.census_date)
    for col in spec.columns_for(era):
        if col.not_after_census_date:
            late = typed[col.name].notna() & (typed[col.name] > census_ts)
            for idx in typed.index[late]:
                issues.append(
                    Issue(
                        loaded.file,
                        int(lines.loc[idx]),
                        col.source_name(era),
                        "format.after_census_date",
                        f"the date is after the census date {year.census_date:%d/%m/%Y} of {year.label}",
                    )
                )
    typed[LINE_COLUMN] = lines
    return (None if issues else typed), issues


def _cross_table_issues(tables: dict[str, pd.DataFrame], census: str, era: str, files: dict[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    if "children" not in tables:
        return issues
    known = set(tables["children"][ID_COLUMN])
    spec = submission_spec(census)
    for name in ("episodes", "adoptions"):
        if name not in tables:
            continue
        df = tables[name]
        unknown = ~df[ID_COLUMN].isin(known)
        for line in df.loc[unknown, LINE_COLUMN]:
            issues.append(
                Issue(
                    files[name],
                    int(line),
                    spec.tables[name].column(ID_COLUMN).source_name(era),
                    "format.unknown_child",
                    "the child on this row is not in the children file of the same return",
                )
            )
    return issues


def prepare_la(
    landing_dir: Path, census: str, year: CollectionYear, la_code: str, key: bytes, tables: tuple[str, ...]
) -> LAReturn:
    out = LAReturn(la_code)
    loaded = read_la_return(landing_dir, census, year, la_code, tables)
    era = year.era(census).name
    typed: dict[str, pd.DataFrame] = {}
    for name, lt in loaded.items():
        out.files.append({"table": name, "file": lt.file, "sha256": lt.sha256})
        frame, issues = validate_table(lt, census, year)
        out.issues.extend(issues)
        if frame is not None:
            typed[name] = frame
    if out.errors:
        return out
    out.issues.extend(_cross_table_issues(typed, census, era, {n: lt.file for n, lt in loaded.items()}))
    if out.errors:
        return out
    for name, frame in typed.items():
        frame = frame.drop(columns=[c for c in frame.columns if c in DROPPED_ON_INGEST])
        pid = pseudonymise_series(key, la_code, frame[ID_COLUMN])
        frame = frame.drop(columns=[ID_COLUMN])
        frame.insert(0, PSEUDONYM_COLUMN, pid)
        frame.insert(0, "la_code", la_code)
        frame.insert(0, "year", year.label)
        frame = frame.rename(columns={LINE_COLUMN: "source_line"})
        out.tables[name] = frame
        for f in out.files:
            if f["table"] == name:
                f["rows"] = len(frame)
    return out


def prepare_year(
    landing_dir: Path,
    census: str,
    year: CollectionYear,
    key: bytes,
    known_las: "set[str] | None" = None,
    tables: "tuple[str, ...] | None" = None,
) -> PreparedYear:
    """Read, gate and pseudonymise every LA's return for one year; raise if any LA fails."""
    tables = tables or submission_spec(census).table_names
    returns: dict[str, LAReturn] = {}
    unknown: list[Issue] = []
    for la in submitted_las(landing_dir, census, year):
        if known_las is not None and la not in known_las:
            unknown.append(
                Issue(
                    f"{census}/{year.label}/{la}",
                    None,
                    None,
                    "file.unknown_la",
                    f"{la!r} is not the GSS code of a Welsh local authority (W06…); rename the folder",
                )
            )
            continue
        returns[la] = prepare_la(landing_dir, census, year, la, key, tables)
    prepared = PreparedYear(census, year, returns)
    errors = unknown + [i for r in returns.values() for i in r.errors]
    if errors:
        raise SubmissionError(errors, context=f"{census.upper()} {year.label}")
    return prepared
