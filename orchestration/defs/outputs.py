"""Output assets: the files people read, under <data>/output/<year>/.

``published_<table>`` applies disclosure control to pub_<table> (the policy in CSSD_DISCLOSURE),
marks provisional years [p] and revised cells [r], and stages statswales/<table>.csv under
output/.staging/<year>/. Its blocking checks: the disclosure audit (linear programming: no
suppressed cell can be recovered), the publication suite (Great Expectations), the file read back
and the StatsWales upload contract (lib/statswales_check.py).

``release_files`` makes a year's release of its staged tables: StatsWales lookups, the ODS and XLSX
workbooks and release.html in English and Welsh, revisions.csv, qa/findings.csv and .html (the QA
findings of the plausibility checks), manifest.json (+ run_record.json) and output_checking.csv, written
into a new release folder and swapped in whole as output/<year>/
(orchestration/lib/outputs/release_store.py); then the all-years StatsWales datasets
(output/statswales/<table>/). Its blocking checks: the release reads back, and every StatsWales file
of the year and every all-years dataset obeys the upload contract. A release waits for a
statistician's sign-off (cssd signoff; orchestration/lib/signoff.py): the annual build stops there.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.context import SETTINGS
from orchestration.defs.partitions import YEARS, cla_years, years_of
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import release
from orchestration.lib.disclosure import apply_policy, check_publishable
from orchestration.lib.expectations import run_suite
from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.release_store import output_lock, recover, staging_dir
from orchestration.lib.outputs.statswales import to_long_csv
from orchestration.lib.publication import TABLES, read_publication_table, verify_statswales_file
from orchestration.lib.statswales_check import check_data_file, errors


def lookups_in_memory(table_id: str) -> dict:
    """The lookups a table's file is published with (name -> refcode -> row), as release_files writes them."""
    from orchestration.lib.outputs.lookups import lookup_rows

    return {name: {r["refcode"]: r for r in rows} for name, rows in lookup_rows(table_id).items()}


def publish_year_frame(frame, table_id: str, year, policy: str, provisional: bool, year_dir):
    """Disclosure control, [p] and [r] on one year of one table: (published frame, audit, revisions).

    ``year_dir`` is the year's current release (``output/<year>``), whose baseline marks revisions."""
    result = apply_policy(frame, table_id, policy)
    published = result.frame
    if provisional:
        published = release.with_note(published, "[p]")
    baseline_path = year_dir / release.BASELINE_DIR / f"{table_id}.csv"
    baseline = release.read_published_csv(baseline_path) if baseline_path.exists() else None
    published, revisions = release.mark_revisions(published, baseline, table_id)
    return published, result.audit, revisions


