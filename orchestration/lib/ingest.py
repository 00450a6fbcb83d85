"""One LA's return → validated, pseudonymised frames for the raw schema (no Dagster, no warehouse).

``validate_return`` is the whole gate for one LA and year, in order:

1. read the files (CSV or one workbook): encoding, empty or binary files, headers of the era;
2. the Welsh validation rule pack (``orchestration.lib.rules``) on the text of the return;
3. the era's pandera model per table (types, codes, cross-field checks) as a backstop;
4. if no error-severity issue: child ids replaced by keyed pseudonyms, UPN and postcodes dropped.

It returns every issue (errors and warnings) for the LA's validation report. ``cssd validate``
uses the same function, so an LA officer sees exactly what the platform will see.
"""

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from orchestration.lib.identity import identity_frame
from orchestration.lib.issues import Issue, SubmissionError
from orchestration.lib.pseudonymise import pseudonymise_series
from orchestration.lib.readers import LINE_COLUMN, LoadedTable, read_return_folder, submitted_las
from orchestration.lib.rules import RuleContext, run_rules
from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear

# Personal fields the statistics never use: dropped on ingest, never stored.
DROPPED_ON_INGEST = frozenset({"upn", "placement_postcode"})
ID_COLUMN = "child_id"
PSEUDONYM_COLUMN = "child_pid"


def rules_for(census: str) -> tuple:
    if census == "cla":
        from orchestration.lib.rules.cla import CLA_RULES

        return CLA_RULES
    if census == "crcs":
        from orchestration.lib.rules.crcs import CRCS_RULES

        return CRCS_RULES
    raise ValueError(f"no rule pack for census {census!r}")


LINKED_CENSUS = {"cla": "crcs", "crcs": "cla"}


@dataclass
class LAReturn:
    census: str
    year: CollectionYear
    la_code: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # ready for raw (empty if errors)
    files: list[dict] = field(default_factory=list)  # table, file, sha256, rows
    issues: list[Issue] = field(default_factory=list)
    identity: "pd.DataFrame | None" = None  # for the identity store (lib/identity.py), if it passes
    # The return as read (text, internal column names, _line) and last year's, for `cssd validate`'s
    # report, which groups the issues by the LA's own child id on the officer's machine. Never stored.
    text: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    previous_text: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors


def typed_table(loaded: LoadedTable, census: str, year: CollectionYear) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Run the era's pandera model on one loaded table; typed frame (with _line) or issues."""
    # pandera (~0.3 s to import) only when a return gets this far: `cssd validate` on a return with
    # rule errors never needs it.
    import pandera.pandas as pa

    from orchestration.lib.schemas import failures_to_issues, table_model

    if loaded.frame is None:
        return None, list(loaded.issues)
    spec = submission_spec(census).tables[loaded.table]
    era = year.era(census).name
    model = table_model(census, loaded.table, era)
    lines = loaded.frame[LINE_COLUMN]
    data = loaded.frame.drop(columns=[LINE_COLUMN])
    try:
        typed = model.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return None, failures_to_issues(exc.failure_cases, spec, era, loaded.file, lines, year.label)
    typed[LINE_COLUMN] = lines
    return typed, []


def _previous_text(folder: Path, census: str, year: CollectionYear) -> dict[str, pd.DataFrame] | None:
    """Last year's return of the same LA, as text, for cross-year continuity warnings."""
    if folder.is_file():
        folder = folder.parent
    prev_folder = folder.parent.parent / year.previous().label / folder.name
    if not prev_folder.is_dir():
        return None
    try:
        year.previous().era(census)
    except ValueError:
        return None
    loaded = read_return_folder(prev_folder, "previous", census, year.previous())
    frames = {t: lt.frame for t, lt in loaded.items() if lt.frame is not None}
    return frames or None


def _linked_text(folder: Path, census: str, year: CollectionYear) -> dict[str, pd.DataFrame] | None:
    """The other census's return of the same LA and year, as text, if it has landed and reads."""
    if folder.is_file():
        folder = folder.parent
    other = LINKED_CENSUS[census]
    other_folder = folder.parent.parent.parent / other / year.label / folder.name
    if not other_folder.is_dir():
        return None
    try:
        year.era(other)
    except ValueError:
        return None
    loaded = read_return_folder(other_folder, "linked", other, year)
    frames = {t: lt.frame for t, lt in loaded.items() if lt.frame is not None}
    return frames or None


