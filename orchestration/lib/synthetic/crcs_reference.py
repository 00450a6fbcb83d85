"""Calibration targets for the synthetic CRCS (CIN before 2016-17) returns.

The published Wales figures come from the repository's own seed
(dbt_project/seeds/reference/published_headlines.csv); years without one are filled from the
hand-set anchors below (interpolated linearly, held flat outside the anchors). Every target is
for children counted by the snapshot rule (publication.md): plan / case started on or before
1 January, open on the census date, born and under 18.

Decision: the CIN-era published totals include unborn children, while this platform publishes
unborn children outside ``total``; so the born total is calibrated to the published total minus
the published unborn figure where there is one (2010-11: 55 unborn, from the 2011 release quoted in
shared/reference/crcs/published_tables.md; 2011-12, 2012-13, 2015-16 from the seed). Either way
the published total is met within 1 %.
"""

from __future__ import annotations

import csv
from functools import lru_cache

from orchestration.lib.synthetic import cla_reference as cla_ref
from orchestration.paths import REFERENCE_SEEDS_DIR

FIRST_YEAR = 2009  # CRCS series (CIN census) starts 2009-10

# Hand-set anchors (scale 1, start year -> value) for years without a published figure.
# Born children counted. 2009-10 ~19,300; 2017-18 16,080 (31 March 2018, HEIW citing the WG
# census, "likely"); after 2020-21 roughly flat near 17,000.
_TOTAL_ANCHORS = {2009: 19300, 2017: 16080, 2021: 17080, 2022: 17120, 2023: 17060, 2024: 17000, 2025: 16950}
# On the child protection register but not looked after. 31 March 2015: 2,936 on the register,
# 2016: 3,059 (both including the ~140 looked after); 2011-12 and 2020-21 come from the seed.
_CPR_ANCHORS = {
    2009: 2150,
    2010: 2250,
    2012: 2450,
    2013: 2620,
    2014: 2790,
    2015: 2920,
    2016: 2880,
    2017: 2830,
    2018: 2700,
    2019: 2560,
    2022: 2560,
    2023: 2580,
}
# Unborn children counted (same start rule). 2010-11 from the 2011 release (published_tables.md).
_UNBORN_ANCHORS = {2009: 50, 2010: 55, 2016: 110}

# The looked-after part of CRCS as a share of the CLA stock at 31 March: 2020-21 7,188 / 7,263
# (children who came into care after 1 January with a plan that started with care drop out).
_LAC_YEAR = 2020


