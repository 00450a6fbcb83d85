"""Partitions: one per collection year and census, up to the latest year whose 31 March has passed;
raw ingestion is partitioned by collection year × LA, so a resubmission re-runs only its LA."""

from dagster import MultiPartitionKey, MultiPartitionsDefinition, PartitionKeyRange, StaticPartitionsDefinition

from orchestration.defs.context import SETTINGS
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.years import CollectionYear

YEAR_DIM = "collection_year"
LA_DIM = "la"

cla_years = StaticPartitionsDefinition([y.label for y in SETTINGS.years("cla")])
crcs_years = StaticPartitionsDefinition([y.label for y in SETTINGS.years("crcs")])
local_authorities = StaticPartitionsDefinition(sorted(welsh_la_codes()))
cla_year_la = MultiPartitionsDefinition({YEAR_DIM: cla_years, LA_DIM: local_authorities})
crcs_year_la = MultiPartitionsDefinition({YEAR_DIM: crcs_years, LA_DIM: local_authorities})

YEARS = {"cla": cla_years, "crcs": crcs_years}
YEAR_LA = {"cla": cla_year_la, "crcs": crcs_year_la}


def years_of(
    partition_key_range: PartitionKeyRange, partitions_def: StaticPartitionsDefinition
) -> list[CollectionYear]:
    keys = partitions_def.get_partition_keys_in_range(partition_key_range)
    return [CollectionYear.parse(k) for k in keys]


def year_la_pairs(partition_keys: list[str]) -> list[tuple[CollectionYear, str]]:
    """Multi-partition keys ('2019-20|W06000015') -> (year, LA), in year then LA order."""
    pairs = []
    for key in partition_keys:
        dims = (
            key.keys_by_dimension
            if isinstance(key, MultiPartitionKey)
            else dict(zip((YEAR_DIM, LA_DIM), str(key).split("|"), strict=True))
        )
        pairs.append((CollectionYear.parse(dims[YEAR_DIM]), dims[LA_DIM]))
    return sorted(pairs, key=lambda p: (p[0].start_year, p[1]))


def year_la_range(first: CollectionYear, last: CollectionYear) -> tuple[str, str]:
    """The multi-partition key range that covers every LA of the years first..last."""
    las = local_authorities.get_partition_keys()
    return f"{first.label}|{las[0]}", f"{last.label}|{las[-1]}"


def dbt_years_env(years: list[CollectionYear]) -> dict[str, str]:
    """Partition range -> the environment of the dbt invocation: the models rebuild exactly these
    years (dbt_project/macros/years.sql: build_year; environment, not --vars, so dbt's partial
    parsing survives a change of years)."""
    if not years:
        raise ValueError("no collection years to build")
    ordered = sorted(years)
    return {"CSSD_YEAR_FROM": ordered[0].label, "CSSD_YEAR_TO": ordered[-1].label}
