"""`cssd`: the command line for people and scripts that do not open the Dagster UI.

    cssd generate --census all --years all [--seed N] [--scale F] [--las W06…] [--faults default]
    cssd build --census all --years 2014-15:2017-18     (cla, crcs or all; CLA is built first)
    cssd rekey                                           (after changing CSSD_PSEUDONYM_KEY)
    cssd rekey --identity                                (after changing CSSD_IDENTITY_KEY)
    cssd extract --for research --census cla,crcs --years 2019-20:2023-24 --out DIR   (docs/research.md)
    cssd retention [--apply]                             (what the retention periods delete)
    cssd validate <data>/landing/crcs/2024-25/W06000015/ [--report DIR] [--rules ID,…] [--lang cy]
    cssd rules [--census cla|crcs] [--format csv|json|md]
    cssd headlines [--census crcs]

`build` runs the same Dagster definitions in process, as one run for the whole range, on the
instance under <data>/dagster_home (so `make dev` shows the runs afterwards).
"""

import argparse
import contextlib
import logging
import os
import sys
import threading
import time
import warnings
from pathlib import Path

from orchestration.lib.years import CollectionYear, YearError, parse_year_range

log = logging.getLogger("cssd")


def _years(text: str, census: str, settings) -> list[CollectionYear]:
    """A year range, or 'all' = the whole series up to the latest complete year."""
    if text.strip().lower() == "all":
        return settings.years(census)
    return parse_year_range(text)


def _censuses(arg: str) -> list[str]:
    return ["cla", "crcs"] if arg == "all" else [arg]


def _generate(args: argparse.Namespace) -> int:
    from orchestration.lib.keys import SYNTHETIC_MARKER, is_marked_synthetic, landing_returns, mark_synthetic
    from orchestration.lib.synthetic.cla import generate_cla
    from orchestration.lib.synthetic.crcs import generate_crcs
    from orchestration.settings import load_settings

    settings = load_settings()
    landing = settings.landing_dir
    if landing_returns(landing) and not is_marked_synthetic(landing):
        print(
            f"cssd generate: {landing} holds returns that cssd generate did not make (it has no {SYNTHETIC_MARKER}): "
            "refusing to put synthetic returns beside them or to change them. Use another data folder "
            "(CSSD_DATA_DIR) for synthetic data.",
            file=sys.stderr,
        )
        return 2
    mark_synthetic(landing)  # demo mode (CSSD_DEMO) accepts only a folder marked synthetic
    las = args.las.split(",") if args.las else None
    for census in _censuses(args.census):
        years = _years(args.years, census, settings)
        for y in years:
            y.era(census)  # a clear error for a year before the series starts
        started = time.monotonic()
        if not args.faults_only:
            if census == "crcs":
                # The looked-after children of a CRCS return are the CLA return's children: CLA first.
                wanted = las or sorted(_all_las())
                missing = [
                    y for y in years if any(not (settings.landing_dir / "cla" / y.label / la).is_dir() for la in wanted)
                ]
                if missing:
                    generate_cla(settings.landing_dir, missing, seed=args.seed, scale=args.scale, la_codes=las)
                    print(f"generated the CLA returns of {len(missing)} year(s) first: CRCS links to them")
                summary = generate_crcs(settings.landing_dir, years, seed=args.seed, scale=args.scale, las=las)
            else:
                summary = generate_cla(settings.landing_dir, years, seed=args.seed, scale=args.scale, la_codes=las)
            print(
                f"generated synthetic {census.upper()} returns for {len(years)} year(s) under "
                f"{settings.landing_dir / census} in {time.monotonic() - started:.1f}s"
            )
            if args.verbose:
                print(summary)
        if args.faults:
            for line in _inject(settings.landing_dir, census, years[-1], args.faults, args.seed):
                print(line)
    return 0


def _all_las() -> list[str]:
    from orchestration.lib.reference import welsh_la_codes

    return sorted(welsh_la_codes())


def parse_faults(spec: str, census: str = "cla") -> dict[str, list[str]]:
    """'default' or 'W06000015:CLA-012,CLA-020;W06000011:CLA-030' -> {la: [rule ids]}.

    Rule ids name their census (CLA-…, CRCS-…); only the given census's are returned."""
    from orchestration.lib.synthetic.crcs_faults import DEFAULT_CRCS_DEMO_FAULTS
    from orchestration.lib.synthetic.faults import DEFAULT_DEMO_FAULTS

    if spec.strip().lower() == "default":
        defaults = DEFAULT_DEMO_FAULTS if census == "cla" else DEFAULT_CRCS_DEMO_FAULTS
        return {la: list(rules) for la, rules in defaults.items()}
    out: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        la, _, rules = part.partition(":")
        if not la.startswith("W06") or not rules:
            raise ValueError(f"--faults {spec!r}: write LA:RULE[,RULE...][;LA:RULE...] or 'default'")
        for r in (r.strip() for r in rules.split(",")):
            if r and r.upper().startswith(f"{census.upper()}-"):
                out.setdefault(la.strip(), []).append(r)
    return out


