"""Retention: landing files, identity records and raw rows are deleted a set number of years after their
collection year is final (docs/security.md#retention).

A collection year is final when the figures of a later year have been published over it
(``Settings.is_provisional``: every year but the latest, or up to CSSD_FINAL_THROUGH). A period of N
years means: deleted once the N-th following year is final too. Defaults (``settings.py``):

- **landing files, 1** (CSSD_RETAIN_LANDING): the LA's files are needed while the year can still be
  resubmitted and re-validated (until it is final) and for one more year, while the next year's
  continuity checks read them and a late correction may still come. After that the warehouse holds
  everything the statistics need: a year whose landing files are gone is still rebuilt from the raw
  schema (docs/security.md says what can no longer be done).
- **identity records, 2** (CSSD_RETAIN_IDENTITY): they exist only for research extracts; the research
  environment receives each year once it is final and keeps the linked history itself, so the
  identities are kept for the supply after the year is final and one re-supply after that.
- **raw rows, forever** (CSSD_RETAIN_RAW): every figure of every year is rebuilt from the raw schema
  (a corrected definition, a rekey, a new release), and the series run back to 2002-03; deleting a
  year's raw rows means that year can never be rebuilt. Set a number only if the published series
  is to be cut.

``cssd retention`` lists what is due; ``--apply`` deletes it and logs each deletion
(``<data>/retention/retention.log``: when, what kind, census, year, LA, the path or the number of
rows, the rule; no identifier). The published outputs (``<data>/output``) are never touched. The
``weekly_retention`` schedule (``orchestration/defs/retention.py``) runs it with ``--apply``.
"""

import contextlib
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.lib import identity
from orchestration.lib.specs import submission_spec
from orchestration.lib.warehouse import RAW_SCHEMA, raw_table_name
from orchestration.lib.years import CollectionYear, YearError

CENSUSES = ("cla", "crcs")
SETTING = {"landing": "CSSD_RETAIN_LANDING", "identity": "CSSD_RETAIN_IDENTITY", "raw": "CSSD_RETAIN_RAW"}


@dataclass(frozen=True)
class Deletion:
    kind: str  # landing | identity | raw
    census: str
    year: str
    la_code: "str | None"
    target: str  # a path under the data folder, or the raw rows
    rule: str


def _parse(label: str) -> "CollectionYear | None":
    try:
        return CollectionYear.parse(label)
    except (YearError, ValueError):
        return None


def years_final_since(settings, year: CollectionYear) -> "int | None":
    """How many later years are final too (0: the year is the last final one); None if it is provisional."""
    if settings.is_provisional(year):
        return None
    final = settings.final_through or settings.latest_year.previous()
    return final.start_year - year.start_year


def due(settings, kind: str, year_label: str) -> "str | None":
    """The rule that makes a ``kind`` of ``year_label`` due for deletion, or None if it is kept."""
    keep = getattr(settings, f"retain_{kind}")
    year = _parse(year_label)
    if keep is None or year is None:
        return None
    since = years_final_since(settings, year)
    if since is None or since < keep:
        return None
    return f"{SETTING[kind]}={keep}: {year_label} final, and {since} later year(s) final too"


def plan(settings, con=None) -> list[Deletion]:
    """Everything the retention periods make due now (``con``: the warehouse, for the raw rows)."""
    out: list[Deletion] = []
    landing = settings.landing_dir
    for census in CENSUSES:
        root = landing / census
        years = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        for year_dir in years:
            rule = due(settings, "landing", year_dir.name)
            if rule:
                for la in sorted(p for p in year_dir.iterdir() if p.is_dir()):
                    out.append(Deletion("landing", census, year_dir.name, la.name, _rel(settings, la), rule))
    for f in identity.stored_files(settings):
        rule = due(settings, "identity", f.year)
        if rule:
            out.append(Deletion("identity", f.census, f.year, f.la_code, _rel(settings, f.path), rule))
    if con is not None and settings.retain_raw is not None:
        for census, year, returns in _stored_years(con):
            rule = due(settings, "raw", year)
            if rule:
                out.append(Deletion("raw", census, year, None, f"raw rows of {returns} stored return(s)", rule))
    return out


def _rel(settings, path: Path) -> str:
    return str(path.relative_to(settings.data_dir))


def _stored_years(con) -> list[tuple[str, str, int]]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'ingested_files'",
        [RAW_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return []
    return [
        tuple(r)
        for r in con.execute(
            f"select census, year, count(distinct la_code) from {RAW_SCHEMA}.ingested_files group by 1, 2 order by 1, 2"
        ).fetchall()
    ]


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def apply(settings, deletions: list[Deletion], con=None) -> int:
    """Delete what ``deletions`` lists, logging each one as it is done. The published outputs are refused."""
    done = 0
    for d in deletions:
        if d.kind in ("landing", "identity"):
            path = settings.data_dir / d.target
            allowed = settings.landing_dir if d.kind == "landing" else settings.identity_dir
            if not _inside(path, allowed) or _inside(path, settings.output_dir):
                raise ValueError(f"retention: {path} is not under {allowed}: refusing to delete it")
            if d.kind == "landing":
                shutil.rmtree(path, ignore_errors=False)
                with contextlib.suppress(OSError):
                    path.parent.rmdir()  # the year's folder, once its last LA is gone
            else:
                path.unlink(missing_ok=True)
        elif d.kind == "raw":
            _delete_raw(con, d.census, d.year)
        _log(settings, d)
        done += 1
    return done


def _delete_raw(con, census: str, year: str) -> None:
    con.execute("begin transaction")
    try:
        for table in submission_spec(census).table_names:
            con.execute(f"delete from {RAW_SCHEMA}.{raw_table_name(census, table)} where year = ?", [year])
        for table in ("ingested_files", "validated_returns"):
            con.execute(f"delete from {RAW_SCHEMA}.{table} where census = ? and year = ?", [census, year])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _log(settings, d: Deletion) -> None:
    path = settings.retention_log
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    entry = {"deleted": datetime.now(UTC).isoformat(timespec="seconds"), **asdict(d)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def run(settings, apply_it: bool, say=print) -> list[Deletion]:
    """Plan (and with ``apply_it``, apply) the retention of ``settings``; ``say`` each line of the report."""
    con = None
    needs_warehouse = settings.retain_raw is not None and (
        settings.warehouse_target == "postgres" or settings.warehouse.exists()
    )
    if needs_warehouse:
        from orchestration.lib.extract import open_warehouse

        con = open_warehouse(settings, read_only=not apply_it)
    try:
        deletions = plan(settings, con)
        kept = {kind: getattr(settings, f"retain_{kind}") for kind in SETTING}
        periods = ", ".join(f"{kind} {'forever' if n is None else n}" for kind, n in kept.items())
        say(f"retention periods (years after a year is final): {periods}")
        if not deletions:
            say("nothing is due for deletion")
        for d in deletions:
            where = f"{d.census} {d.year}" + (f" {d.la_code}" if d.la_code else "")
            say(f"{'deleting' if apply_it else 'would delete'} {d.kind}: {where}: {d.target} ({d.rule})")
        if apply_it and deletions:
            apply(settings, deletions, con)
            say(f"{len(deletions)} deletion(s) logged in {settings.retention_log}")
        elif deletions:
            say("nothing was deleted: run `cssd retention --apply` to delete it")
        return deletions
    finally:
        if con is not None:
            con.close()


def command(settings, args) -> int:
    """`cssd retention [--apply]`."""
    try:
        run(settings, bool(args.apply))
    except ValueError as exc:
        print(f"cssd retention: {exc}", file=sys.stderr)
        return 2
    return 0
