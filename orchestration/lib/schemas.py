"""Pandera gates built from the submission specs: one DataFrameModel per table per era.

The models validate a frame whose columns carry the internal names, read as text.
They are strict (no column beyond the era's), coerce (dates parse in the era's format)
and are run lazily so one run reports every failure. ``failures_to_issues`` turns
pandera's failure cases into ``Issue``s an LA officer can act on, without personal data.
"""

import re
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.typing import Series

from orchestration.lib.codes import valid_codes
from orchestration.lib.issues import Issue
from orchestration.lib.specs import ColumnSpec, TableSpec, submission_spec
from orchestration.lib.years import eras_of


def _era_order(census: str) -> dict[str, int]:
    # not cached here: eras_of reads the (cached) eras seed, so a new era in the seed is seen at once
    return {e.name: e.order for e in eras_of(census)}


def is_required(col: ColumnSpec, census: str, era: str) -> bool:
    if col.required_from is None:
        return False
    order = _era_order(census)
    return order[era] >= order[col.required_from]


def _field(col: ColumnSpec, census: str, era: str, date_format: str) -> tuple[object, object]:
    nullable = not is_required(col, census, era)
    if col.type == "date":
        return Series[pandas_engine.DateTime], pa.Field(
            nullable=nullable, dtype_kwargs={"to_datetime_kwargs": {"format": date_format}}
        )
    kwargs: dict = {"nullable": nullable}
    if col.type == "number":
        bounds = {k: v for k, v in (("ge", col.minimum), ("le", col.maximum)) if v is not None}
        return Series[float], pa.Field(nullable=nullable, **bounds)
    if col.type == "codes":
        # `;`-separated codes of the list, spaces around each allowed: one regular expression.
        one = "(?:" + "|".join(re.escape(c) for c in valid_codes(census, col.codes, era)) + ")"
        return Series[str], pa.Field(nullable=nullable, str_matches=rf"^\s*{one}(?:\s*;\s*{one})*\s*;?\s*$")
    if col.type == "code":
        kwargs["isin"] = list(valid_codes(census, col.codes, era))
    elif col.type == "flag":
        kwargs["isin"] = list(col.values or ())
    if col.max_length:
        kwargs["str_length"] = {"max_value": col.max_length}
    if col.pattern:
        kwargs["str_matches"] = col.pattern
    return Series[str], pa.Field(**kwargs)


def _episode_checks() -> dict[str, object]:
    def end_not_before_start(cls, df: pd.DataFrame) -> pd.Series:
        return df["episode_end_date"].isna() | (df["episode_end_date"] >= df["episode_start_date"])

    def reason_ceased_iff_end_date(cls, df: pd.DataFrame) -> pd.Series:
        return df["episode_end_date"].isna() == df["reason_episode_ceased"].isna()

    return {
        "end_not_before_start": pa.dataframe_check(end_not_before_start),
        "reason_ceased_iff_end_date": pa.dataframe_check(reason_ceased_iff_end_date),
    }


def _adoption_checks() -> dict[str, object]:
    def placed_not_before_decision(cls, df: pd.DataFrame) -> pd.Series:
        return df["date_placed"].isna() | (df["date_placed"] >= df["date_decision"])

    return {"placed_not_before_decision": pa.dataframe_check(placed_not_before_decision)}


def _care_leaver_checks() -> dict[str, object]:
    def activity_when_in_touch(cls, df: pd.DataFrame) -> pd.Series:
        return (df["in_touch"] != "Y") | df["activity"].notna()

    return {"activity_when_in_touch": pa.dataframe_check(activity_when_in_touch)}


def _crcs_children_checks() -> dict[str, object]:
    def born_or_expected(cls, df: pd.DataFrame) -> pd.Series:
        return df["date_of_birth"].notna() | df["expected_date_of_birth"].notna()

    def cpr_category_iff_register(cls, df: pd.DataFrame) -> pd.Series:
        return (df["on_child_protection_register"] == "Y") == df["cpr_category"].notna()

    return {
        "born_or_expected": pa.dataframe_check(born_or_expected),
        "cpr_category_iff_register": pa.dataframe_check(cpr_category_iff_register),
    }