def _inject(landing_dir, census: str, year, spec: str, seed: int) -> list[str]:
    from orchestration.lib.synthetic.crcs_faults import inject_crcs_faults
    from orchestration.lib.synthetic.faults import inject_faults

    lines = []
    for la, rules in parse_faults(spec, census).items():
        if census == "crcs":
            descriptions = inject_crcs_faults(landing_dir, year, la, rules, seed)
        else:
            descriptions = inject_faults(landing_dir, census, year, la, rules, seed)
        for desc in descriptions:
            lines.append(f"fault injected: {census.upper()} {year.label} {la}: {desc}")
    return lines


def _build(args: argparse.Namespace) -> int:
    """Build one census or both (CLA first: CRCS's reconciliation table reads CLA1)."""
    from orchestration.settings import load_settings

    settings = load_settings()
    plan = []
    for census in _censuses(args.census):
        years = _years(args.years, census, settings)
        available = {y.label for y in settings.years(census)}
        if args.census == "all":  # a range that spans both series: each census builds its part
            years = [y for y in years if y.label in available]
        outside = [y.label for y in years if y.label not in available]
        if outside or not years:
            print(
                f"cssd build: {', '.join(outside) or args.years} not in the {census.upper()} series "
                f"({min(available)} to {max(available)})",
                file=sys.stderr,
            )
            return 2
        plan.append((census, years))
    from orchestration.lib.thresholds import ThresholdsError, load_thresholds

    try:  # a bad thresholds file stops the build before anything is read or stored
        load_thresholds(settings.quality_thresholds)
    except ThresholdsError as exc:
        print(f"cssd build: {exc}", file=sys.stderr)
        return 2
    # `cssd demo` rebuilds every return it has just generated: as a re-key, so that a data folder left by an
    # older demo (pseudonyms made before cssd recorded the key) is brought up to date rather than refused.
    rekey = getattr(args, "demo", False)
    code = _run_plan(
        settings,
        plan,
        verbose=args.verbose,
        rekey=rekey,
        command="cssd demo" if rekey else "",
        strict=getattr(args, "strict", False),
    )
    _qa_summary(settings, plan)
    return code


def _qa_summary(settings, plan) -> None:
    """The QA findings and sign-off state of the years built (orchestration/lib/signoff.py)."""
    from orchestration.lib.signoff import build_summary

    years = sorted({y.label for _, years in plan for y in years})
    for line in build_summary(settings.output_dir, years):
        print(line, flush=True)


def _signoff(args: argparse.Namespace) -> int:
    """Sign a year's release off (orchestration/lib/signoff.py does the work)."""
    from orchestration.defs.resources import build_resources
    from orchestration.lib.signoff import command
    from orchestration.settings import load_settings

    settings = load_settings()
    return command(
        settings, args, lambda: build_resources()["warehouse"].connect(read_only=True), sys.stdout, sys.stderr
    )


def _landing_warnings(settings, plan) -> None:
    """Say which landing folders the build will not read (a misnamed year, not a Welsh LA…)."""
    from orchestration.lib.landing import census_problems, root_problems
    from orchestration.lib.reference import welsh_la_codes

    lines = root_problems(settings.landing_dir)
    for census, years in plan:
        series = [y.label for y in settings.years(census)]
        lines += census_problems(settings.landing_dir, census, series, welsh_la_codes(), {y.label for y in years})
    for line in lines:
        print(f"WARNING landing folder not read: {line}", file=sys.stderr)


