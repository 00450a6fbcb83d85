"""The frames that the Great Expectations suites judge, computed in SQL that both warehouses run.

``con`` is a DuckDB connection or the PostgreSQL wrapper of orchestration/lib/warehouse.py
(``execute(sql, params)`` with ``?`` placeholders, then ``df()``). So the SQL here is what DuckDB
and PostgreSQL 15 both accept: explicit ``group by`` columns (no ``group by all``), ``double
precision`` (not ``double``), ``cast`` (not ``try_cast``), ``?`` placeholders (not ``$name``), and
every division over counts cast to ``double precision`` first (PostgreSQL divides integers as
integers). tests/postgres/test_same_publication.py compares every frame on both warehouses.
"""

import pandas as pd

from orchestration.lib.reference import WALES

DOUBLE = "double precision"


def _years_filter(years: "list[str] | None", prefix: str) -> tuple[str, list]:
    """A ``year in (...)`` condition (with ``prefix``, e.g. 'where') and its parameter, or nothing."""
    if not years:
        return "", []
    return f"{prefix} year in (select unnest(?))", [list(years)]


def _frame(con, sql: str, params: "list | None" = None) -> pd.DataFrame:
    return (con.execute(sql, params) if params else con.execute(sql)).df()


def cla1_gate_frame(con) -> pd.DataFrame:
    """One row per year x area of pub_cla1: total, sum of the groups, Wales ratio to last year."""
    return _frame(
        con,
        f"""
        with counts as (
            select year, area_code, legal_status_group, value
            from publication.pub_cla1
            where measure = 'count'
        ), per_area as (
            select
                year,
                area_code,
                cast(max(case when legal_status_group = 'total' then value end) as {DOUBLE}) as total,
                cast(sum(case when legal_status_group <> 'total' then value end) as {DOUBLE}) as sum_of_groups
            from counts
            group by year, area_code
        )
        select
            year,
            area_code,
            total,
            sum_of_groups,
            case when area_code = '{WALES}' then
                total / nullif(lag(total) over (partition by area_code order by year), 0)
            end as wales_ratio_to_previous_year
        from per_area
        order by year, area_code
        """,
    )


# Coded staging columns and their code lists (seed cla_<list>.csv).
STAGING_CODED = {
    "stg_cla__children": {"sex_code": "sex", "ethnicity": "ethnicity"},
    "stg_cla__episodes": {
        "reason_new_episode": "reason_new_episode",
        "legal_status": "legal_status",
        "category_of_need": "category_of_need",
        "placement_type": "placement_type",
        "reason_episode_ceased": "reason_episode_ceased",
    },
}

# Most missing values allowed per staging column and era (1 = anything; absent = required, 0).
NULL_CEILINGS = {
    ("stg_cla__children", "ethnicity", "SSDA903"): 1.0,  # optional before 2016-17
    ("stg_cla__children", "uasc", "SSDA903"): 1.0,  # not collected before 2016-17
    ("stg_cla__episodes", "episode_end_date", None): 1.0,
    ("stg_cla__episodes", "reason_episode_ceased", None): 1.0,
    ("stg_cla__episodes", "ceased_group", None): 1.0,
    ("stg_cla__episodes", "placement_la", "SSDA903"): 1.0,
    ("stg_cla__episodes", "placement_la", None): 0.25,  # optional, but the tables of placement location need it
    ("stg_cla__episodes", "transferred_from_la", None): 1.0,
}
NULL_CHECKED = {
    "stg_cla__children": ["sex_code", "sex", "date_of_birth", "ethnicity", "uasc"],
    "stg_cla__episodes": [
        "episode_start_date",
        "reason_new_episode",
        "legal_status",
        "legal_status_group",
        "category_of_need",
        "placement_type",
        "placement_group",
        "placement_la",
        "episode_end_date",
        "reason_episode_ceased",
    ],
}


def staging_code_frame(con, years: "list[str] | None" = None) -> pd.DataFrame:
    """One row per era, coded field and distinct code, with its count."""
    parts, params = [], []
    for model, fields in STAGING_CODED.items():
        for column in fields:
            condition, values = _years_filter(years, "and")
            parts.append(
                f"select era, '{column}' as field, {column} as code, count(*) as n from staging.{model} "
                f"where {column} is not null {condition} group by era, {column}"
            )
            params += values
    return _frame(con, " union all ".join(parts), params)


def staging_code_parameters() -> dict[str, list[str]]:
    from orchestration.lib.codes import valid_codes
    from orchestration.lib.years import eras_of

    params = {}
    for fields in STAGING_CODED.values():
        for column, code_list in fields.items():
            for era in eras_of("cla"):
                params[f"{column}__{era.name}"] = list(valid_codes("cla", code_list, era.name))
    return params


