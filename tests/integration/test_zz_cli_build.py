"""`cssd build` on a landing folder in the spec's format: one run, outputs, and a failing gate."""

import duckdb
import pytest

from tests.dbt.test_dbt_build import EXPECTED
from tests.integration.helpers import read_pub, run_cssd

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("built")]


def test_build_writes_cla1_for_each_year_with_hand_checked_counts(built):
    for year in ("2015-16", "2016-17"):
        cells = read_pub(built, "cla1", year)
        assert len(cells) == 23 * 7
        for (y, area), groups in EXPECTED.items():
            if y != year:
                continue
            for group, n in groups.items():
                assert cells[(area, group, "count")] == (str(n), "")
        assert cells[("W92000004", "total", "count")] == ("", "[x]")


def test_the_range_was_one_ingest_run_and_one_transform_run(built):
    from dagster import DagsterInstance, RunsFilter

    instance = DagsterInstance.from_config(str(built / "dagster_home"))
    # every build of the range (the shared build, and the rebuild of the release test) is one run of each
    builds = [r for r in instance.get_runs(RunsFilter(job_name="release"))]
    ingest = instance.get_runs(RunsFilter(job_name="cla_ingest"))
    transform = instance.get_runs(RunsFilter(job_name="cla_transform"))
    assert len(builds) >= 1 and len(ingest) == len(transform) == len(builds)
    for run in ingest:
        assert run.tags["dagster/asset_partition_range_start"] == "2015-16|W06000001"
        assert run.tags["dagster/asset_partition_range_end"] == "2016-17|W06000024"
    for run in [*transform, *builds]:
        assert run.tags["dagster/asset_partition_range_start"] == "2015-16"
        assert run.tags["dagster/asset_partition_range_end"] == "2016-17"


def test_a_bad_resubmission_fails_clearly_and_loses_nothing(built):
    warehouse = built / "warehouse.duckdb"
    query = "select * from raw.cla_episodes where year = '2016-17' order by all"
    con = duckdb.connect(str(warehouse), read_only=True)
    before = con.execute(query).fetchall()
    con.close()
    output = built / "output" / "2016-17" / "statswales" / "cla1.csv"
    output_before = output.read_bytes()

    eps = built / "landing/cla/2016-17/W06000015/episodes.csv"
    eps.write_text(eps.read_text().replace("C004,2016-10-01,P,V2", "C004,2016-10-01,P,XX"))
    # --strict: a failed return fails the build (without it the build goes on: test_one_bad_la.py)
    result = run_cssd(["build", "--census", "cla", "--years", "2016-17", "--strict"], built)
    assert result.returncode != 0
    assert "cla/2016-17/W06000015/episodes.csv row 6, field legal_status" in result.stderr
    assert "[CLA-027]" in result.stderr

    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute(query).fetchall() == before
    con.close()

    # the build went on and wrote the year again: the same figures (values) as before
    def values(data: bytes) -> list[list[str]]:
        rows = [line.split(",") for line in data.decode("utf-8").splitlines()]
        header = rows[0]
        return [r[: header.index("value") + 1] for r in rows]

    assert values(output.read_bytes()) == values(output_before)


def test_years_outside_the_series_are_refused(built):
    result = run_cssd(["build", "--census", "cla", "--years", "1999-00:2000-01"], built)
    assert result.returncode == 2 and "not in the CLA series" in result.stderr
    result = run_cssd(["build", "--census", "cla", "--years", "2015-17"], built)
    assert result.returncode == 2 and "not a collection year" in result.stderr