def _crcs_plan_checks() -> dict[str, object]:
    def plan_end_not_before_start(cls, df: pd.DataFrame) -> pd.Series:
        return df["plan_end_date"].isna() | (df["plan_end_date"] >= df["plan_start_date"])

    def reason_for_closure_iff_end(cls, df: pd.DataFrame) -> pd.Series:
        return df["plan_end_date"].isna() == df["reason_for_closure"].isna()

    return {
        "plan_end_not_before_start": pa.dataframe_check(plan_end_not_before_start),
        "reason_for_closure_iff_end": pa.dataframe_check(reason_for_closure_iff_end),
    }


# (census, table) -> the table's cross-field checks, each with the columns it compares. A check
# belongs to every era whose spec has those columns (the spec is the data that says what an era
# holds), so no era is named here and a new era gets every check its columns allow: the plan end
# checks come with `plan_end_date`, which only the all-year era (2023-24 on) has.
_TABLE_CHECKS = {
    ("cla", "episodes"): ((("episode_start_date", "episode_end_date", "reason_episode_ceased"), _episode_checks),),
    ("cla", "adoptions"): ((("date_decision", "date_placed"), _adoption_checks),),
    ("cla", "care_leavers"): ((("in_touch", "activity"), _care_leaver_checks),),
    ("crcs", "children"): (
        (
            ("date_of_birth", "expected_date_of_birth", "on_child_protection_register", "cpr_category"),
            _crcs_children_checks,
        ),
        (("plan_start_date", "plan_end_date", "reason_for_closure"), _crcs_plan_checks),
    ),
}


def _table_checks(census: str, table: str, era: str) -> dict[str, object]:
    present = {c.name for c in submission_spec(census).tables[table].columns_for(era)}
    checks: dict[str, object] = {}
    for columns, factory in _TABLE_CHECKS.get((census, table), ()):
        if set(columns) <= present:
            checks.update(factory())
    return checks


# What each cross-field check means, for the LA officer: (rule id, fields, message).
DATAFRAME_CHECK_TEXT = {
    "end_not_before_start": (
        "format.end_before_start",
        ("episode_end_date", "episode_start_date"),
        "the episode ends before it starts",
    ),
    "reason_ceased_iff_end_date": (
        "format.reason_ceased_iff_end",
        ("reason_episode_ceased", "episode_end_date"),
        "a reason the episode ceased is given if and only if the episode has an end date",
    ),
    "placed_not_before_decision": (
        "format.placed_before_decision",
        ("date_placed", "date_decision"),
        "the child is placed for adoption before the decision to place",
    ),
    "activity_when_in_touch": (
        "format.activity_when_in_touch",
        ("activity", "in_touch"),
        "an activity is required when the authority is in touch (in_touch = Y)",
    ),
    "born_or_expected": (
        "format.born_or_expected",
        ("date_of_birth", "expected_date_of_birth"),
        "a date of birth is required, or an expected date of birth for an unborn child",
    ),
    "cpr_category_iff_register": (
        "format.cpr_category_iff_register",
        ("cpr_category", "on_child_protection_register"),
        "a child protection category is given if and only if the child is on the register",
    ),
    "plan_end_not_before_start": (
        "format.plan_end_before_start",
        ("plan_end_date", "plan_start_date"),
        "the plan ends before it starts",
    ),
    "reason_for_closure_iff_end": (
        "format.reason_for_closure_iff_end",
        ("reason_for_closure", "plan_end_date"),
        "a reason for closure is given if and only if the plan has an end date",
    ),
}


def _model_name(census: str, table: str, era: str) -> str:
    return f"{census.upper()}{''.join(p.title() for p in table.split('_'))}{era.title().replace('_', '')}"


@lru_cache(maxsize=64)
def table_model(census: str, table: str, era: str) -> type[pa.DataFrameModel]:
    """The pandera DataFrameModel for one table in one era, e.g. CLAEpisodesLac."""
    spec = submission_spec(census).tables[table]
    era_obj = next(e for e in eras_of(census) if e.name == era)
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for col in spec.columns_for(era):
        annotations[col.name], namespace[col.name] = _field(col, census, era, era_obj.strptime_format)
    namespace["__annotations__"] = annotations
    name = _model_name(census, table, era)
    config = {"strict": True, "coerce": True, "name": name}
    if spec.unique_for(era):
        config["unique"] = list(spec.unique_for(era))
    namespace["Config"] = type("Config", (), config)
    namespace.update(_table_checks(census, table, era))
    return type(name, (pa.DataFrameModel,), namespace)