def staging_null_frame(con, years: "list[str] | None" = None) -> pd.DataFrame:
    """Null rate of each checked column by year and era, with the ceiling the spec allows."""
    parts, params = [], []
    for model, columns in NULL_CHECKED.items():
        for column in columns:
            condition, values = _years_filter(years, "where")
            parts.append(
                f"select '{model}' as model, '{column}' as column_name, year, era, "
                f"avg(case when {column} is null then 1.0 else 0.0 end) as null_rate from staging.{model} "
                f"{condition} group by year, era"
            )
            params += values
    frame = _frame(con, " union all ".join(parts), params)

    def ceiling(r) -> float:
        for key in ((r.model, r.column_name, r.era), (r.model, r.column_name, None)):
            if key in NULL_CEILINGS:
                return NULL_CEILINGS[key]
        return 0.0

    frame["max_null_rate"] = [ceiling(r) for r in frame.itertuples()] if len(frame) else []
    frame["null_rate"] = frame["null_rate"].astype("float64")
    frame["max_null_rate"] = frame["max_null_rate"].astype("float64")
    return frame


# Flow identity: stock at the end of last year + children who started - children who ceased = stock now.
# Measured on the demo data (2003-04 to 2025-26, 22 LAs, seed 1): the largest LA gap was 1.26 % of its
# stock (mean 0.08 %), the largest Wales gap 0.10 %. The gates allow 2.5 % for an LA and 0.5 % for Wales
# (about twice what clean data shows); see docs/quality.md.
FLOW_TOLERANCE_LA = 0.025
FLOW_TOLERANCE_WALES = 0.005


def cla_flow_frame(con) -> pd.DataFrame:
    """One row per year x area with stock, last year's stock, starts, ceases and the flow gap."""
    return _frame(
        con,
        f"""
        with stock as (
            select year, la_code, count(*) as n
            from marts.fct_cla_looked_after_at_census
            group by year, la_code
        ), flows as (
            -- the publication definitions: CLA4's and CLA5's children (marts), counted for the LA
            select year, la_code, count(distinct child_pid) filter (where kind = 'start') as starts,
                   count(distinct child_pid) filter (where kind = 'cease') as ceased
            from (
                select year, la_code, child_pid, 'start' as kind from marts.fct_cla_started where is_counted_for_la
                union all
                select year, la_code, child_pid, 'cease' as kind from marts.fct_cla_ceased where is_counted
            ) as f
            group by year, la_code
        ), per_la as (
            select s.year, s.la_code as area_code, s.n as stock, f.starts, f.ceased
            from stock as s
            left join flows as f on f.year = s.year and f.la_code = s.la_code
        ), complete_years as (
            select year from per_la group by year having count(*) = 22
        ), wales as (
            select year, '{WALES}' as area_code, sum(stock) as stock, sum(starts) as starts, sum(ceased) as ceased
            from per_la where year in (select year from complete_years) group by year
        ), areas as (
            select year, area_code, stock, starts, ceased, {FLOW_TOLERANCE_LA} as tolerance from per_la
            union all
            select year, area_code, stock, starts, ceased, {FLOW_TOLERANCE_WALES} from wales
        ), with_prev as (
            select year, area_code,
                   cast(stock as {DOUBLE}) as stock,
                   cast(starts as {DOUBLE}) as starts,
                   cast(ceased as {DOUBLE}) as ceased,
                   cast(tolerance as {DOUBLE}) as tolerance,
                   cast(lag(stock) over (partition by area_code order by year) as {DOUBLE}) as stock_previous,
                   lag(year) over (partition by area_code order by year) as year_previous
            from areas
        )
        select year, area_code, stock, stock_previous, starts, ceased,
               stock_previous + starts - ceased - stock as flow_gap,
               abs(stock_previous + starts - ceased - stock) / greatest(stock, 1) as flow_gap_rate,
               tolerance,
               stock / nullif(stock_previous, 0) as ratio_to_previous_year
        from with_prev
        -- only consecutive years: a gap in the series says nothing about flows
        where year_previous is null
           or cast(substr(year, 1, 4) as integer) = cast(substr(year_previous, 1, 4) as integer) + 1
        order by year, area_code
        """,
    )


# CRCS status shares of the total children receiving care and support (CRCS1), per area. Published
# Wales shares: 2011-12 looked after 28 %, on the register 11 %; 2020-21 42 %, 15 %, neither 43 %.
# Wales must stay well inside those bounds; an LA may differ more (small numbers, local practice).
CRCS_STATUS_SHARE_BOUNDS = {
    # status: (Wales min, Wales max, LA min, LA max)
    "looked_after": (0.20, 0.60, 0.05, 0.85),
    "child_protection_register": (0.05, 0.30, 0.0, 0.50),
    "neither": (0.25, 0.70, 0.05, 0.90),
}


