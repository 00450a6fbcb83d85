"""CRCS landing → output on generated returns (CIN 2015-16, CRCS 2016-17; three LAs) through
Dagster, checked against counts this test computes itself from the files by the spec's rules, and
the link between the two censuses: the same LA child has the same pseudonym in both."""

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.years import CollectionYear
from tests.integration.conftest import GENERATED_LAS as LAS
from tests.integration.conftest import YEARS
from tests.integration.helpers import read_pub

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("built")]

CIN_NAMES = {  # CIN-era column -> CRCS name
    "CHILD_ID": "child_id",
    "DOB": "date_of_birth",
    "EXPECTED_DOB": "expected_date_of_birth",
    "REFERRAL_DATE": "plan_start_date",
    "LAC": "looked_after",
    "CPR": "on_child_protection_register",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{CIN_NAMES.get(k, k): v for k, v in r.items()} for r in csv.DictReader(f)]


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def expected_crcs1(folder: Path, year: CollectionYear) -> Counter:
    """publication.md: plan started on or before 1 January and open on 31 March; born and under 18;
    one child once (the latest-starting qualifying plan); looked after > register > neither."""
    fmt = "%d/%m/%Y" if year.start_year < 2016 else "%Y-%m-%d"
    parse = lambda s: datetime.strptime(s, fmt).date() if s else None  # noqa: E731
    census = year.census_date
    first_january = date(census.year, 1, 1)
    latest: dict[str, tuple[date, dict]] = {}
    unborn: set[str] = set()
    for r in _rows(folder / "children.csv"):
        start, end = parse(r["plan_start_date"]), parse(r.get("plan_end_date", ""))
        if start > first_january or (end is not None and end <= census):
            continue
        if not r["date_of_birth"]:
            unborn.add(r["child_id"])
            continue
        if _age(parse(r["date_of_birth"]), census) >= 18:
            continue
        if r["child_id"] not in latest or start > latest[r["child_id"]][0]:
            latest[r["child_id"]] = (start, r)
    counts = Counter()
    for _, r in latest.values():
        if r["looked_after"] == "Y":
            counts["looked_after"] += 1
        elif r["on_child_protection_register"] == "Y":
            counts["child_protection_register"] += 1
        else:
            counts["neither"] += 1
    counts["total"] = len(latest)
    counts["unborn"] = len(unborn)
    return counts


def test_crcs1_equals_counts_computed_from_the_generated_files(built):
    for year in YEARS:
        cells = read_pub(built, "crcs1", year.label)
        for la in LAS:
            expected = expected_crcs1(built / "landing" / "crcs" / year.label / la, year)
            assert expected["total"] > 50
            for status in ("looked_after", "child_protection_register", "neither", "total", "unborn"):
                assert cells[(la, status, "count")] == (str(expected[status]), ""), (year.label, la, status)
        assert cells[("W06000015", "total", "count")] == ("", "[x]")  # Cardiff sent no CRCS return
        assert cells[("W92000004", "total", "count")] == ("", "[x]")


def test_rec1_sets_crcs_looked_after_against_cla1(built):
    year = YEARS[1]
    crcs1 = read_pub(built, "crcs1", year.label)
    cla1 = read_pub(built, "cla1", year.label)
    rec1 = read_pub(built, "rec1", year.label)
    for la in LAS:
        crcs = int(crcs1[(la, "looked_after", "count")][0])
        cla = int(cla1[(la, "total", "count")][0])
        assert rec1[(la, "", "crcs_count")] == (str(crcs), "")
        assert rec1[(la, "", "cla_count")] == (str(cla), "")
        assert rec1[(la, "", "difference")] == (str(crcs - cla), "")
    # Cardiff has a CLA return but no CRCS return
    assert rec1[("W06000015", "", "crcs_count")][1] == "[x]"


def test_a_child_has_the_same_pseudonym_in_both_censuses(built):
    con = duckdb.connect(str(built / "warehouse.duckdb"), read_only=True)
    try:
        linked, looked_after = con.execute(
            """
            select count(distinct c.child_pid) filter (where l.child_pid is not null), count(distinct c.child_pid)
            from raw.crcs_children c
            left join raw.cla_children l using (year, la_code, child_pid)
            where c.looked_after = 'Y' and c.year = '2016-17'
            """
        ).fetchone()
    finally:
        con.close()
    # every looked-after CRCS child is in the CLA return but the few made different on purpose
    assert looked_after > 30 and looked_after - linked <= 2 * len(LAS)
    assert linked >= 0.9 * looked_after


def test_each_census_range_was_one_ingest_run_and_one_transform_run(built):
    from dagster import DagsterInstance, RunsFilter

    instance = DagsterInstance.from_config(str(built / "dagster_home"))
    for job in ("crcs_ingest", "crcs_transform"):
        runs = instance.get_runs(RunsFilter(job_name=job))
        assert len(runs) == 1, job


def test_no_crcs_child_identifier_or_date_of_birth_reaches_the_outputs(built):
    ids, dobs = set(), set()
    for year in YEARS:
        for la in LAS:
            for r in _rows(built / "landing" / "crcs" / year.label / la / "children.csv"):
                ids.add(r["child_id"])
                dobs |= {r["date_of_birth"], r["expected_date_of_birth"]} - {""}
    text = "\n".join(p.read_text() for p in (built / "output").rglob("*.*") if p.suffix in (".csv", ".html"))
    cells = {c for line in text.splitlines() for c in line.replace("<", ",").replace(">", ",").split(",")}
    assert not (ids & cells) and not (dobs & cells)
