"""Collection years and eras.

A collection year runs 1 April – 31 March; its census date is the 31 March. Each
census changes its return format in named eras (dbt_project/seeds/mappings/eras.csv,
from shared/spec/codes/README.md).
"""

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from orchestration.paths import MAPPING_SEEDS_DIR

CENSUSES = ("cla", "crcs")
_LABEL = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


class YearError(ValueError):
    """A collection year, range or era that cannot be understood."""


@dataclass(frozen=True)
class Era:
    census: str
    name: str
    order: int
    first_year: int  # start year of the first collection year in the era
    last_year: int | None  # start year of the last one; None = current era
    date_format: str  # as written in the spec: DD/MM/YYYY or YYYY-MM-DD

    @property
    def strptime_format(self) -> str:
        return {"DD/MM/YYYY": "%d/%m/%Y", "YYYY-MM-DD": "%Y-%m-%d"}[self.date_format]


@lru_cache(maxsize=1)
def eras() -> tuple[Era, ...]:
    with (MAPPING_SEEDS_DIR / "eras.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        Era(
            census=r["census"],
            name=r["era"],
            order=int(r["era_order"]),
            first_year=int(r["first_year"][:4]),
            last_year=int(r["last_year"][:4]) if r["last_year"] else None,
            date_format=r["date_format"],
        )
        for r in rows
    )


def eras_of(census: str) -> tuple[Era, ...]:
    _check_census(census)
    return tuple(sorted((e for e in eras() if e.census == census), key=lambda e: e.order))


def first_year_of(census: str) -> "CollectionYear":
    return CollectionYear(eras_of(census)[0].first_year)


def _check_census(census: str) -> None:
    if census not in CENSUSES:
        raise YearError(f"unknown census {census!r}: expected one of {', '.join(CENSUSES)}")


@dataclass(frozen=True, order=True)
class CollectionYear:
    """One collection year, e.g. 2019-20 = 1 April 2019 – 31 March 2020."""

    start_year: int

    def __post_init__(self) -> None:
        if not isinstance(self.start_year, int) or not 1990 <= self.start_year <= 2099:
            raise YearError(f"collection year must start between 1990 and 2099, not {self.start_year!r}")

    @classmethod
    def parse(cls, text: "str | CollectionYear") -> "CollectionYear":
        """Read '2019-20' (also '2019/20' or '2019-2020')."""
        if isinstance(text, CollectionYear):
            return text
        m = _LABEL.match(str(text))
        if not m:
            raise YearError(
                f"{text!r} is not a collection year: write it as YYYY-YY, e.g. 2019-20 "
                "for 1 April 2019 to 31 March 2020"
            )
        first, second = int(m.group(1)), m.group(2)
        expected = first + 1
        if (len(second) == 2 and int(second) != expected % 100) or (len(second) == 4 and int(second) != expected):
            raise YearError(
                f"{text!r} is not a collection year: the second part must be the year after "
                f"{first} ({first}-{expected % 100:02d})"
            )
        return cls(first)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def census_date(self) -> date:
        return self.end

    @property
    def population_mid_year(self) -> int:
        """The ONS mid-year before the census date (31 March 2024 -> mid-2023)."""
        return self.start_year

    def era(self, census: str) -> Era:
        for e in eras_of(census):
            if e.first_year <= self.start_year and (e.last_year is None or self.start_year <= e.last_year):
                return e
        first = eras_of(census)[0].first_year
        raise YearError(
            f"{census.upper()} has no return for {self.label}: the series starts in {CollectionYear(first).label}"
        )

    def next(self) -> "CollectionYear":
        return CollectionYear(self.start_year + 1)

    def previous(self) -> "CollectionYear":
        return CollectionYear(self.start_year - 1)

    def __str__(self) -> str:
        return self.label


def latest_complete_year(today: date) -> CollectionYear:
    """The latest collection year whose census date (31 March) has passed."""
    start = today.year - 1 if (today.month, today.day) > (3, 31) else today.year - 2
    return CollectionYear(start)


def years_between(first: CollectionYear, last: CollectionYear) -> list[CollectionYear]:
    if last < first:
        raise YearError(f"year range {first}:{last} runs backwards")
    return [CollectionYear(y) for y in range(first.start_year, last.start_year + 1)]


def parse_year_range(text: str) -> list[CollectionYear]:
    """'2014-15:2017-18' -> the four years; a single year is a range of one."""
    parts = str(text).split(":")
    if len(parts) == 1:
        return [CollectionYear.parse(parts[0])]
    if len(parts) != 2:
        raise YearError(f"{text!r} is not a year range: write FIRST:LAST, e.g. 2014-15:2017-18")
    return years_between(CollectionYear.parse(parts[0]), CollectionYear.parse(parts[1]))


def census_years(census: str, today: date) -> list[CollectionYear]:
    """Every collection year of a census, from the start of its series to the latest complete one."""
    return years_between(first_year_of(census), latest_complete_year(today))