def crcs1_gate_frame(con) -> pd.DataFrame:
    """One row per year x area x status of pub_crcs1 (counts): the share of the total, its bounds,
    the sum of the statuses, and the total's ratio to the area's previous-year total."""
    bounds = " union all ".join(
        f"select '{s}' as status, {wmin} as wales_min, {wmax} as wales_max, {lmin} as la_min, {lmax} as la_max"
        for s, (wmin, wmax, lmin, lmax) in CRCS_STATUS_SHARE_BOUNDS.items()
    )
    return _frame(
        con,
        f"""
        with counts as (
            select year, area_code, status, cast(value as {DOUBLE}) as n
            from publication.pub_crcs1
            where measure = 'count'
        ), per_area as (
            select year, area_code,
                   max(case when status = 'total' then n end) as total,
                   sum(case when status in ('looked_after', 'child_protection_register', 'neither') then n end)
                       as sum_of_statuses
            from counts group by year, area_code
        ), with_prev as (
            select year, area_code, total, sum_of_statuses,
                   lag(total) over (partition by area_code order by year) as total_previous,
                   lag(year) over (partition by area_code order by year) as year_previous
            from per_area
        ), bounds as ({bounds})
        select c.year, c.area_code, c.status,
               c.n,
               a.total,
               a.sum_of_statuses,
               c.n / nullif(a.total, 0) as share,
               cast(case when c.area_code = '{WALES}' then b.wales_min else b.la_min end as {DOUBLE}) as min_share,
               cast(case when c.area_code = '{WALES}' then b.wales_max else b.la_max end as {DOUBLE}) as max_share,
               case when cast(substr(a.year, 1, 4) as integer) = cast(substr(a.year_previous, 1, 4) as integer) + 1
                    then a.total / nullif(a.total_previous, 0) end as ratio_to_previous_year
        from counts as c
        join with_prev as a on a.year = c.year and a.area_code = c.area_code
        join bounds as b on b.status = c.status
        where a.total is not null
        order by c.year, c.area_code, c.status
        """,
    )


# Reconciliation (REC1): looked-after children in CRCS against CLA1's total at 31 March. CRCS counts
# only plans that started by 1 January, so it is a little lower than CLA; LAs also differ by a few
# children on purpose or by error. The gate blocks when the difference is more than 15 % of the CLA
# count (at least 10 children) for an LA, or 5 % for Wales: then one of the two returns is wrong.
REC_TOLERANCE_LA = 0.15
REC_MIN_CHILDREN_LA = 10
REC_TOLERANCE_WALES = 0.05


def rec1_gate_frame(con) -> pd.DataFrame:
    """One row per year x area of pub_rec1 with both counts: the absolute difference and its limit."""
    return _frame(
        con,
        f"""
        with r as (
            select year, area_code,
                   max(case when measure = 'crcs_count' then cast(value as {DOUBLE}) end) as crcs_count,
                   max(case when measure = 'cla_count' then cast(value as {DOUBLE}) end) as cla_count,
                   max(case when measure = 'difference' then cast(value as {DOUBLE}) end) as difference
            from publication.pub_rec1
            group by year, area_code
        )
        select year, area_code, crcs_count, cla_count, difference,
               abs(difference) as abs_difference,
               cast(case when area_code = '{WALES}' then {REC_TOLERANCE_WALES} * cla_count
                         else greatest({REC_MIN_CHILDREN_LA}, {REC_TOLERANCE_LA} * cla_count) end as {DOUBLE})
                   as allowed_difference,
               crcs_count - cla_count as recomputed_difference
        from r
        where crcs_count is not null and cla_count is not null
        order by year, area_code
        """,
    )


def crcs_year_on_year_frame(con) -> pd.DataFrame:
    """One row per year x area of the CRCS mart: children receiving care and support at 31 March
    (each LA, and Wales in years every LA sent), with the ratio to the same area's previous year."""
    return _frame(
        con,
        f"""
        with per_la as (
            select year, la_code as area_code, count(*) as n
            from marts.fct_crcs_children_at_census
            group by year, la_code
        ), complete_years as (
            select year from per_la group by year having count(*) = 22
        ), areas as (
            select year, area_code, n from per_la
            union all
            select year, '{WALES}', sum(n) from per_la where year in (select year from complete_years) group by year
        ), with_prev as (
            select year, area_code, cast(n as {DOUBLE}) as n,
                   cast(lag(n) over (partition by area_code order by year) as {DOUBLE}) as n_previous,
                   lag(year) over (partition by area_code order by year) as year_previous
            from areas
        )
        select year, area_code, n as children,
               case when cast(substr(year, 1, 4) as integer) = cast(substr(year_previous, 1, 4) as integer) + 1
                    then n / nullif(n_previous, 0) end as ratio_to_previous_year
        from with_prev
        order by year, area_code
        """,
    )