def validate_return(
    folder: Path,
    census: str,
    year: CollectionYear,
    la_code: str,
    key: "bytes | None",
    display_prefix: str | None = None,
    tables: "tuple[str, ...] | None" = None,
    previous: "dict[str, pd.DataFrame] | None | bool" = True,
    linked: "dict[str, pd.DataFrame] | None | bool" = True,
    rules: "tuple | None" = None,
) -> LAReturn:
    """Validate one LA's return for one year; pseudonymised frames if it passes (none if ``key`` is None).

    ``rules``: the rules to run (default: the census's whole pack); `cssd validate --rules/--skip`."""
    tables = tables or submission_spec(census).table_names
    display_prefix = display_prefix or f"{census}/{year.label}/{la_code}"
    out = LAReturn(census, year, la_code)
    not_welsh = _not_welsh_gss(folder, la_code)
    if not_welsh:
        # A return filed under another nation's GSS code (e.g. E09000001) is not a Welsh return,
        # however clean its files: say so rather than validate it as if it were.
        out.issues.append(unknown_la_issue(census, year, not_welsh))
        return out
    loaded = read_return_folder(folder, display_prefix, census, year, tables)
    for name, lt in loaded.items():
        out.files.append({"table": name, "file": lt.file, "sha256": lt.sha256, "rows": 0})
        out.issues.extend(lt.issues)
    text = {n: lt.frame for n, lt in loaded.items() if lt.frame is not None}
    if previous is True:
        previous = _previous_text(folder, census, year)
    if linked is True:
        linked = _linked_text(folder, census, year)
    ctx = RuleContext(
        census=census,
        year=year,
        la_code=la_code,
        tables=text,
        files={n: lt.file for n, lt in loaded.items()},
        previous=previous or None,
        linked=linked or None,
    )
    out.text, out.previous_text = text, previous or None
    out.issues.extend(run_rules(ctx, rules_for(census) if rules is None else rules))
    if out.errors:
        return _sorted(out)
    typed: dict[str, pd.DataFrame] = {}
    for name, lt in loaded.items():
        frame, issues = typed_table(lt, census, year)
        out.issues.extend(issues)
        if frame is not None:
            typed[name] = frame
    if out.errors or key is None:  # key None: `cssd validate`, nothing is stored, nothing to pseudonymise
        return _sorted(out)
    out.identity = identity_frame(typed, la_code, key)  # UPN, date of birth, sex by pseudonym: lib/identity.py
    for name, frame in typed.items():
        frame = frame.drop(columns=[c for c in frame.columns if c in DROPPED_ON_INGEST])
        pid = pseudonymise_series(key, la_code, frame[ID_COLUMN].astype("object"))
        frame = frame.drop(columns=[ID_COLUMN])
        frame.insert(0, PSEUDONYM_COLUMN, pid)
        frame.insert(0, "la_code", la_code)
        frame.insert(0, "year", year.label)
        out.tables[name] = frame.rename(columns={LINE_COLUMN: "source_line"}).reset_index(drop=True)
        for f in out.files:
            if f["table"] == name:
                f["rows"] = len(frame)
    return _sorted(out)


_GSS = re.compile(r"[EWSN]\d{8}")


def _not_welsh_gss(folder: Path, la_code: str) -> str | None:
    """The GSS code (the LA code given, or the folder's name) that is a GSS code but not a Welsh LA's."""
    from orchestration.lib.reference import welsh_la_codes

    name = (folder.parent if folder.is_file() else folder).name
    for code in (la_code, name):
        if _GSS.fullmatch(code or "") and code not in welsh_la_codes():
            return code
    return None


def _sorted(r: LAReturn) -> LAReturn:
    r.issues = sorted(set(r.issues), key=lambda i: (i.file, i.row or 0, i.field or "", i.rule))
    return r


def unknown_la_issue(census: str, year: CollectionYear, la: str) -> Issue:
    return Issue(
        f"{census}/{year.label}/{la}",
        None,
        None,
        "file.unknown_la",
        f"{la!r} is not the GSS code of a Welsh local authority (W06…); rename the folder",
    )


