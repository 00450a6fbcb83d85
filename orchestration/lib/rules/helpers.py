"""Vectorised building blocks for validation rules.

Everything here works on the text frames a ``RuleContext`` holds (values are text, ``None`` =
missing) and returns pandas objects aligned with the frame's index, so a rule's check is a few
vectorised lines. Dates are parsed strictly in the era's own format (``DD/MM/YYYY`` up to
2015-16, ``YYYY-MM-DD`` from 2016-17): anything else is ``NaT``, so a date-logic rule skips a
value that the format rule reports instead of crashing or reporting it twice.

Parsed columns and the per-child episode ordering are cached per context (keyed by the context
object and checked against the frame object), so running a whole rule pack parses each column
once. A frame changed in place after a first run is not re-read: build a new context instead.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from orchestration.lib.codes import valid_codes
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.years import CollectionYear, YearError, eras_of

# ---------------------------------------------------------------------------------------------
# Per-context cache

_CACHES: dict[int, dict] = {}


def cache_of(ctx) -> dict:
    """A dict that lives as long as ``ctx`` (the context is unhashable, so key on its id)."""
    key = id(ctx)
    found = _CACHES.get(key)
    if found is None or found.get("__ctx__")() is not ctx:
        found = {"__ctx__": weakref.ref(ctx)}
        _CACHES[key] = found
        weakref.finalize(ctx, _CACHES.pop, key, None)
    return found


def _cached(ctx, key: tuple, frame: pd.DataFrame | None, build):
    store = cache_of(ctx)
    hit = store.get(key)
    if hit is not None and hit[0] is frame:
        return hit[1]
    value = build()
    store[key] = (frame, value)
    return value


# ---------------------------------------------------------------------------------------------
# Tables and columns


def table(ctx, name: str, previous: bool = False) -> pd.DataFrame | None:
    """A table of this year's return (or last year's), or None when it is not there."""
    source = ctx.previous if previous else ctx.tables
    if not source:
        return None
    if previous:
        try:
            ctx.year.previous().era(ctx.census)
        except YearError:  # no return the year before the series starts
            return None
    frame = source.get(name)
    return frame if isinstance(frame, pd.DataFrame) else None


def col(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as object text; an all-missing column when the frame has no such column."""
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def missing(s: pd.Series) -> pd.Series:
    return s.isna()


def present(s: pd.Series) -> pd.Series:
    return s.notna()


def none(frame: pd.DataFrame) -> pd.Series:
    """All False: nothing to report (e.g. a table the rule needs is absent)."""
    return pd.Series(False, index=frame.index)


def text_longer(s: pd.Series, n: int) -> pd.Series:
    return s.notna() & (s.str.len() > n)


_SMALL = 64  # arrow-backed text columns test a few values fast, many values slowly: go via object


def isin(s: pd.Series, values: Iterable[str]) -> pd.Series:
    values = values if isinstance(values, frozenset | set) else frozenset(values)
    if len(values) > _SMALL:
        return s.astype(object).isin(values)
    return s.isin(values)


def not_in(s: pd.Series, values: Iterable[str]) -> pd.Series:
    """Present and not one of ``values`` (a missing value is a different rule)."""
    return s.notna() & ~isin(s, values)


def member(ids: pd.Series, pool: pd.Series) -> pd.Series:
    """Is each (present) value of ``ids`` among the present values of ``pool``? Fast for large columns."""
    known = pd.Index(pd.unique(pool.dropna().to_numpy(dtype=object)))
    return pd.Series(known.get_indexer(ids.to_numpy(dtype=object, na_value=None)) >= 0, index=ids.index) & ids.notna()


def lookup(ids: pd.Series, mapping: pd.Series) -> pd.Series:
    """``mapping[id]`` for each value of ``ids`` (missing where the id is unknown); ``mapping`` has a unique index."""
    where = pd.Index(mapping.index.to_numpy(dtype=object)).get_indexer(ids.to_numpy(dtype=object, na_value=None))
    values = mapping.to_numpy()
    found = where >= 0
    if values.dtype.kind == "M":
        out = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    else:
        out = np.full(len(ids), None, dtype=object)
    out[found] = values[where[found]]
    return pd.Series(out, index=ids.index)