def _published_asset(table_id: str):
    spec = TABLES[table_id]
    partitions_def = YEARS[spec.census]
    name = f"published_{table_id}"

    @asset(
        name=name,
        deps=[AssetKey(f"pub_{table_id}")],
        group_name="outputs",
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"csv"},
        check_specs=[
            AssetCheckSpec(
                name="disclosure_audit",
                asset=name,
                blocking=True,
                description="Linear programming over the published cells and margins: every suppressed cell's "
                "feasible interval is wider than the policy's protection level (docs/disclosure.md).",
            ),
            AssetCheckSpec(
                name="ge_publication",
                asset=name,
                blocking=True,
                description="Great Expectations suite expectations/publication.json: counts multiples of 5 or a "
                "note code (round5), no count 1-4, same shape every year, note codes from the spec's set, value "
                "empty exactly when hidden, no column that could hold personal data.",
            ),
            AssetCheckSpec(
                name="file_reads_back",
                asset=name,
                blocking=True,
                description="Each written file reads back with the long-format header, every area and "
                "every key, and a value or a note code in every cell.",
            ),
            AssetCheckSpec(
                name="statswales_conformance",
                asset=name,
                blocking=True,
                description="Each written file obeys the StatsWales upload contract (spec/statswales.md): one "
                "line-ending style, header format, key unique and complete, values plain numbers or empty, note "
                "codes bare, valid and in order (t on totals), every code in its lookup in both languages.",
            ),
        ],
        description=f"{table_id.upper()} — {spec.title}: disclosure control applied (CSSD_DISCLOSURE, default "
        f"round5), [p]/[r] notes; staged as DATA/output/.staging/YEAR/statswales/{table_id}.csv, released "
        "with the year's release (release_files).",
    )
    def _publish(context: AssetExecutionContext, warehouse: WarehouseResource):
        policy = SETTINGS.disclosure_policy
        years = years_of(context.partition_key_range, partitions_def)
        con = warehouse.connect(read_only=True)
        try:
            frame = read_publication_table(con, table_id, [y.label for y in years])
        finally:
            con.close()
        problems: list[str] = []
        audit_failures: list[str] = []
        suite_failures: list[str] = []
        conformance: list[str] = []
        suppressed = 0
        written = []
        for year in years:
            part = frame[frame["year"] == year.label].reset_index(drop=True)
            if part.empty:
                problems.append(f"{year.label}: pub_{table_id} has no rows")
                continue
            provisional = SETTINGS.is_provisional(year)
            # Staged, not yet released: the release job swaps the year's whole set in (release_store.py).
            staged = staging_dir(SETTINGS.output_dir, year.label)
            with output_lock(SETTINGS.output_dir):
                current = recover(SETTINGS.output_dir, year.label) or staged / "no-release-yet"
                published, audit, revisions = publish_year_frame(part, table_id, year, policy, provisional, current)
                data = to_long_csv(published, spec.dimensions)
                path = staged / "statswales" / f"{table_id}.csv"
                write_bytes_atomic(path, data)
                revisions_path = staged / release.REVISIONS_DIR / f"{table_id}.csv"
                write_bytes_atomic(revisions_path, release.revisions_csv(revisions))
            written.append(str(path))
            read_back = verify_statswales_file(path, table_id, year.label)
            problems += [f"{year.label}: {p}" for p in read_back]
            contract = [str(f) for f in errors(check_data_file(path, lookups_in_memory(table_id), table_id,
                                                               f"{year.label}/statswales/{table_id}.csv"))]  # fmt: skip
            conformance += contract
            as_written = release.read_published_csv(path)
            rules = check_publishable(as_written, table_id, policy)
            gate_frame, params = release.publication_gate_frame(as_written, table_id, policy)
            suite = run_suite("publication", gate_frame, params)
            if not audit.passed:
                audit_failures.append(f"{year.label}: {audit.summary()}")
            if not suite.success or rules:
                suite_failures.append(f"{year.label}: {suite.summary()} {'; '.join(rules[:10])}")
            suppressed += audit.suppressed
            release.write_gates(
                staged,
                table_id,
                {
                    "disclosure_audit": {"passed": audit.passed, "summary": audit.summary(timing=False)},
                    "ge_publication": {"passed": suite.success and not rules, "summary": suite.summary()},
                    "file_reads_back": {"passed": not read_back, "problems": read_back},
                    "statswales_conformance": {"passed": not contract, "errors": contract[:50]},
                    "revised_cells": len(revisions),
                },
            )
        return MaterializeResult(
            metadata={
                "files": MetadataValue.int(len(written)),
                "disclosure_policy": MetadataValue.text(policy),
                "suppressed_cells": MetadataValue.int(suppressed),
                "last_file": MetadataValue.path(written[-1] if written else ""),
            },
            check_results=[
                AssetCheckResult(
                    check_name="disclosure_audit",
                    passed=not audit_failures,
                    metadata={"failures": MetadataValue.text("\n".join(audit_failures[:20]) or "none")},
                ),
                AssetCheckResult(
                    check_name="ge_publication",
                    passed=not suite_failures,
                    metadata={"failures": MetadataValue.text("\n".join(suite_failures[:20]) or "none")},
                ),
                AssetCheckResult(
                    check_name="file_reads_back",
                    passed=not problems,
                    metadata={"problems": MetadataValue.text("\n".join(problems[:50]) or "none")},
                ),
                AssetCheckResult(
                    check_name="statswales_conformance",
                    passed=not conformance,
                    metadata={"errors": MetadataValue.text("\n".join(conformance[:50]) or "none")},
                ),
            ],
        )

    return _publish


PUBLISHED = {
    census: [_published_asset(t) for t, spec in TABLES.items() if spec.census == census] for census in ("cla", "crcs")
}
PUBLISHED_CLA = PUBLISHED["cla"]
PUBLISHED_CRCS = PUBLISHED["crcs"]


