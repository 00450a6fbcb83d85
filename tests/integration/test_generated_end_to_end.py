"""Landing → output on generated returns: 2 years x 3 LAs through Dagster, checked against
counts this test computes itself from the generated files (publication.md, CLA1)."""

import csv
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from orchestration.lib.years import CollectionYear
from tests.integration.conftest import GENERATED_LAS as LAS
from tests.integration.conftest import YEARS
from tests.integration.helpers import read_pub

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("built")]


# Legal-status groups exactly as publication.md lists them (independent of the seeds).
GROUPS = {
    "C1": "care_order",
    "C2": "care_order",
    "E1": "placement_order",
    "D1": "placement_order",
    "V2": "voluntary_accommodation",
    "J1": "youth_justice",
    "J2": "youth_justice",
    "J3": "youth_justice",
    "L1": "emergency_protection",
    "L2": "emergency_protection",
    "L3": "emergency_protection",
}
HEADERS = {  # SSDA903 column -> meaning
    "CHILD": "child_id",
    "DOB": "date_of_birth",
    "DECOM": "episode_start_date",
    "LS": "legal_status",
    "DEC": "episode_end_date",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{HEADERS.get(k, k): v for k, v in r.items()} for r in csv.DictReader(f)]


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def expected_cla1(folder: Path, year: CollectionYear) -> Counter:
    fmt = "%d/%m/%Y" if year.start_year < 2016 else "%Y-%m-%d"
    parse = lambda s: datetime.strptime(s, fmt).date() if s else None  # noqa: E731
    dob = {r["child_id"]: parse(r["date_of_birth"]) for r in _rows(folder / "children.csv")}
    open_now: dict[str, tuple[date, str]] = {}
    for e in _rows(folder / "episodes.csv"):
        if e["legal_status"] in ("V3", "V4") or e["episode_end_date"]:
            continue
        start = parse(e["episode_start_date"])
        if start > year.census_date or _age(dob[e["child_id"]], year.census_date) >= 18:
            continue
        if e["child_id"] not in open_now or start > open_now[e["child_id"]][0]:
            open_now[e["child_id"]] = (start, e["legal_status"])
    counts = Counter(GROUPS[ls] for _, ls in open_now.values())
    counts["total"] = len(open_now)
    return counts


def test_cla1_equals_counts_computed_from_the_generated_files(built):
    for year in YEARS:
        cells = read_pub(built, "cla1", year.label)
        for la in LAS:
            expected = expected_cla1(built / "landing" / "cla" / year.label / la, year)
            assert expected["total"] > 20
            for group in ("total", *sorted(set(GROUPS.values()))):
                assert cells[(la, group, "count")] == (str(expected[group]), ""), (year.label, la, group)


def test_rate_uses_the_mid_year_before_the_census_date(built):
    from orchestration.lib.reference import populations

    year = YEARS[1]
    cells = read_pub(built, "cla1", year.label)
    n = expected_cla1(built / "landing" / "cla" / year.label / "W06000011", year)["total"]
    pop = populations()[("W06000011", 2016)]
    rate = (Decimal(n) * 10000 / pop).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert cells[("W06000011", "total", "rate_per_10000")] == (str(rate), "")


def test_las_without_a_return_and_wales_are_x(built):
    cells = read_pub(built, "cla1", "2016-17")
    assert cells[("W06000022", "total", "count")] == ("", "[x]")
    assert cells[("W92000004", "care_order", "count")] == ("", "[x]")


def test_no_child_identifier_or_date_of_birth_reaches_the_outputs(built):
    ids, dobs = set(), set()
    for year in YEARS:
        for la in LAS:
            for r in _rows(built / "landing" / "cla" / year.label / la / "children.csv"):
                ids.add(r["child_id"])
                dobs.add(r["date_of_birth"])
    text = "\n".join(p.read_text() for p in (built / "output").rglob("*.csv"))
    cells = {c for line in text.splitlines() for c in line.split(",")}
    assert not (ids & cells) and not (dobs & cells)