def _run_plan(
    settings, plan, verbose: bool = False, rekey: bool = False, command: str = "", strict: bool = False
) -> int:
    """Run the build of ``plan`` ([(census, years)]): reference seeds, then per census ingestion and
    transform, then the submission status and the release. A return that fails validation is not
    stored and does not stop the build: the LA's last accepted return stays, everything is built and
    released, and the failed returns are listed (exit 0; ``strict``: exit 1). ``rekey``: every
    ingestion first (tagged as a re-key, so returns stored under another key may be replaced), then a
    check that no return is left under another key, and only then the transforms and the release."""
    from orchestration.lib.keys import KeyRefused, ingest_key

    command = command or ("cssd rekey" if rekey else "cssd build")
    try:
        key = ingest_key(settings)
    except KeyRefused as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    _landing_warnings(settings, plan)

    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.instance import (
        ensure_dagster_home,
        execute_with_origin,
        open_instance,
        reap_dead_runs,
        runner_tags,
    )

    ensure_manifest()
    home = ensure_dagster_home(settings.dagster_home)
    # The quality checks need Great Expectations, a 3 s import: do it on the side while this
    # process waits on DuckDB and the dbt subprocess, not in the checks' own time.
    threading.Thread(target=_import_great_expectations, daemon=True).start()

    from dagster import AssetCheckSeverity
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from orchestration.definitions import defs
    from orchestration.defs.ingest import REKEY_TAG
    from orchestration.defs.partitions import year_la_range

    instance = open_instance(home)
    for run_id in reap_dead_runs(instance):
        print(f"run {run_id} was left running by a cssd process that is gone: marked failed", file=sys.stderr)
    # Failures are printed below, once and readably; --verbose shows the run's own log.
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL" if not verbose else "INFO"}}}}
    process = runner_tags()  # which process runs them: a run left by a killed process is found and failed

    rejected: list[str] = []  # "census year LA" of the returns that failed validation (not stored)

    def run(job_name: str, span: str, tags: dict[str, str], returns_may_fail: bool = False) -> bool:
        """Run the job; True if it succeeded. ``returns_may_fail`` (an ingestion): a run whose only
        failure is returns that failed validation counts as done (those returns go in ``rejected``)."""
        job = defs.resolve_job_def(job_name)
        run_tags = {"cssd/years": span, **process, **tags}
        if verbose:
            result = execute_with_origin(job, instance, run_config=quiet, tags=run_tags, raise_on_error=False)
        else:
            # dagster-dbt echoes every line of dbt's log to stdout (hundreds a build): kept for a failure
            with _run_output_kept() as kept:
                result = execute_with_origin(job, instance, run_config=quiet, tags=run_tags, raise_on_error=False)
            if not result.success:
                tail = kept.getvalue().splitlines()[-40:]
                if tail:
                    print(f"{job_name}: the last lines of dbt's output (--verbose shows all of it):", file=sys.stderr)
                    print("\n".join(tail), file=sys.stderr)
        failed_checks = [
            ev
            for ev in result.get_asset_check_evaluations()
            if not ev.passed and ev.severity == AssetCheckSeverity.ERROR
        ]
        for ev in result.get_asset_check_evaluations():
            if not ev.passed and ev.severity != AssetCheckSeverity.ERROR:
                print(f"WARNING check {ev.asset_key.to_user_string()}:{ev.check_name} did not pass", file=sys.stderr)
        invalid_only = returns_may_fail and not result.success
        for event in result.all_events:
            if event.is_step_failure:
                user = event.step_failure_data.user_failure_data
                listed = user.metadata.get("failed_return_list") if user else None
                if returns_may_fail and listed is not None:
                    rejected.extend(line for line in listed.value.splitlines() if line)
                    err = event.step_failure_data.error
                    print(f"RETURNS NOT STORED: {err.message if err else ''}", file=sys.stderr)
                    continue  # listed again at the end, with where each LA's figures come from
                invalid_only = False
                err = event.step_failure_data.error
                print(f"FAILED {event.step_key}: {err.message if err else ''}", file=sys.stderr)
        for ev in failed_checks:
            print(f"CHECK FAILED {ev.asset_key.to_user_string()}:{ev.check_name}", file=sys.stderr)
        if invalid_only and not failed_checks:
            return True
        ok = result.success and not failed_checks
        if not ok:
            print(f"{command}: {job_name} run {result.run_id} failed; see it in the Dagster UI", file=sys.stderr)
        return ok

    marker, seeds_digest = seed_marker(settings)
    if marker.exists() and marker.read_text() == seeds_digest and seeds_in_warehouse(settings):
        pass  # the seeds in the warehouse are these seeds: no need to load them again
    elif not run("reference_build", "reference", {}):
        return 1
    else:
        marker.write_text(seeds_digest)
    failed = []
    started = {}

    def ingest(census, years) -> bool:
        started[census] = time.monotonic()
        span = f"{years[0].label}:{years[-1].label}"
        first, last = year_la_range(years[0], years[-1])
        tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
        if run(f"{census}_ingest", span, {**tags, **({REKEY_TAG: "1"} if rekey else {})}, returns_may_fail=not rekey):
            return True
        print(
            f"{command}: {census.upper()} returns were not ingested; nothing of {census.upper()} was published. "
            f"Validation reports are under {settings.output_dir}/<year>/validation/{census}/",
            file=sys.stderr,
        )
        failed.append(census)
        return False

    def transform(census, years) -> None:
        span = f"{years[0].label}:{years[-1].label}"
        tags = {ASSET_PARTITION_RANGE_START_TAG: years[0].label, ASSET_PARTITION_RANGE_END_TAG: years[-1].label}
        if not run(f"{census}_transform", span, tags):
            failed.append(census)
            return
        print(
            f"built {census.upper()} {span} ({len(years)} years): ingestion in one run, dbt and the published "
            f"tables in one run, in {time.monotonic() - started[census]:.0f}s",
            flush=True,
        )

    if rekey:
        for census, years in plan:
            ingest(census, years)
        left = _returns_not_under(settings, key)
        if failed or left:
            for census, year, la in left:
                print(f"{command}: {census} {year} {la} is still stored under another key", file=sys.stderr)
            print(
                f"{command}: not every stored return was re-ingested with the new key, so nothing was published; "
                "fix the returns listed (their validation reports say why) and run it again. Until then "
                "cssd build refuses to ingest.",
                file=sys.stderr,
            )
            return 1
        for census, years in plan:
            transform(census, years)
    else:
        for census, years in plan:
            if ingest(census, years):  # else the other census is still validated (and built, from what is stored)
                transform(census, years)
    if not run("submission_status_job", "all", {}):
        failed.append("submission status")
    _report_rejected(settings, rejected, strict)
    built = sorted({y for census, years in plan if census not in failed for y in years})
    if built:
        release_started = time.monotonic()
        span = f"{built[0].label}:{built[-1].label}"
        tags = {ASSET_PARTITION_RANGE_START_TAG: built[0].label, ASSET_PARTITION_RANGE_END_TAG: built[-1].label}
        if run("release", span, tags):
            print(
                f"release {span}: workbooks, release.html and manifest.json for {len(built)} year(s) in "
                f"{time.monotonic() - release_started:.0f}s; outputs under {settings.output_dir}",
                flush=True,
            )
        else:
            failed.append("release")
    return 1 if failed or (strict and rejected) else 0


