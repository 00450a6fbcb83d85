"""Partitions: one per collection year and census, up to the latest year whose 31 March has passed."""

from dagster import PartitionKeyRange, StaticPartitionsDefinition

from orchestration.defs.context import SETTINGS
from orchestration.lib.years import CollectionYear

cla_years = StaticPartitionsDefinition([y.label for y in SETTINGS.years("cla")])
crcs_years = StaticPartitionsDefinition([y.label for y in SETTINGS.years("crcs")])


def years_of(
    partition_key_range: PartitionKeyRange, partitions_def: StaticPartitionsDefinition
) -> list[CollectionYear]:
    keys = partitions_def.get_partition_keys_in_range(partition_key_range)
    return [CollectionYear.parse(k) for k in keys]


def dbt_vars_for(years: list[CollectionYear]) -> dict[str, str]:
    """Partition range -> dbt vars: the models rebuild exactly these years."""
    if not years:
        raise ValueError("no collection years to build")
    ordered = sorted(years)
    return {"year_from": ordered[0].label, "year_to": ordered[-1].label}