def all_models() -> dict[tuple[str, str, str], type[pa.DataFrameModel]]:
    out = {}
    for census in ("cla", "crcs"):
        for table in submission_spec(census).tables:
            for era in eras_of(census):
                out[(census, table, era.name)] = table_model(census, table, era.name)
    return out


def _rule_for(check: str) -> str:
    if check.startswith("coerce_dtype") or check.startswith("dtype("):
        return "format.date"
    if check == "not_nullable":
        return "format.required"
    if check.startswith("isin"):
        return "format.code"
    if check.startswith("greater_than") or check.startswith("less_than") or check.startswith("in_range"):
        return "format.range"
    if check.startswith("str_length"):
        return "format.length"
    if check.startswith("str_matches"):
        return "format.pattern"
    if check == "field_uniqueness":
        return "format.unique"
    return f"format.{re.sub(r'[^a-z0-9_]+', '_', check.lower()).strip('_')}"


def failures_to_issues(
    failure_cases: pd.DataFrame,
    spec: TableSpec,
    era: str,
    file: str,
    line_numbers: pd.Series,
    year_label: str,
) -> list[Issue]:
    """Pandera failure cases -> Issues naming file, line, the LA's field name and the rule."""
    issues: set[Issue] = set()
    for fc in failure_cases.to_dict("records"):
        check = str(fc["check"])
        idx = fc["index"]
        row = int(line_numbers.loc[idx]) if idx is not None and not pd.isna(idx) else None
        if fc["schema_context"] == "DataFrameSchema" and check in DATAFRAME_CHECK_TEXT:
            rule, fields, text = DATAFRAME_CHECK_TEXT[check]
            issues.add(Issue(file, row, spec.column(fields[0]).source_name(era), rule, text))
            continue
        column = fc["column"]
        if fc["schema_context"] == "DataFrameSchema" and "uniqueness" in check:
            unique = spec.unique_for(era)
            first = spec.column(unique[0])
            what = " and ".join(spec.column(u).source_name(era) for u in unique)
            issues.add(
                Issue(
                    file,
                    row,
                    first.source_name(era),
                    "format.duplicate",
                    f"duplicate record: another row has the same {what}",
                )
            )
            continue
        if column is None or column not in {c.name for c in spec.columns}:
            issues.add(Issue(file, row, None, _rule_for(check), f"failed check {check}"))
            continue
        col = spec.column(column)
        field = col.source_name(era)
        rule = _rule_for(check)
        if col.type == "codes" and rule == "format.pattern":
            rule = "format.code"
        value = fc["failure_case"]
        shown = "" if col.personal or value is None or pd.isna(value) else f"{value!r} "
        if rule == "format.required":
            msg = "is required but is empty"
        elif rule == "format.date" and col.type == "number":
            if check.startswith("dtype("):
                continue
            rule, msg = "format.number", f"{shown}is not a number"
        elif rule == "format.range":
            if row is None:
                continue  # the value is not a number: reported by the coercion failure
            msg = f"{shown}is outside the range {col.minimum:g} to {col.maximum:g}"
        elif rule == "format.date":
            if check.startswith("dtype("):
                continue  # reported by the coercion failure on the same cell
            fmt = next(e for e in eras_of(spec.census) if e.name == era).date_format
            msg = f"{shown}is not a date in the {fmt} format used in {year_label} ({era} era)"
        elif rule == "format.code":
            if col.type in ("code", "codes"):
                codes = ", ".join(valid_codes(spec.census, col.codes, era))
                what = col.codes.replace("_", " ")
                msg = f"{shown}is not a valid {what} code in {year_label} ({era} era); valid codes: {codes}"
                if col.type == "codes":
                    msg += " (several codes are separated by ;)"
            else:
                msg = f"{shown}is not one of {', '.join(col.values or ())}"
        elif rule == "format.length":
            msg = f"{field} is longer than {col.max_length} characters: shorten it to at most {col.max_length}"
        elif rule == "format.pattern":
            msg = f"{shown}is not in the expected form ({col.pattern})"
        elif rule == "format.unique":
            msg = "appears on more than one row: it must be unique in the file"
        else:
            msg = f"{shown}failed check {check}"
        issues.add(Issue(file, row, field, rule, msg.strip()))
    return sorted(issues, key=lambda i: (i.row or 0, i.field or "", i.rule))