@asset(
    name="release_files",
    deps=[AssetKey(f"published_{t}") for t in TABLES],
    group_name="outputs",
    partitions_def=cla_years,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"ods", "xlsx", "html"},
    check_specs=[
        AssetCheckSpec(
            name="release_reads_back",
            asset="release_files",
            blocking=True,
            description="The workbooks (English and Welsh) open with every table's sheet, release.html and "
            "release-cy.html parse with no external reference, set lang and link to each other, and every file "
            "the manifest lists has the hash it records.",
        ),
        AssetCheckSpec(
            name="statswales_conformance",
            asset="release_files",
            blocking=True,
            description="Every StatsWales file of the year (tables and lookups) and every all-years dataset "
            "(output/statswales/TABLE/: data, update and revise files, lookups, metadata.json, translations.csv) "
            "obeys the upload contract (spec/statswales.md). No contact configured is reported as a warning.",
        ),
    ],
    # Descriptions are shown as Markdown/HTML in the UI: no <placeholders> (they vanish as tags); DATA,
    # YEAR and TABLE stand for the data folder, the collection year and the table.
    description="A year's release: StatsWales lookups, RELEASE.ods and .xlsx (GSS spreadsheet guidance) and "
    "release.html in English and Welsh (-cy), revisions.csv, QA findings and manifest.json (with run_record.json), "
    "from the staged published tables of both censuses (CRCS from 2009-10); written into a new folder and swapped "
    "in whole as DATA/output/YEAR/; then the all-years StatsWales datasets, DATA/output/statswales/TABLE/.",
)
def release_files(context: AssetExecutionContext, warehouse: WarehouseResource):
    from orchestration.defs.submissions import year_status
    from orchestration.lib.findings import compute_findings
    from orchestration.lib.release_files import write_release, write_statswales_datasets
    from orchestration.lib.statswales_check import errors as contract_errors
    from orchestration.lib.thresholds import load_thresholds

    years = years_of(context.partition_key_range, cla_years)
    thresholds = load_thresholds(SETTINGS.quality_thresholds)
    con = warehouse.connect(read_only=True)
    try:
        ingested = con.execute(
            "select census, year, la_code, table_name, file, sha256, row_count from raw.ingested_files "
            "where year in (select unnest(?))",
            [[y.label for y in years]],
        ).df()
        findings = compute_findings(con, thresholds, [y.label for y in years])
        status = {y.label: year_status(con, y.label) for y in years}  # which return each LA's figures use
    finally:
        con.close()
    problems: list[str] = []
    signoff_states: dict[str, int] = {}
    contract: list[str] = []
    warnings: list[str] = []
    in_run = tuple(y.label for y in years)
    for year in years:
        landing = ingested[ingested["year"] == year.label].to_dict("records")
        found = findings[findings["year"] == year.label]
        manifest, year_problems = write_release(
            SETTINGS,
            year,
            landing,
            run_id=context.run_id,
            years_in_run=in_run,
            findings=found,
            submissions=status[year.label],
        )
        problems += [f"{year.label}: {p}" for p in year_problems]
        state = manifest.get("signoff", {}).get("status", "not signed off")
        signoff_states[state] = signoff_states.get(state, 0) + 1
        if state != "signed off" and not year_problems:
            # the annual build stops here: a statistician reads the findings and signs the year off
            context.log.info(
                f"{year.label}: released, awaiting sign-off ({len(found)} QA finding(s); sign-off {state}): "
                f"cssd signoff {year.label} --by NAME --note TEXT"
            )
        gate = manifest.get("gates", {}).get("statswales_conformance", {})
        contract += gate.get("errors", [])
        if not year_problems:
            dataset_findings = write_statswales_datasets(SETTINGS, year)
            contract += [str(f) for f in contract_errors(dataset_findings)]
            warnings += sorted({str(f) for f in dataset_findings if f.level == "warning"})
    return MaterializeResult(
        metadata={
            "years": MetadataValue.int(len(years)),
            "policy": MetadataValue.text(SETTINGS.disclosure_policy),
            "qa_findings": MetadataValue.int(len(findings)),
            "awaiting_signoff": MetadataValue.int(sum(n for k, n in signoff_states.items() if k != "signed off")),
            "signed_off": MetadataValue.int(signoff_states.get("signed off", 0)),
        },
        check_results=[
            AssetCheckResult(
                check_name="release_reads_back",
                passed=not problems,
                metadata={"problems": MetadataValue.text("\n".join(problems[:50]) or "none")},
            ),
            AssetCheckResult(
                check_name="statswales_conformance",
                passed=not contract,
                metadata={
                    "errors": MetadataValue.text("\n".join(contract[:50]) or "none"),
                    "warnings": MetadataValue.text("\n".join(sorted(set(warnings))[:20]) or "none"),
                },
            ),
        ],
    )