def duplicated_key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Second and later rows with the same (present) key."""
    key = frame[columns]
    return key.notna().all(axis=1) & key.duplicated(keep="first")


# ---------------------------------------------------------------------------------------------
# Eras, codes and reference lists


def era_of(ctx, previous: bool = False) -> str:
    year = ctx.year.previous() if previous else ctx.year
    return year.era(ctx.census).name


@lru_cache(maxsize=256)
def codes(census: str, name: str, era: str) -> frozenset[str]:
    """Codes of a list valid in an era."""
    return frozenset(valid_codes(census, name, era))


@lru_cache(maxsize=64)
def codes_any_era(census: str, name: str) -> frozenset[str]:
    """Codes of a list valid in at least one era (to tell 'not a code' from 'not this era')."""
    out: set[str] = set()
    for e in eras_of(census):
        out |= set(valid_codes(census, name, e.name))
    return frozenset(out)


def era_codes(ctx, name: str) -> frozenset[str]:
    return codes(ctx.census, name, ctx.era)


def other_era_codes(ctx, name: str) -> frozenset[str]:
    """Codes valid in some era of the census but not in this context's era."""
    return codes_any_era(ctx.census, name) - era_codes(ctx, name)


@lru_cache(maxsize=1)
def welsh_las() -> frozenset[str]:
    return frozenset(welsh_la_codes())


# ---------------------------------------------------------------------------------------------
# Dates

_DATE_PATTERNS = {"%d/%m/%Y": r"\d{2}/\d{2}/\d{4}", "%Y-%m-%d": r"\d{4}-\d{2}-\d{2}"}


def date_format(ctx, previous: bool = False) -> str:
    year = ctx.year.previous() if previous else ctx.year
    return year.era(ctx.census).strptime_format


def parse_dates(s: pd.Series, fmt: str) -> pd.Series:
    """Text -> datetime64; missing, wrongly written or impossible dates -> NaT.

    Strict: the whole value must be written in ``fmt`` with two-digit day and month and a
    four-digit year (``1/4/2019`` and ``2019-4-1`` are not accepted). Years outside 1678–2261
    (what ``datetime64[ns]`` holds) count as unreadable too.
    """
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    text = s[s.notna()]
    if text.empty:
        return out
    shape = text.str.fullmatch(_DATE_PATTERNS[fmt])
    text = text[shape]
    if text.empty:
        return out
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    # keep what datetime64[ns] can hold (years 1678-2261); anything else is not a usable date here
    parsed = parsed[parsed.notna() & parsed.dt.year.between(1678, 2261)]
    out.loc[parsed.index] = parsed.astype("datetime64[ns]")
    return out


def dates(ctx, table_name: str, column: str, previous: bool = False) -> pd.Series:
    """A date column of a table parsed in its era's format (cached per context)."""
    frame = table(ctx, table_name, previous)
    if frame is None:
        return pd.Series(dtype="datetime64[ns]")
    fmt = date_format(ctx, previous)
    return _cached(ctx, ("dates", previous, table_name, column), frame, lambda: parse_dates(col(frame, column), fmt))


def bad_date(ctx, table_name: str, column: str) -> pd.Series:
    """Present but not a valid date in the era's format."""
    frame = table(ctx, table_name)
    return col(frame, column).notna() & dates(ctx, table_name, column).isna()


def census_date(ctx) -> pd.Timestamp:
    return pd.Timestamp(ctx.year.census_date)


def year_start(ctx) -> pd.Timestamp:
    return pd.Timestamp(ctx.year.start)


def collection_year(ctx, previous: bool = False) -> CollectionYear:
    return ctx.year.previous() if previous else ctx.year


def _as_series(on, index) -> pd.Series:
    if isinstance(on, pd.Series):
        return on
    return pd.Series(pd.Timestamp(on), index=index, dtype="datetime64[ns]")


def age_on(dob: pd.Series, on) -> pd.Series:
    """Age in completed years on a date (a Series aligned with ``dob`` or one date); NaN if unknown.

    A birthday on 29 February falls on 1 March in years that are not leap years.
    """
    on = _as_series(on, dob.index)
    years = on.dt.year - dob.dt.year
    dob_md = dob.dt.month * 100 + dob.dt.day
    on_md = on.dt.month * 100 + on.dt.day
    dob_md = dob_md.mask((dob_md == 229) & ~on.dt.is_leap_year.astype(bool), 301)
    return (years - (on_md < dob_md).astype(float)).where(dob.notna() & on.notna())


def birthday(dob: pd.Series, n: int) -> pd.Series:
    """The date of the ``n``-th birthday (29 February -> 1 March in a year that is not leap)."""
    out = pd.Series(pd.NaT, index=dob.index, dtype="datetime64[ns]")
    ok = dob.notna()
    if not ok.any():
        return out
    d = dob[ok]
    year = (d.dt.year + n).to_numpy()
    month = d.dt.month.to_numpy()
    day = d.dt.day.to_numpy()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    feb29 = (month == 2) & (day == 29) & ~leap
    month = np.where(feb29, 3, month)
    day = np.where(feb29, 1, day)
    out.loc[d.index] = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}, index=d.index))
    return out


