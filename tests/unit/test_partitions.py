from dagster import PartitionKeyRange

from orchestration.defs.partitions import cla_years, crcs_years, dbt_years_env, years_of
from orchestration.lib.years import CollectionYear


def test_partition_to_dbt_years_is_the_year_range():
    years = [CollectionYear.parse(y) for y in ("2016-17", "2014-15", "2015-16")]
    assert dbt_years_env(years) == {"CSSD_YEAR_FROM": "2014-15", "CSSD_YEAR_TO": "2016-17"}
    assert dbt_years_env([CollectionYear.parse("2019-20")]) == {"CSSD_YEAR_FROM": "2019-20", "CSSD_YEAR_TO": "2019-20"}


def test_partitions_cover_each_census_series():
    assert cla_years.get_partition_keys()[0] == "2002-03"
    assert crcs_years.get_partition_keys()[0] == "2009-10"
    assert cla_years.get_partition_keys()[-1] == "2025-26"  # CSSD_TODAY=2026-11-25 in conftest
    got = years_of(PartitionKeyRange("2014-15", "2017-18"), cla_years)
    assert [y.label for y in got] == ["2014-15", "2015-16", "2016-17", "2017-18"]