def _report_rejected(settings, rejected: "list[str]", strict: bool) -> None:
    """List the returns that failed validation, each with where its LA's figures come from (the
    submission status written by the build: output/<year>/validation/submissions.csv)."""
    import csv

    if not rejected:
        return
    notes = {}
    for year in sorted({line.split()[1] for line in rejected}):
        path = settings.output_dir / year / "validation" / "submissions.csv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as f:
                for r in csv.DictReader(f):
                    notes.setdefault(f"{r['census']} {r['year']} {r['la_code']}", r["figures_from_en"])
    print(
        f"{len(rejected)} return(s) failed validation and were not stored"
        + ("; --strict: the build exits 1" if strict else "; everything else is built and released")
        + ":",
        file=sys.stderr,
    )
    for line in sorted(set(rejected)):
        census, year, la = line.split()
        report = settings.output_dir / year / "validation" / census / f"{la}.html"
        print(f"  {census.upper()} {year} {la}: {notes.get(line, 'not stored')} (report: {report})", file=sys.stderr)


def _import_great_expectations() -> None:
    import contextlib

    with contextlib.suppress(Exception):  # the checks import it again and report any error themselves
        import great_expectations  # noqa: F401


def _stored_returns(settings) -> "list[tuple[str, str, str, str | None]]":
    """(census, year, LA, key fingerprint) of every return stored in the warehouse."""
    from orchestration.defs.resources import build_resources

    if settings.warehouse_target == "duckdb" and not settings.warehouse.exists():
        return []
    con = build_resources()["warehouse"].connect(read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'ingested_files'"
        ).fetchone()[0]
        if not exists:
            return []
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'ingested_files'"
            ).fetchall()
        }
        fingerprint = "key_fingerprint" if "key_fingerprint" in columns else "cast(null as varchar)"
        return [
            tuple(r)
            for r in con.execute(
                f"select distinct census, year, la_code, {fingerprint} from raw.ingested_files order by 1, 2, 3"
            ).fetchall()
        ]
    finally:
        con.close()


def _returns_not_under(settings, key: bytes) -> list[tuple[str, str, str]]:
    """Stored returns whose pseudonyms were not made with ``key`` (or whose key was not recorded)."""
    from orchestration.lib.keys import key_fingerprint

    fingerprint = key_fingerprint(key)
    return sorted({(c, y, la) for c, y, la, fp in _stored_returns(settings) if fp != fingerprint})


def _rekey(args: argparse.Namespace) -> int:
    """Re-ingest every stored return with the key now in CSSD_PSEUDONYM_KEY, then rebuild and re-release;
    with --identity, re-encrypt the identity store under CSSD_IDENTITY_KEY instead (lib/identity.py)."""
    if getattr(args, "identity", False):
        from orchestration.lib.identity import rekey_command

        return rekey_command()
    from orchestration.lib.keys import KeyRefused, ingest_key, key_fingerprint
    from orchestration.lib.readers import return_files
    from orchestration.lib.years import CollectionYear
    from orchestration.settings import load_settings

    settings = load_settings()
    try:
        key = ingest_key(settings)
    except KeyRefused as exc:
        print(f"cssd rekey: {exc}", file=sys.stderr)
        return 2
    stored = _stored_returns(settings)
    if not stored:
        print("cssd rekey: the warehouse holds no returns: nothing to re-key (use cssd build)", file=sys.stderr)
        return 2
    missing = sorted({(c, y, la) for c, y, la, _ in stored if not return_files(settings.landing_dir / c / y / la)})
    if missing:
        for census, year, la in missing:
            print(f"cssd rekey: {census}/{year}/{la} is stored but not in the landing folder", file=sys.stderr)
        print(
            "cssd rekey: every stored return must be re-ingested from its landing files, or its rows would keep "
            "pseudonyms made with the old key: put those returns back in the landing folder and run it again. "
            "Nothing was changed.",
            file=sys.stderr,
        )
        return 2
    plan = []
    for census in ("cla", "crcs"):
        labels = sorted({y for c, y, _, _ in stored if c == census})
        if labels:
            first, last = CollectionYear.parse(labels[0]), CollectionYear.parse(labels[-1])
            plan.append((census, [y for y in settings.years(census) if first <= y <= last]))
    before = len(_returns_not_under(settings, key))
    print(
        f"cssd rekey: {len(stored)} stored return(s), {before} of them under another key; re-ingesting all of "
        f"them with the key of fingerprint {key_fingerprint(key)}, then rebuilding "
        + ", ".join(f"{c.upper()} {y[0].label}:{y[-1].label}" for c, y in plan),
        flush=True,
    )
    code = _run_plan(settings, plan, verbose=args.verbose, rekey=True)
    if code == 0:
        print(f"cssd rekey: every stored return is pseudonymised with the key of fingerprint {key_fingerprint(key)}")
    return code


@contextlib.contextmanager
def _run_output_kept():
    """Keep what a run writes to stdout (dagster-dbt's echo of dbt's log) and the INFO lines of
    Dagster's own loggers off the terminal; yields the kept output."""
    import io

    kept = io.StringIO()
    noisy = [logging.getLogger(name) for name in ("dagster.builtin", "dagster_dbt")]
    levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(kept):
            yield kept
    finally:
        for logger, level in zip(noisy, levels, strict=True):
            logger.setLevel(level)


