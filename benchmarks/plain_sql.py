"""The baseline of `make bench`: CLA1 and CRCS1 computed by plain DuckDB SQL straight from the LA
return files in the landing folder — the same files `cssd build` reads.

What it does (shared/spec/publication.md, docs/definitions.md):

- CLA1: per year and LA, children with an episode (short breaks V3/V4 removed) that started on or
  before 31 March and has no end date, under 18 on 31 March (completed years), counted once with
  the legal status of their latest-starting open episode; by legal-status group and `total`; the
  rate per 10,000 on `total` from the population seed (the mid-year before the census date, half up
  to one decimal in integer arithmetic). An LA has figures when its children file has a row; Wales
  (the sum) only when all 22 LAs have.
- CRCS1: per year and LA, rows whose plan (CIN: referral) started on or before 1 January and is open
  on 31 March (no end date, or later); born children under 18 on 31 March counted once, with the
  status of their latest-starting qualifying plan (looked after > on the register > neither) and
  `total`; unborn children (no date of birth, an expected one) under `unborn` unless also counted
  as born; the rate on `total`. Wales as for CLA1.

How: the files are grouped by era and header; each group is read by one `read_csv` with every
column as text (no sniffing), the needed columns — renamed from the era's names, dates parsed with
the era's format — go into three in-memory tables, and two queries count.

What it does not do, and the pipeline does: no validation of any kind (encodings, headers, codes,
dates, the Welsh rule pack, pandera), no validation reports, no pseudonymisation (it counts the
LAs' own child ids), nothing stored (no warehouse, no raw schema, no incremental models), no other
table (CLA2-CLA9, CRCS2-CRCS8, REC1), no Great Expectations or dbt tests, no disclosure control,
no output files, no release, no Dagster runs. It reads CSVs only (not `submission.xlsx`), takes
column names as the synthetic returns write them (exactly the spec's names, not in any case or
with spaces), each era's date format without checking it, and breaks no ties in child-level picks
beyond the start date (valid returns have none: the files' unique keys rule them out).

Run on its own (the bench does, to time it in a process of its own):

    python -m benchmarks.plain_sql LANDING [--years 2024-25,2025-26] [--las W06000015] [--census cla]
                                           [--out FILE]

It prints (or writes) JSON: the seconds the queries took and every cell as
``[table, year, area, key, measure, value]``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
POPULATION = REPO / "dbt_project" / "seeds" / "reference" / "population_0_17.csv"
WALES = "W92000004"
N_LAS = 22

# Column names and date formats per era (shared/spec/submissions.md). The first year of each era:
CLA_LAC_FROM = 2016  # SSDA903 to 2015-16: upper-case short names, DD/MM/YYYY; LAC/CLA: ISO dates
CRCS_SNAPSHOT_FROM = 2016  # CIN to 2015-16: upper-case names, DD/MM/YYYY
CRCS_ALL_YEAR_FROM = 2023  # all-year returns have plan_end_date
SSDA903 = {
    "children": {"child_id": "CHILD", "date_of_birth": "DOB"},
    "episodes": {
        "child_id": "CHILD",
        "episode_start_date": "DECOM",
        "legal_status": "LS",
        "episode_end_date": "DEC",
    },
}
CIN = {
    "child_id": "CHILD_ID",
    "date_of_birth": "DOB",
    "expected_date_of_birth": "EXPECTED_DOB",
    "plan_start_date": "REFERRAL_DATE",
    "looked_after": "LAC",
    "on_child_protection_register": "CPR",
}

LEGAL_STATUS_GROUPS = {
    "care_order": ("C1", "C2"),
    "placement_order": ("E1", "D1"),
    "voluntary_accommodation": ("V2",),
    "youth_justice": ("J1", "J2", "J3"),
    "emergency_protection": ("L1", "L2", "L3"),
}
CRCS_STATUSES = ("looked_after", "child_protection_register", "neither")


def _files(landing: Path, census: str, table: str, years, las) -> dict[tuple[int, str], list[str]]:
    """The landing files of a table, grouped by era (given by the first calendar year of the era's
    first year) and header line, in path order."""
    eras = {"cla": (CLA_LAC_FROM,), "crcs": (CRCS_SNAPSHOT_FROM, CRCS_ALL_YEAR_FROM)}[census]
    out: dict[tuple[int, str], list[str]] = {}
    for path in sorted((landing / census).glob(f"*/*/{table}.csv")):
        year, la = path.parent.parent.name, path.parent.name
        if (years and year not in years) or (las and la not in las):
            continue
        with path.open(encoding="utf-8") as f:
            header = f.readline().strip()
        era = max([0, *(first for first in eras if int(year[:4]) >= first)])
        out.setdefault((era, header), []).append(str(path))
    return out


def _read(files: list[str], header: str, columns: dict[str, str], date_format: str, dates: tuple[str, ...]) -> str:
    """SELECT of files with one header: year and LA from the path, the wanted columns by their era's
    name, dates parsed with the era's format. No sniffing: every column is text, as the header says."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    typed = ", ".join(f"'{name}': 'varchar'" for name in header.split(","))
    select = []
    for name, source in columns.items():
        if name in dates:
            select.append(f"cast(strptime(nullif(trim({source}), ''), '{date_format}') as date) as {name}")
        else:
            select.append(f"{source} as {name}")
    return (
        "select split_part(filename, '/', -3) as year, split_part(filename, '/', -2) as la_code, "
        + ", ".join(select)
        + f" from read_csv([{listed}], header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {{{typed}}}, filename = true)"
    )