@dataclass
class PreparedYear:
    census: str
    year: CollectionYear
    returns: dict[str, LAReturn]

    def table(self, name: str) -> pd.DataFrame:
        frames = [r.tables[name] for r in self.returns.values() if name in r.tables]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def prepare_year(
    landing_dir: Path,
    census: str,
    year: CollectionYear,
    key: bytes,
    known_las: "set[str] | None" = None,
    tables: "tuple[str, ...] | None" = None,
) -> PreparedYear:
    """Validate every LA's return of a year; raise one SubmissionError if any has an error."""
    returns: dict[str, LAReturn] = {}
    errors: list[Issue] = []
    for la in submitted_las(landing_dir, census, year):
        if known_las is not None and la not in known_las:
            errors.append(unknown_la_issue(census, year, la))
            continue
        r = validate_return(landing_dir / census / year.label / la, census, year, la, key, tables=tables)
        returns[la] = r
        errors.extend(r.errors)
    if errors:
        raise SubmissionError(errors, context=f"{census.upper()} {year.label}")
    return PreparedYear(census, year, returns)


@lru_cache(maxsize=1)
def validation_code_digest() -> str:
    """A hash of everything validation depends on besides the files: the readers, rule packs,
    specs and pandera models (orchestration/lib) and the code lists (the reference seeds)."""
    from orchestration.paths import PACKAGE_DIR, REFERENCE_SEEDS_DIR

    h = hashlib.sha256()
    lib = PACKAGE_DIR / "lib"
    paths = [p for p in lib.rglob("*") if p.suffix in (".py", ".yaml", ".csv")]
    paths += list(REFERENCE_SEEDS_DIR.glob("*.csv"))
    for p in sorted(paths):
        h.update(f"{p.name}\n".encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def validation_digest(folder: Path, census: str, year: CollectionYear, key: bytes) -> str:
    """What the validation of a return depends on: its files, last year's return and the other
    census's return of the same LA (continuity and cross-census rules read them), the validation
    code and the pseudonymisation key (its fingerprint, not the key). Equal digests mean the same
    result: an unchanged return need not be validated and stored again."""
    from orchestration.lib.keys import key_fingerprint
    from orchestration.lib.readers import return_files, sha256_of

    h = hashlib.sha256()
    h.update(validation_code_digest().encode())
    h.update(key_fingerprint(key).encode())
    folder = folder.parent if folder.is_file() else folder
    other = LINKED_CENSUS[census]
    for label, f in (
        ("return", folder),
        ("previous", folder.parent.parent / year.previous().label / folder.name),
        ("linked", folder.parent.parent.parent / other / year.label / folder.name),
    ):
        files = return_files(f)
        h.update(f"{label}:{len(files)}\n".encode())
        for p in files:
            h.update(f"{p.name}:{sha256_of(p)}\n".encode())
    return h.hexdigest()


# A pool pays for its start (a process that imports pandas and the rule packs, ~3 s) from
# about this many returns on; fewer are validated in this process.
POOL_FROM_RETURNS = 24


def validate_many(jobs: "list[tuple[Path, str, CollectionYear, str]]", key: bytes, workers: int):
    """Validate returns (folder, census, year, LA), yielding (job, LAReturn) in the jobs' order.

    With ``workers`` > 1 and enough returns the validation runs in a pool of worker processes
    (validation is pure Python and pandas: one core each); the caller stores each result in the
    warehouse as it arrives, in this process, which stays the only writer. At most one return per
    worker and one more are in flight, so memory stays bounded at any scale."""
    if workers <= 1 or len(jobs) < POOL_FROM_RETURNS:
        for job in jobs:
            yield job, validate_return(*job, key)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    ctx = multiprocessing.get_context("forkserver")  # not fork: the caller may hold threads and locks
    ctx.set_forkserver_preload(["orchestration.lib.ingest"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        queue = iter(jobs)
        pending = deque((job, pool.submit(validate_return, *job, key)) for job in islice(queue, workers + 1))
        while pending:
            job, future = pending.popleft()
            result = future.result()
            following = next(queue, None)
            if following is not None:
                pending.append((following, pool.submit(validate_return, *following, key)))
            yield job, result