def seeds_hash() -> str:
    """A hash of every seed file and reference model: the reference data the warehouse must hold."""
    import hashlib

    from orchestration.paths import DBT_PROJECT_DIR, SEEDS_DIR

    h = hashlib.sha256()
    for path in sorted(SEEDS_DIR.rglob("*")):
        if path.is_file():
            h.update(f"{path.relative_to(SEEDS_DIR)}\n".encode())
            h.update(path.read_bytes())
    # the models built with the seeds (dbt tag `reference`: dim_local_authority)
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.sql")):
        text = path.read_bytes()
        if b"tags=['reference']" in text:
            h.update(f"{path.name}\n".encode() + text)
    return h.hexdigest()


def seed_marker(settings) -> "tuple[Path, str]":
    """The file that records which seeds were loaded into which warehouse, and what it must hold for
    `cssd build` to skip loading them again."""
    return settings.dagster_home / "reference_seeds.sha256", f"{seeds_hash()}:{warehouse_identity(settings)}"


def warehouse_identity(settings) -> str:
    """The warehouse the seeds were loaded into, for the seed marker: the DuckDB file, or the
    PostgreSQL server and database (no password)."""
    if settings.warehouse_target == "postgres":
        return f"postgres:{settings.postgres.describe()}"
    return f"duckdb:{settings.warehouse}"


def seeds_in_warehouse(settings) -> bool:
    """Whether the warehouse holds a table for every seed (the marker alone cannot tell: the file or
    the database may have been replaced since). DuckDB: the file exists (opening it would wait for a
    writer). PostgreSQL: every seed's table is in the `reference` schema; False if the server
    cannot be asked (reference_build then reports why)."""
    if settings.warehouse_target != "postgres":
        return settings.warehouse.exists()
    from orchestration.lib.warehouse import connect_postgres
    from orchestration.paths import SEEDS_DIR

    wanted = {path.stem for path in SEEDS_DIR.rglob("*.csv")}
    try:
        con = connect_postgres(settings.postgres.connect_kwargs())
    except Exception:  # psycopg2.OperationalError: the build's own connection will say what is wrong
        return False
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", ["reference"]
            ).fetchall()
        }
    finally:
        con.close()
    return wanted <= present


def _infer_return(path, census_arg, year_arg, la_arg):
    """Census, year and LA of a return from its path (…/<census>/<year>/<gss>/[submission.xlsx])."""
    from orchestration.lib.years import CollectionYear

    folder = path.parent if path.is_file() else path
    parts = folder.resolve().parts
    la = la_arg or (parts[-1] if parts and parts[-1].upper().startswith("W") else None)
    year = CollectionYear.parse(year_arg) if year_arg else None
    if year is None and len(parts) >= 2:
        try:
            year = CollectionYear.parse(parts[-2])
        except YearError:
            year = None
    census = census_arg or (parts[-3] if len(parts) >= 3 and parts[-3] in ("cla", "crcs") else "cla")
    if year is None:
        raise YearError(f"cannot tell the collection year from {Path(path)}: pass --year, e.g. --year 2019-20")
    return census, year, la or "UNKNOWN"