@lru_cache(maxsize=1)
def _headlines() -> tuple[dict[str, str], ...]:
    with (REFERENCE_SEEDS_DIR / "published_headlines.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def _published(census: str, measure: str) -> dict[int, int]:
    """Start year -> the latest published figure (`_revised` where there is one)."""
    out: dict[int, int] = {}
    for r in _headlines():
        if r["census"] == census and r["measure"] == measure:
            out.setdefault(int(r["year"][:4]), int(float(r["value"])))
    for r in _headlines():
        if r["census"] == census and r["measure"] == f"{measure}_revised":
            out[int(r["year"][:4])] = int(float(r["value"]))
    return out


def _interpolate(points: dict[int, float], year: int) -> float:
    ys = sorted(points)
    if year <= ys[0]:
        return float(points[ys[0]])
    if year >= ys[-1]:
        return float(points[ys[-1]])
    if year in points:
        return float(points[year])
    lo = max(y for y in ys if y < year)
    hi = min(y for y in ys if y > year)
    return points[lo] + (points[hi] - points[lo]) * (year - lo) / (hi - lo)


@lru_cache(maxsize=1)
def unborn_points() -> dict[int, float]:
    pts: dict[int, float] = dict(_UNBORN_ANCHORS)
    pts.update(_published("CIN", "unborn_children_in_need"))
    return pts


@lru_cache(maxsize=1)
def total_points() -> dict[int, float]:
    """Born children counted, Wales, scale 1: published totals (CIN: minus unborn) + anchors."""
    pts: dict[int, float] = dict(_TOTAL_ANCHORS)
    unborn = unborn_points()
    for y, v in _published("CIN", "total_children_in_need").items():
        pts[y] = v - unborn.get(y, 0)
    for y, v in _published("CRCS", "total_children_receiving_care_and_support").items():
        pts[y] = v
    return pts


def lac_ratio() -> float:
    crcs = _published("CRCS", "looked_after").get(_LAC_YEAR)
    cla = cla_ref.published_stock().get(f"{_LAC_YEAR}-{(_LAC_YEAR + 1) % 100:02d}")
    return crcs / cla if crcs and cla else 0.99


def lac_cpr_ratio() -> float:
    both = _published("CRCS", "looked_after_and_on_child_protection_register").get(_LAC_YEAR)
    lac = _published("CRCS", "looked_after").get(_LAC_YEAR)
    return both / lac if both and lac else 0.02


@lru_cache(maxsize=1)
def cpr_points() -> dict[int, float]:
    """On the register, not looked after, Wales, scale 1."""
    pts: dict[int, float] = dict(_CPR_ANCHORS)
    pts.update(_published("CRCS", "on_child_protection_register_not_looked_after"))
    for y, v in _published("CIN", "looked_after_or_on_child_protection_register").items():
        pts[y] = v - lac_target_wales(y)
    return pts


def lac_target_wales(start_year: int, scale: float = 1.0) -> int:
    """Looked after and counted by the CRCS rule, Wales (CLA target stock × the 2020-21 ratio)."""
    return int(round(cla_ref.wales_target(start_year) * scale * lac_ratio()))


def total_target(start_year: int) -> float:
    return _interpolate(total_points(), max(start_year, FIRST_YEAR))


def cpr_target(start_year: int) -> float:
    return _interpolate(cpr_points(), max(start_year, FIRST_YEAR))


def unborn_target(start_year: int) -> float:
    return _interpolate(unborn_points(), max(start_year, FIRST_YEAR))


@lru_cache(maxsize=256)
def la_targets(start_year: int, scale: float) -> dict[str, dict[str, int]]:
    """Per LA (all 22): the counted targets of a year at ``scale``.

    ``total`` born children, ``cpr`` on the register not looked after, ``lac`` looked after,
    ``lac_cpr`` looked after and on the register, ``neither`` (total − lac − cpr, at least 0),
    ``unborn``. Wales figures are split by largest remainder, so the 22 LAs add up exactly.
    """
    y = max(start_year, FIRST_YEAR)
    pop = cla_ref.population_shares(y)
    stock_w = cla_ref.la_weights(y)
    mix = {g: 0.5 * pop[g] + 0.5 * stock_w[g] for g in pop}
    cla_stock = {g: float(v) for g, v in cla_ref.la_stock_targets(y, scale).items()}
    if sum(cla_stock.values()) <= 0:
        cla_stock = stock_w
    lac_w = lac_target_wales(y, scale)
    total = cla_ref.apportion(int(round(total_target(y) * scale)), mix)
    cpr = cla_ref.apportion(int(round(cpr_target(y) * scale)), stock_w)
    lac = cla_ref.apportion(lac_w, cla_stock)
    lac_cpr = cla_ref.apportion(int(round(lac_w * lac_cpr_ratio())), cla_stock)
    unborn = cla_ref.apportion(int(round(unborn_target(y) * scale)), pop)
    return {
        g: {
            "total": total[g],
            "cpr": cpr[g],
            "lac": lac[g],
            "lac_cpr": min(lac_cpr[g], lac[g]),
            "neither": max(0, total[g] - lac[g] - cpr[g]),
            "unborn": unborn[g],
        }
        for g in pop
    }


def wales_targets(start_year: int, scale: float = 1.0) -> dict[str, int]:
    """The Wales counted targets of a year (sum of the LA targets)."""
    out: dict[str, int] = {}
    for t in la_targets(start_year, scale).values():
        for k, v in t.items():
            out[k] = out.get(k, 0) + v
    return out
