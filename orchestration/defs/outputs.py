"""Output assets: the files people read, under <data>/output/<year>/."""

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
from orchestration.defs.partitions import YEARS, years_of
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.outputs.statswales import write_long_csv
from orchestration.lib.publication import TABLES, read_publication_table, statswales_path, verify_statswales_file


def _statswales_asset(table_id: str):
    spec = TABLES[table_id]
    partitions_def = YEARS[spec.census]

    @asset(
        name=f"statswales_{table_id}",
        deps=[AssetKey(f"pub_{table_id}")],
        group_name="outputs",
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"csv"},
        check_specs=[
            AssetCheckSpec(
                name="file_reads_back",
                asset=f"statswales_{table_id}",
                blocking=True,
                description="Each written file reads back with the long-format header, every area and "
                "every key, and a value or a note code in every cell.",
            )
        ],
        description=f"{table_id.upper()} — {spec.title}: StatsWales long fact table "
        f"<data>/output/<year>/statswales/{table_id}.csv. Unrounded until disclosure control lands.",
    )
    def _write(context: AssetExecutionContext, warehouse: WarehouseResource):
        years = years_of(context.partition_key_range, partitions_def)
        con = warehouse.connect(read_only=True)
        try:
            frame = read_publication_table(con, table_id, [y.label for y in years])
        finally:
            con.close()
        written: list[str] = []
        problems: list[str] = []
        for year in years:
            part = frame[frame["year"] == year.label]
            path = statswales_path(SETTINGS.output_dir, year.label, table_id)
            if part.empty:
                problems.append(f"{year.label}: pub_{table_id} has no rows")
                continue
            write_long_csv(path, part, spec.dimensions)
            written.append(str(path))
            problems += [f"{year.label}: {p}" for p in verify_statswales_file(path, table_id, year.label)]
        return MaterializeResult(
            metadata={
                "files": MetadataValue.int(len(written)),
                "rows_per_file": MetadataValue.int(int(len(frame) / max(len(years), 1))),
                "last_file": MetadataValue.path(written[-1] if written else ""),
                "disclosure_control": MetadataValue.text("none yet: values are unrounded"),
            },
            check_results=[
                AssetCheckResult(
                    check_name="file_reads_back",
                    passed=not problems,
                    metadata={"problems": MetadataValue.text("\n".join(problems[:50]) or "none")},
                )
            ],
        )

    return _write


STATSWALES = {
    census: [_statswales_asset(t) for t, spec in TABLES.items() if spec.census == census] for census in ("cla", "crcs")
}
STATSWALES_CLA = STATSWALES["cla"]
STATSWALES_CRCS = STATSWALES["crcs"]