def _validate(args: argparse.Namespace) -> int:
    """Check one LA's return with no warehouse and no Dagster; exit 1 if any error-severity rule fails.

    Imports only the validator (orchestration.lib.validator): it runs on the small install."""
    from collections import Counter

    from orchestration.lib.outputs.validation_report import report_rows, write_la_report
    from orchestration.lib.validator.run import validate, write_report
    from orchestration.lib.validator.selection import UnknownRules

    path = Path(args.path)
    if not path.exists():
        print(f"cssd validate: {path} does not exist", file=sys.stderr)
        return 2
    previous = Path(args.previous) if args.previous else None
    if previous is not None and not previous.exists():
        print(f"cssd validate: --previous {previous} does not exist", file=sys.stderr)
        return 2
    census, year, la = _infer_return(path, args.census, args.year, args.la)
    year.era(census)
    started = time.monotonic()
    try:
        # Nothing is stored, so nothing is pseudonymised (no key).
        done = validate(path, census, year, la, None, args.rules, args.skip, previous, args.lang)
    except UnknownRules as exc:
        print(f"cssd validate: {exc}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - started
    result, report = done.result, done.report
    rows = report_rows(result.issues)
    counts = Counter(r["severity"] for r in rows)
    print(
        f"{census.upper()} return {year.label} ({year.era(census).name} era), {la}: "
        f"{counts['error']} error(s), {counts['warning']} warning(s) [{elapsed:.1f}s]"
        + (f"; {len(report.rules_run)} of {report.rules_total} rules run" if report.selection else "")
    )
    # The terminal never shows a child id (it may be logged): file, row and field, as the central report.
    for f in sorted(report.findings, key=lambda f: (f.severity != "error", f.file, f.row or 0, f.rule))[: args.limit]:
        where = f.file + (f" row {f.row}" if f.row else "") + (f", field {f.field}" if f.field else "")
        print(f"  {f.severity.upper():7} {f.rule:9} {where}: {f.message}")
    if len(rows) > args.limit:
        print(f"  … and {len(rows) - args.limit} more (use --report to write them all)")
    if args.report_dir:
        paths = write_la_report(Path(args.report_dir), la, f"{census.upper()} return {year.label}: {la}", result.issues)
        print("report: " + ", ".join(str(p) for p in paths))
    if args.report:
        paths = write_report(report, Path(args.report))
        print("report for fixing (it shows your own child ids: keep it on your machine): " + ", ".join(map(str, paths)))
    return 1 if result.errors else 0


def _rules(args: argparse.Namespace) -> int:
    """The rule pack as data: id, severity, table, fields, eras, message, description."""
    from orchestration.lib.validator.selection import CENSUSES, render_rules, rule_records

    censuses = CENSUSES if args.census == "all" else (args.census,)
    sys.stdout.write(render_rules(rule_records(censuses), args.format))
    return 0


def _demo(args: argparse.Namespace) -> int:
    """The demo: all of Wales, both censuses, every year, then faulty resubmissions that the gates stop."""
    import csv
    from collections import Counter

    from orchestration.settings import load_settings

    # Demo mode: synthetic data, which `cssd generate` marks as such, pseudonymised with the public demo
    # key unless CSSD_PSEUDONYM_KEY is set (orchestration/lib/keys.py).
    os.environ["CSSD_DEMO"] = "1"
    settings = load_settings()
    latest = settings.latest_year
    started = time.monotonic()
    generate = argparse.Namespace(
        census="all", years="all", seed=args.seed, scale=1.0, las=None, faults=None, faults_only=False, verbose=False
    )
    steps = [
        ("generate synthetic CLA and CRCS returns for all 22 LAs, every year", generate, _generate),
        (
            "build every year of both censuses",
            argparse.Namespace(census="all", years="all", verbose=False, demo=True),
            _build,
        ),
    ]
    for title, ns, fn in steps:
        print(f"== cssd demo: {title}", flush=True)
        if fn(ns) != 0:
            print(f"cssd demo: '{title}' failed", file=sys.stderr)
            return 1
    built = time.monotonic() - started
    faults = {census: parse_faults("default", census) for census in ("cla", "crcs")}
    print(
        f"== cssd demo: LAs resubmit {latest.label} with faults: "
        + "; ".join(f"{c.upper()} {la}: {', '.join(r)}" for c, f in faults.items() for la, r in f.items()),
        flush=True,
    )
    for census in faults:
        for line in _inject(settings.landing_dir, census, latest, "default", args.seed):
            print("   " + line)
    rebuilt = _build(argparse.Namespace(census="all", years=latest.label, verbose=False))
    failed = []
    for census, by_la in faults.items():
        report_dir = settings.output_dir / latest.label / "validation" / census
        for la in sorted(by_la):
            with (report_dir / f"{la}.csv").open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            errors = Counter(r["rule_id"] for r in rows if r["severity"] == "error")
            warnings = Counter(r["rule_id"] for r in rows if r["severity"] == "warning")
            if errors:
                failed.append((census, la))
            print(
                f"   {census.upper()} {la}: {sum(errors.values())} error(s) {dict(errors)}, "
                f"{sum(warnings.values())} warning(s) {dict(warnings)} -> {report_dir / (la + '.html')}"
            )
    if {census for census, _ in failed} != set(faults):  # each census has a resubmission with errors
        print("cssd demo: the faulty resubmissions passed validation: a gate is broken", file=sys.stderr)
        return 1
    if rebuilt != 0:
        print("cssd demo: the rebuild after the faulty resubmissions failed", file=sys.stderr)
        return 1
    if failed:
        print(
            f"== cssd demo: as expected, {len(failed)} resubmission(s) failed validation and were not stored; "
            f"the data from their earlier good returns stays in place and {latest.label} stays published from it. "
            f"Wales summaries: {settings.output_dir / latest.label / 'validation'}/<census>/summary.html"
        )
    print(f"== cssd demo: both censuses, every year, built in {built:.0f}s", flush=True)
    print("== cssd demo: Wales totals against published figures", flush=True)
    return _headlines(argparse.Namespace(census="all"))


def _headlines(args: argparse.Namespace) -> int:
    """Wales figures in the written files against the published figures (reference/published_headlines.csv)."""
    from orchestration.lib.headlines import compare
    from orchestration.settings import load_settings

    settings = load_settings()
    rows, unmatched = compare(settings.output_dir, set(_censuses(args.census)))
    if not rows:
        print(f"no published table files under {settings.output_dir}: run `cssd build` first", file=sys.stderr)
        return 1
    print(f"{'census':6} {'measure':55} {'year':8} {'cssd':>7} {'published':>10} {'diff %':>7}")
    for r in rows:
        diff = "" if r.diff_percent is None else f"{r.diff_percent:+.2f}"
        note = f"  ({r.note})" if r.note else ""
        print(f"{r.census:6} {r.measure:55} {r.year:8} {r.ours:>7} {r.published:>10g} {diff:>7}{note}")
    for census, measure, reason in unmatched:
        print(f"{census:6} {measure:55} not compared: {reason}")
    worst = max((abs(r.diff_percent) for r in rows if r.diff_percent is not None), default=0.0)
    print(
        f"largest difference from a published figure: {worst:.2f}% "
        "(cssd's figures are after disclosure control: counts rounded to 5)"
    )
    return 0


def _dev(args: argparse.Namespace) -> int:
    """`dagster dev` on 127.0.0.1:3000 with DAGSTER_HOME under the data folder and telemetry off."""
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.instance import ensure_dagster_home, open_instance
    from orchestration.paths import REPO_ROOT
    from orchestration.settings import load_settings

    settings = load_settings()
    ensure_manifest()
    home = ensure_dagster_home(settings.dagster_home)
    from orchestration.instance import reap_dead_runs

    # create its storage now, under the lock a concurrent `cssd build` also takes; and fail the runs of a
    # killed `cssd build`, which would otherwise hold the run queue and the warehouse pool for ever
    for run_id in reap_dead_runs(open_instance(home)):
        print(f"run {run_id} was left running by a cssd process that is gone: marked failed")
    bin_dir = os.path.dirname(sys.executable)  # dagster-dbt looks for `dbt` on PATH under dagster dev
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }
    # `dagster dev` warns on every start that it is "superseded" by `dg dev` (another CLI, not installed here)
    quiet = "ignore:Function `dev_command` is superseded"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS", ""), quiet]))
    if demo_landing(settings):
        env["CSSD_DEMO"] = "1"
        print(f"demo mode: {settings.landing_dir} holds synthetic returns made by cssd generate (public demo key)")
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    cmd = [dagster, "dev", "-h", args.host, "-p", str(args.port), "-w", str(REPO_ROOT / "workspace.yaml")]
    print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={home})", flush=True)
    return _run_until_signalled(cmd, env, REPO_ROOT)


