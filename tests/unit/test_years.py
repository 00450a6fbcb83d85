from datetime import date

import pytest

from orchestration.lib.years import (
    CollectionYear,
    YearError,
    census_years,
    latest_complete_year,
    parse_year_range,
)


def test_collection_year_knows_its_dates_and_label():
    y = CollectionYear.parse("2019-20")
    assert y.label == "2019-20"
    assert y.start == date(2019, 4, 1)
    assert y.end == date(2020, 3, 31)
    assert y.census_date == date(2020, 3, 31)
    assert y.population_mid_year == 2019


@pytest.mark.parametrize("text", ["2019/20", "2019-2020", " 2019 - 20 "])
def test_collection_year_accepts_common_spellings(text):
    assert CollectionYear.parse(text).label == "2019-20"


@pytest.mark.parametrize("text", ["2019-21", "2019", "19-20", "2019-2021", "abc", ""])
def test_collection_year_rejects_what_it_cannot_read_with_a_clear_error(text):
    with pytest.raises(YearError, match="not a collection year"):
        CollectionYear.parse(text)


def test_century_boundary():
    assert CollectionYear.parse("1999-00").start_year == 1999
    assert CollectionYear(2099).label == "2099-00"


@pytest.mark.parametrize(
    ("label", "cla", "crcs"),
    [
        ("2009-10", "SSDA903", "CIN"),
        ("2015-16", "SSDA903", "CIN"),
        ("2016-17", "LAC", "CRCS"),
        ("2021-22", "LAC", "CRCS"),
        ("2022-23", "CLA", "CRCS"),
        ("2023-24", "CLA", "CRCS_ALL_YEAR"),
        ("2030-31", "CLA", "CRCS_ALL_YEAR"),
    ],
)
def test_era_per_census(label, cla, crcs):
    y = CollectionYear.parse(label)
    assert y.era("cla").name == cla
    assert y.era("crcs").name == crcs


def test_year_before_a_series_starts_has_no_era():
    with pytest.raises(YearError, match="series starts in 2009-10"):
        CollectionYear.parse("2005-06").era("crcs")


def test_latest_complete_year_turns_over_after_31_march():
    assert latest_complete_year(date(2026, 3, 31)).label == "2024-25"
    assert latest_complete_year(date(2026, 4, 1)).label == "2025-26"
    assert latest_complete_year(date(2026, 11, 25)).label == "2025-26"


def test_partition_years_per_census():
    cla = census_years("cla", date(2026, 11, 25))
    crcs = census_years("crcs", date(2026, 11, 25))
    assert cla[0].label == "2002-03" and cla[-1].label == "2025-26" and len(cla) == 24
    assert crcs[0].label == "2009-10" and crcs[-1].label == "2025-26" and len(crcs) == 17


def test_year_range():
    assert [y.label for y in parse_year_range("2014-15:2017-18")] == ["2014-15", "2015-16", "2016-17", "2017-18"]
    assert [y.label for y in parse_year_range("2014-15")] == ["2014-15"]
    with pytest.raises(YearError, match="backwards"):
        parse_year_range("2017-18:2014-15")
    with pytest.raises(YearError):
        parse_year_range("2014-15:2015-16:2016-17")