def days_between(a: pd.Series, b: pd.Series) -> pd.Series:
    """b - a in days (NaN where either is missing)."""
    return (b - a).dt.days


# ---------------------------------------------------------------------------------------------
# Children and episodes


def dob_by_child(ctx, previous: bool = False) -> pd.Series:
    """child_id -> parsed date of birth from the children table (first row of a duplicated id)."""
    frame = table(ctx, "children", previous)
    if frame is None:
        return pd.Series(dtype="datetime64[ns]")

    def build():
        dob = dates(ctx, "children", "date_of_birth", previous)
        ids = col(frame, "child_id")
        keep = ids.notna() & ~ids.duplicated(keep="first")
        return pd.Series(dob[keep].to_numpy(), index=ids[keep].to_numpy(dtype=object), dtype="datetime64[ns]")

    return _cached(ctx, ("dob_by_child", previous), frame, build)


def dob_for(ctx, ids: pd.Series, previous: bool = False) -> pd.Series:
    """The date of birth of each row's child (NaT when unknown), aligned with ``ids``."""
    return lookup(ids, dob_by_child(ctx, previous))


EPISODE_COLUMNS = (
    "reason_new_episode",
    "legal_status",
    "placement_type",
    "reason_episode_ceased",
)


def episode_chain(ctx, previous: bool = False) -> pd.DataFrame:
    """Each child's episodes in date order, with the neighbouring episode's values.

    Columns: ``child``, ``start``, ``end`` (parsed), ``open`` (no end date given), ``end_bad``
    (an end date that does not parse), the coded fields, ``first``/``last`` (the child's first or
    last episode in the return), and ``prev_*`` / ``next_*`` for the neighbouring episode of the
    same child (missing at the ends). Indexed like the episodes frame.

    Left out, so that logic rules skip them: rows with no child id; every episode of a child any
    of whose episodes has a missing or unreadable start date (their order is unknown); and the
    second and later rows repeating a child and start date (the duplicate rule reports them).
    """
    frame = table(ctx, "episodes", previous)
    real = frame is not None
    if not real:  # no episodes file: an empty chain with every column
        frame = pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ("child_id", "episode_start_date", "episode_end_date", "_line")}
        )

    def build():
        ids = col(frame, "child_id")
        if real:
            start = dates(ctx, "episodes", "episode_start_date", previous)
            end = dates(ctx, "episodes", "episode_end_date", previous)
        else:
            start = end = pd.Series(dtype="datetime64[ns]")
        raw_end = col(frame, "episode_end_date")
        d = pd.DataFrame(
            {
                "child": ids.astype(object),
                "start": start,
                "end": end,
                "open": raw_end.isna(),
                "end_bad": raw_end.notna() & end.isna(),
                "line": col(frame, "_line"),
            },
            index=frame.index,
        )
        for c in EPISODE_COLUMNS:
            d[c] = col(frame, c)
        d = d[d["child"].notna()]
        unknown_start = d.loc[d["start"].isna(), "child"].unique()
        d = d[~d["child"].isin(unknown_start)]
        d = d[~d.duplicated(["child", "start"], keep="first")]
        d = d.sort_values(["child", "start", "line"], kind="stable")
        same_prev = d["child"].eq(d["child"].shift(1))
        same_next = d["child"].eq(d["child"].shift(-1))
        d["first"] = ~same_prev
        d["last"] = ~same_next
        for c in ("start", "end", "open", "end_bad", *EPISODE_COLUMNS):
            d[f"prev_{c}"] = d[c].shift(1).where(same_prev)
            d[f"next_{c}"] = d[c].shift(-1).where(same_next)
        for c in ("prev_start", "prev_end", "next_start", "next_end"):
            d[c] = pd.to_datetime(d[c])
        return d

    if not real:
        return build()
    return _cached(ctx, ("episode_chain", previous), frame, build)


def on_chain(ctx, mask: pd.Series) -> pd.Series:
    """A boolean computed on ``episode_chain`` rows, aligned back to the episodes frame."""
    frame = table(ctx, "episodes")
    return mask.reindex(frame.index, fill_value=False).fillna(False).astype(bool)


def open_at_census(ctx, previous: bool = False) -> pd.DataFrame:
    """Each child's last episode when it has no end date: child -> (row index, start, legal status)."""
    chain = episode_chain(ctx, previous)
    if chain.empty:
        return chain
    return chain[chain["last"] & chain["open"]]