def demo_landing(settings) -> bool:
    """`cssd dev` on a data folder that `cssd generate` made (its landing folder marked synthetic) and no
    key set: demo mode, as `cssd demo` that made it, without the user having to say CSSD_DEMO=1."""
    from orchestration.lib.keys import is_marked_synthetic

    return not settings.demo and settings.pseudonym_key is None and is_marked_synthetic(settings.landing_dir)


def _run_until_signalled(cmd: "list[str]", env: dict, cwd) -> int:
    """Run ``cmd`` (dagster dev) and stop it cleanly on SIGTERM or SIGINT: dagster dev shuts its webserver,
    daemon and code servers down on SIGINT, but not on SIGTERM (what `kill`, systemd and CI send)."""
    import signal
    import subprocess

    child = subprocess.Popen(cmd, env=env, cwd=cwd)
    stopping: list[float] = []

    def stop(signum, _frame):
        stopping.append(time.monotonic())
        # A Ctrl-C in the terminal reaches dagster dev itself (same process group): not sent twice.
        if signum == signal.SIGTERM and child.poll() is None:
            child.send_signal(signal.SIGINT)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            try:
                code = child.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                # asked twice, or a minute gone since asked: do not wait any longer for a clean shutdown
                if stopping and (len(stopping) > 1 or time.monotonic() - stopping[0] > 60):
                    child.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else code


def _lib_command(module: str, args: argparse.Namespace) -> int:
    """A command whose whole logic is ``command(settings, args)`` of a lib module."""
    import importlib

    from orchestration.settings import load_settings

    return importlib.import_module(module).command(load_settings(), args)


