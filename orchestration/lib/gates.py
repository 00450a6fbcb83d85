"""The frames that the checks judge, computed in SQL that both warehouses run.

The Great Expectations suites (expectations/) judge the invariants of each frame (shape, keys, sums)
and block; the plausibility checks of orchestration/lib/findings.py read the same frames against the
limits in quality_thresholds.toml and write QA findings. No limit of a plausibility check is here.

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

# Most missing values allowed per staging column and era (1 = anything; absent = required, 0): an
# invariant, since validation refuses a return with a required field missing. How many missing values
# of an optional field are plausible is a plausibility check (findings.py: placement_la_missing).
NULL_CEILINGS = {
    ("stg_cla__children", "ethnicity", "SSDA903"): 1.0,  # optional before 2016-17
    ("stg_cla__children", "uasc", "SSDA903"): 1.0,  # not collected before 2016-17
    ("stg_cla__episodes", "episode_end_date", None): 1.0,
    ("stg_cla__episodes", "reason_episode_ceased", None): 1.0,
    ("stg_cla__episodes", "ceased_group", None): 1.0,
    ("stg_cla__episodes", "placement_la", "SSDA903"): 1.0,
    ("stg_cla__episodes", "placement_la", None): 1.0,  # optional; its share missing is checked in findings.py
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
# Not exact by definition (docs/quality.md): its limits are a plausibility check (findings.py).


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
            select year, area_code, stock, starts, ceased from per_la
            union all
            select year, area_code, stock, starts, ceased from wales
        ), with_prev as (
            select year, area_code,
                   cast(stock as {DOUBLE}) as stock,
                   cast(starts as {DOUBLE}) as starts,
                   cast(ceased as {DOUBLE}) as ceased,
                   cast(lag(stock) over (partition by area_code order by year) as {DOUBLE}) as stock_previous,
                   lag(year) over (partition by area_code order by year) as year_previous
            from areas
        )
        select year, area_code, stock, stock_previous, starts, ceased,
               stock_previous + starts - ceased - stock as flow_gap,
               abs(stock_previous + starts - ceased - stock) / greatest(stock, 1) as flow_gap_rate,
               stock / nullif(stock_previous, 0) as ratio_to_previous_year
        from with_prev
        -- only consecutive years: a gap in the series says nothing about flows
        where year_previous is null
           or cast(substr(year, 1, 4) as integer) = cast(substr(year_previous, 1, 4) as integer) + 1
        order by year, area_code
        """,
    )


CRCS_STATUSES = ("looked_after", "child_protection_register", "neither")


def crcs1_gate_frame(con) -> pd.DataFrame:
    """One row per year x area x status of pub_crcs1 (counts): the share of the total, the sum of
    the statuses, and the total's ratio to the area's previous-year total."""
    statuses = ", ".join(f"'{s}'" for s in CRCS_STATUSES)
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
        )
        select c.year, c.area_code, c.status,
               c.n,
               a.total,
               a.sum_of_statuses,
               c.n / nullif(a.total, 0) as share,
               case when cast(substr(a.year, 1, 4) as integer) = cast(substr(a.year_previous, 1, 4) as integer) + 1
                    then a.total / nullif(a.total_previous, 0) end as ratio_to_previous_year
        from counts as c
        join with_prev as a on a.year = c.year and a.area_code = c.area_code
        where a.total is not null and c.status in ({statuses})
        order by c.year, c.area_code, c.status
        """,
    )


# Reconciliation (REC1): looked-after children in CRCS against CLA1's total at 31 March. They differ by
# definition (the CRCS 1 January rule) and by the LAs' recording: how far is a plausibility check
# (findings.py: rec1_difference). The suite checks that the published difference is CRCS minus CLA.


def rec1_gate_frame(con) -> pd.DataFrame:
    """One row per year x area of pub_rec1 with both counts and the absolute difference."""
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


def placement_la_missing_frame(con) -> pd.DataFrame:
    """One row per year x LA of the CLA staging episodes with a placement LA to record (eras after
    SSDA903, which did not collect it): episodes, episodes with none, and the share missing."""
    return _frame(
        con,
        f"""
        select year, la_code as area_code, cast(count(*) as {DOUBLE}) as episodes,
               cast(sum(case when placement_la is null then 1 else 0 end) as {DOUBLE}) as missing,
               avg(case when placement_la is null then 1.0 else 0.0 end) as missing_share
        from staging.stg_cla__episodes
        where era <> 'SSDA903'
        group by year, la_code
        order by year, la_code
        """,
    )