EMPTY = {
    "cla_children": "year varchar, la_code varchar, child_id varchar, date_of_birth date",
    "cla_episodes": "year varchar, la_code varchar, child_id varchar, episode_start_date date, "
    "legal_status varchar, episode_end_date date",
    "crcs_children": "year varchar, la_code varchar, child_id varchar, date_of_birth date, "
    "expected_date_of_birth date, plan_start_date date, looked_after varchar, "
    "on_child_protection_register varchar, plan_end_date date",
}


def source_tables(con: duckdb.DuckDBPyConnection, landing: Path, years=None, las=None, censuses=("cla", "crcs")):
    """Tables cla_children, cla_episodes and crcs_children loaded from the landing files (every era;
    empty for a census not wanted or without files), and the population seed."""
    parts = {"cla_children": [], "cla_episodes": [], "crcs_children": []}
    for table in ("children", "episodes") if "cla" in censuses else ():
        dates = ("date_of_birth", "episode_start_date", "episode_end_date")
        for (era, header), files in _files(landing, "cla", table, years, las).items():
            columns = {c: c for c in SSDA903[table]} if era else SSDA903[table]
            parts[f"cla_{table}"].append(_read(files, header, columns, "%Y-%m-%d" if era else "%d/%m/%Y", dates))
    dates = ("date_of_birth", "expected_date_of_birth", "plan_start_date", "plan_end_date")
    for (era, header), files in _files(landing, "crcs", "children", years, las).items() if "crcs" in censuses else ():
        columns = CIN if not era else {c: c for c in CIN}
        end = "plan_end_date" if era >= CRCS_ALL_YEAR_FROM else "cast(null as varchar)"
        fmt = "%Y-%m-%d" if era else "%d/%m/%Y"
        parts["crcs_children"].append(_read(files, header, {**columns, "plan_end_date": end}, fmt, dates))
    for table, selects in parts.items():
        con.execute(f"create or replace temp table {table} ({EMPTY[table]})")
        if selects:
            con.execute(f"insert into {table} {' union all '.join(selects)}")
    con.execute(
        "create or replace temp table population as select gss_code, mid_year, population_0_17 from read_csv("
        f"'{POPULATION}', header = true, columns = {{'gss_code': 'varchar', 'mid_year': 'integer', "
        "'population_0_17': 'integer'})"
    )


# Age in completed years on 31 March: a birthday after 31 March has not come yet that year (a
# 29 February birthday, on 1 March in other years, has).
AGE_ON_31_MARCH = "(cast(left({y}, 4) as integer) + 1 - year({dob}) - case when month({dob}) * 100 + day({dob}) > 331 then 1 else 0 end)"  # noqa: E501

_GROUP_CASE = " ".join(
    f"when legal_status in ({', '.join(repr(c) for c in codes)}) then '{group}'"
    for group, codes in LEGAL_STATUS_GROUPS.items()
)

# Counts and rates of one table from `stock(year, la_code, key)` and `returns(year, la_code)`:
# every key of every LA with a return (zeros included), Wales when all 22 LAs have one.
_CELLS = f"""
la_cells as (
    select r.year, r.la_code as area_code, k.key, count(s.la_code) as n
    from returns as r
    cross join keys as k
    left join stock as s on s.year = r.year and s.la_code = r.la_code and s.key = k.key
    group by r.year, r.la_code, k.key
), la_totals as (
    -- every child in the stock (not the sum of the keys), unborn children apart
    select r.year, r.la_code as area_code, 'total' as key, count(s.la_code) as n
    from returns as r
    left join stock as s on s.year = r.year and s.la_code = r.la_code and s.key is distinct from 'unborn'
    group by r.year, r.la_code
), las as (
    select year, area_code, key, n from la_cells
    union all
    select year, area_code, key, n from la_totals
), wales as (
    select year, '{WALES}' as area_code, key, sum(n) as n
    from las group by year, key having count(*) = {N_LAS}
), areas as (
    select year, area_code, key, n from las union all select year, area_code, key, n from wales
)
select '{{table}}' as table_id, year, area_code, key, 'count' as measure, cast(n as decimal(18, 1)) as value
from areas
union all
select '{{table}}', a.year, a.area_code, a.key, 'rate_per_10000',
       -- tenths of the rate, half up in integers: (2 n 100000 + population) // (2 population)
       cast(
           cast((2 * cast(a.n as bigint) * 100000 + p.population_0_17) // (2 * p.population_0_17) as decimal(18, 1))
           / 10 as decimal(18, 1)
       )
from areas as a
join population as p on p.gss_code = a.area_code and p.mid_year = cast(left(a.year, 4) as integer)
where a.key = 'total' and p.population_0_17 > 0
"""