# ---------------------------------------------------------------------------------------------
# UPN

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # DfE check-letter alphabet (no I, O or S)
_UPN_LETTER_VALUE = np.full(128, -1, dtype=np.int32)
_UPN_LETTER_VALUE[[ord(c) for c in UPN_LETTERS]] = np.arange(len(UPN_LETTERS))
UPN_FORM = re.compile(rf"^(?:[{UPN_LETTERS}]\d{{11}}[\d{UPN_LETTERS}]|UN[1-5])$")


def upn_form_ok(s: pd.Series) -> pd.Series:
    """Missing, or 13 characters (check letter, 11 digits, a digit or letter) or UN1–UN5."""
    return s.isna() | s.str.fullmatch(UPN_FORM.pattern).fillna(False).astype(bool)


def upn_check_letter_ok(s: pd.Series) -> pd.Series:
    """For a 13-character UPN of the right form: is the first character the DfE check letter?

    Weights 2–13 on characters 2–13; a letter in position 13 (a temporary UPN) counts as its
    place in the check-letter alphabet (A = 0 … Z = 22); the sum modulo 23 picks the letter.
    Other values (missing, UN1–UN5, wrong form) count as OK here: the form rule reports them.
    """
    out = pd.Series(True, index=s.index)
    full = s.notna() & (s.str.len() == 13) & upn_form_ok(s)
    if not full.any():
        return out
    values = s[full].to_numpy(dtype="U13")
    chars = values.view("U1").reshape(-1, 13)
    codes_ = chars.view(np.int32)
    numeric = codes_ - ord("0")
    is_letter = (codes_[:, 12] < ord("0")) | (codes_[:, 12] > ord("9"))
    numeric[:, 12] = np.where(is_letter, _UPN_LETTER_VALUE[np.clip(codes_[:, 12], 0, 127)], numeric[:, 12])
    total = (numeric[:, 1:] * np.arange(2, 14)).sum(axis=1)
    expected = np.array(list(UPN_LETTERS))[total % 23]
    out.loc[full] = chars[:, 0] == expected
    return out


# ---------------------------------------------------------------------------------------------
# `;`-separated code lists (CRCS disability and parental factors)


def code_items(s: pd.Series) -> pd.Series:
    """One entry per item of each present list value, stripped, indexed like ``s`` (repeated index).

    A single trailing ``;`` is allowed (``MOB;HAND;``); any other empty item stays as ``""``.
    """
    text = s.dropna().astype(object).str.replace(r";\s*$", "", regex=True)
    if text.empty:
        return pd.Series(dtype=object)
    return text.str.split(";").explode().str.strip()


def bad_items(s: pd.Series, valid: Iterable[str]) -> pd.Series:
    """Present lists with at least one item (or an empty item) that is not among ``valid``."""
    items = code_items(s)
    out = pd.Series(False, index=s.index)
    if items.empty:
        return out
    bad = ~isin(items, valid)
    flagged = bad[bad].index.unique()
    out.loc[flagged] = True
    return out


def repeated_items(s: pd.Series) -> pd.Series:
    """Present lists naming the same (non-empty) item more than once."""
    items = code_items(s)
    out = pd.Series(False, index=s.index)
    if items.empty:
        return out
    frame = pd.DataFrame({"row": items.index, "item": items.to_numpy()})
    frame = frame[frame["item"].ne("")]
    flagged = frame.loc[frame.duplicated(["row", "item"]), "row"].unique()
    out.loc[flagged] = True
    return out


# ---------------------------------------------------------------------------------------------
# Numbers


def numbers(s: pd.Series) -> pd.Series:
    """Text -> float; missing or not a finite number -> NaN."""
    out = pd.to_numeric(s.astype(object), errors="coerce").astype(float)
    return out.where(np.isfinite(out))


# ---------------------------------------------------------------------------------------------
# Cross-census: the CLA return of the same LA and year (ctx.linked of a CRCS return, or ctx.tables)

CLA_SHORT_BREAKS = frozenset({"V3", "V4"})


def cla_looked_after_at_census(episodes: pd.DataFrame | None, year: CollectionYear) -> pd.Series:
    """Rows of a CLA episodes text frame that make the child looked after at 31 March of ``year``.

    An episode with a start date on or before the census date (read in the CLA era's own date
    format for the year), no end date, and a legal status other than V3/V4 (short breaks).
    """
    if episodes is None:
        return pd.Series(dtype=bool)
    try:
        fmt = year.era("cla").strptime_format
    except YearError:
        return pd.Series(False, index=episodes.index)
    start = parse_dates(col(episodes, "episode_start_date"), fmt)
    return (
        col(episodes, "child_id").notna()
        & start.notna()
        & (start <= pd.Timestamp(year.census_date))
        & col(episodes, "episode_end_date").isna()
        & ~isin(col(episodes, "legal_status"), CLA_SHORT_BREAKS)
    )