def _translations(args: argparse.Namespace) -> int:
    """cssd translations export [FILE] / import FILE (lib/translations)."""
    from orchestration.lib import translations

    if args.action == "export":
        data = translations.export_csv(translations.export_rows())
        if args.file:
            Path(args.file).write_bytes(data)
            print(f"wrote {len(translations.export_rows())} draft Welsh texts to {args.file}")
        else:
            sys.stdout.write(data.decode("utf-8"))
        return 0
    if not args.file:
        print("cssd translations import: give the translator's file", file=sys.stderr)
        return 2
    try:
        changed = translations.import_file(Path(args.file))
    except (translations.ImportRefused, OSError) as exc:
        print(f"cssd translations import: refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    print(f"took {changed} Welsh texts from {args.file} into {translations.CATALOGUE_PATH.name}")
    counts = translations.status_counts()
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 0


def _statswales_check(args: argparse.Namespace) -> int:
    """cssd statswales-check: the StatsWales upload contract over every released year and dataset."""
    from orchestration.lib.statswales_check import check_output, errors
    from orchestration.settings import load_settings

    output_dir = Path(args.output) if args.output else load_settings().output_dir
    years = args.years.split(",") if args.years else None
    findings = check_output(output_dir, years)
    for f in findings[: args.limit]:
        print(f)
    bad = errors(findings)
    print(f"{len(bad)} errors, {len(findings) - len(bad)} warnings in {output_dir}")
    return 1 if bad else 0


def main(argv: "list[str] | None" = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Dagster flags the parameters it still calls beta (backfill_policy…) on every import: not news
    # for a statistician reading the output.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    parser = argparse.ArgumentParser(prog="cssd", description="Children's social services statistics for Wales")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic LA returns into <data>/landing")
    gen.add_argument("--census", choices=["cla", "crcs", "all"], required=True)
    gen.add_argument("--years", required=True, help="FIRST:LAST, e.g. 2002-03:2025-26")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = all of Wales)")
    gen.add_argument("--verbose", action="store_true")
    gen.add_argument("--las", help="comma-separated GSS codes (default: all 22 LAs)")
    gen.add_argument(
        "--faults",
        help="inject rule violations into the last year: 'default' (the demo's) or LA:RULE[,RULE][;LA:RULE…]",
    )
    gen.add_argument("--faults-only", action="store_true", help="inject faults into existing files; generate nothing")
    gen.set_defaults(func=_generate)

    build = sub.add_parser("build", help="materialise everything for a range of years in one run")
    build.add_argument("--census", choices=["cla", "crcs", "all"], required=True)
    build.add_argument("--years", required=True, help="FIRST:LAST, e.g. 2014-15:2017-18")
    build.add_argument("--verbose", action="store_true", help="show the run's log")
    build.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any return failed validation (by default such returns are listed, not stored, and "
        "everything else is built and released: exit 0)",
    )
    build.set_defaults(func=_build)

    rekey = sub.add_parser(
        "rekey",
        help="after changing CSSD_PSEUDONYM_KEY: re-ingest every stored return with the new key, rebuild, re-release",
    )
    rekey.add_argument("--verbose", action="store_true", help="show the runs' log")
    rekey.add_argument(
        "--identity",
        action="store_true",
        help="after changing CSSD_IDENTITY_KEY: re-encrypt the identity store (old key in CSSD_IDENTITY_KEY_PREVIOUS)",
    )
    rekey.set_defaults(func=_rekey)

    ext = sub.add_parser("extract", help="a research extract in two parts: identifiers and content (docs/research.md)")
    ext.add_argument("--for", dest="purpose", required=True, help="research")
    ext.add_argument("--census", required=True, help="cla, crcs or cla,crcs")
    ext.add_argument("--years", required=True, help="FIRST:LAST, e.g. 2019-20:2023-24")
    ext.add_argument("--out", required=True, help="a new folder: identifiers/ and content/ are written in it")
    ext.set_defaults(func=lambda a: _lib_command("orchestration.lib.extract", a))

    ret = sub.add_parser("retention", help="what the retention periods delete (landing files, identities, raw rows)")
    ret.add_argument("--apply", action="store_true", help="delete it, and log every deletion (default: only list)")
    ret.set_defaults(func=lambda a: _lib_command("orchestration.lib.retention", a))

    val = sub.add_parser("validate", help="check one LA's return (folder or workbook) before submitting it")
    val.add_argument("path", help="the LA folder (…/<year>/<gss>/) or its submission.xlsx")
    val.add_argument("--year", help="collection year, if the path does not say it (e.g. 2019-20)")
    val.add_argument("--la", help="the LA's GSS code, if the path does not say it")
    val.add_argument("--census", choices=["cla", "crcs"], help="default: from the path, else cla")
    val.add_argument("--report-dir", help="also write <gss>.csv and <gss>.html there (no child ids, as the platform's)")
    val.add_argument(
        "--report", help="write the report for fixing there: HTML and XLSX, by child, with your own child ids"
    )
    val.add_argument("--rules", help="run only these rules: ID,ID,… (file checks always run)")
    val.add_argument("--skip", help="do not run these rules: ID,ID,…")
    val.add_argument("--previous", help="the LA's last accepted return (folder or workbook), to compare with")
    val.add_argument("--lang", choices=["en", "cy"], default="en", help="language of the messages and report")
    val.add_argument("--limit", type=int, default=200, help="issues to print (default 200)")
    val.set_defaults(func=_validate)

    rules = sub.add_parser("rules", help="list the validation rules (for LAs and software suppliers)")
    rules.add_argument("--census", choices=["cla", "crcs", "all"], default="all")
    rules.add_argument("--format", choices=["csv", "json", "md"], default="csv")
    rules.set_defaults(func=_rules)

    head = sub.add_parser("headlines", help="Wales totals in the outputs against published figures")
    head.add_argument("--census", choices=["cla", "crcs", "all"], default="all")
    head.set_defaults(func=_headlines)

    demo = sub.add_parser("demo", help="make demo: generate, build both censuses, then faulty resubmissions")
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(func=_demo)

    sign = sub.add_parser("signoff", help="sign a year's release off, accepting each QA finding with a reason")
    sign.add_argument("year", help="the collection year, e.g. 2024-25")
    sign.add_argument("--by", help="the statistician signing off")
    sign.add_argument("--note", help="a note kept with the sign-off")
    sign.add_argument(
        "--accept",
        action="append",
        metavar='CHECK:AREA="reason"',
        help="accept every finding of CHECK in AREA (GSS code) with a reason; once per open finding",
    )
    sign.add_argument("--accept-file", help="a CSV file (check,area_code,reason) of accepted findings")
    sign.add_argument("--status", action="store_true", help="only say whether the year is signed off, or stale")
    sign.set_defaults(func=_signoff)

    tr = sub.add_parser(
        "translations", help="Welsh texts: export the drafts for translation, import a translator's file"
    )
    tr.add_argument("action", choices=["export", "import"])
    tr.add_argument("file", nargs="?", help="export: where to write (default: standard output); import: the file")
    tr.set_defaults(func=_translations)

    swc = sub.add_parser("statswales-check", help="check every StatsWales file against the upload contract")
    swc.add_argument("--output", help="the output folder (default: <data>/output)")
    swc.add_argument("--years", help="comma-separated years to check (default: all; datasets always)")
    swc.add_argument("--limit", type=int, default=50, help="findings to print (default 50)")
    swc.set_defaults(func=_statswales_check)

    dev = sub.add_parser("dev", help="run the Dagster UI (dagster dev)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(func=_dev)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except YearError as exc:
        print(f"cssd: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