CLA1_SQL = f"""
with returns as (
    select distinct year, la_code from cla_children
), open_at_census as (
    select e.year, e.la_code, e.child_id, e.legal_status,
           row_number() over (partition by e.year, e.la_code, e.child_id order by e.episode_start_date desc) as pick
    from cla_episodes as e
    join cla_children as c on c.year = e.year and c.la_code = e.la_code and c.child_id = e.child_id
    where e.legal_status not in ('V3', 'V4')
      and e.episode_start_date <= make_date(cast(left(e.year, 4) as integer) + 1, 3, 31)
      and e.episode_end_date is null
      and {AGE_ON_31_MARCH.format(y="e.year", dob="c.date_of_birth")} < 18
), stock as (
    select year, la_code, case {_GROUP_CASE} end as key from open_at_census where pick = 1
), keys as (
    select unnest([{", ".join(repr(g) for g in LEGAL_STATUS_GROUPS)}]) as key
), {_CELLS.format(table="cla1")}
"""

CRCS1_SQL = f"""
with returns as (
    select distinct year, la_code from crcs_children
), qualifying as (
    select year, la_code, child_id, date_of_birth, expected_date_of_birth, plan_start_date, plan_end_date,
           looked_after, on_child_protection_register
    from crcs_children
    where plan_start_date <= make_date(cast(left(year, 4) as integer) + 1, 1, 1)
      and (plan_end_date is null or plan_end_date > make_date(cast(left(year, 4) as integer) + 1, 3, 31))
), born as (
    select year, la_code, child_id,
           case when looked_after = 'Y' then 'looked_after'
                when on_child_protection_register = 'Y' then 'child_protection_register'
                else 'neither' end as key,
           row_number() over (
               partition by year, la_code, child_id order by plan_start_date desc, plan_end_date desc nulls first
           ) as pick
    from qualifying
    where date_of_birth <= make_date(cast(left(year, 4) as integer) + 1, 3, 31)
      and {AGE_ON_31_MARCH.format(y="year", dob="date_of_birth")} < 18
), unborn as (
    select distinct q.year, q.la_code, q.child_id, 'unborn' as key
    from qualifying as q
    where q.date_of_birth is null and q.expected_date_of_birth is not null
      and not exists (
          select 1 from born as b where b.year = q.year and b.la_code = q.la_code and b.child_id = q.child_id
      )
), stock as (
    select year, la_code, key from born where pick = 1
    union all
    select year, la_code, key from unborn
), keys as (
    select unnest([{", ".join(repr(s) for s in (*CRCS_STATUSES, "unborn"))}]) as key
), {_CELLS.format(table="crcs1")}
"""


def plain_cells(landing: Path, years=None, las=None, censuses=("cla", "crcs"), con=None) -> tuple[list[list], float]:
    """Every CLA1 and CRCS1 cell the files give: ([table, year, area, key, measure, value as text], seconds).
    ``years``, ``las`` and ``censuses`` limit the files read. The seconds are those of the SQL (views
    loading the files into tables, and the queries), not of starting Python or DuckDB."""
    own = con is None
    con = con or duckdb.connect()
    started = time.perf_counter()
    try:
        source_tables(con, Path(landing), set(years) if years else None, set(las) if las else None, censuses)
        rows = []
        for census, sql in (("cla", CLA1_SQL), ("crcs", CRCS1_SQL)):
            if census in censuses:
                rows += con.execute(sql).fetchall()
    finally:
        if own:
            con.close()
    seconds = time.perf_counter() - started
    return sorted([t, y, a, k, m, str(v)] for t, y, a, k, m, v in rows), seconds


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--years", help="comma-separated collection years (default: every year in the folder)")
    parser.add_argument("--las", help="comma-separated GSS codes (default: every LA)")
    parser.add_argument("--census", choices=["cla", "crcs", "all"], default="all")
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    args = parser.parse_args(argv)
    cells, seconds = plain_cells(
        args.landing,
        args.years.split(",") if args.years else None,
        args.las.split(",") if args.las else None,
        ("cla", "crcs") if args.census == "all" else (args.census,),
    )
    text = json.dumps({"query_s": seconds, "cells": cells})
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
