"""The frames that the Great Expectations suites judge, computed in DuckDB SQL."""

import duckdb
import pandas as pd

from orchestration.lib.reference import WALES


def cla1_gate_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per year x area of pub_cla1: total, sum of the groups, Wales ratio to last year."""
    return con.execute(
        f"""
        with counts as (
            select year, area_code, legal_status_group, value
            from publication.pub_cla1
            where measure = 'count'
        ), per_area as (
            select
                year,
                area_code,
                cast(max(case when legal_status_group = 'total' then value end) as double) as total,
                cast(sum(case when legal_status_group <> 'total' then value end) as double) as sum_of_groups
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
        """
    ).df()
