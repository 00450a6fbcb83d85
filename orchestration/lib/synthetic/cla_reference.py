"""Calibration targets and geography for the synthetic CLA returns.

Everything here comes from the repository's own seeds (dbt_project/seeds/reference), never from
shared/: the published Wales headlines, the 0–17 population by LA, the LA list. Plus a few
hand-made tables of plausible detail (postcode districts, DfE LA numbers, LA id styles).
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache

from orchestration.paths import REFERENCE_SEEDS_DIR

WALES = "W92000004"

# Stock measures, best first: the latest published figure for a year (publication.md calibration).
_STOCK_MEASURES = ("children_looked_after_31_march_revised", "children_looked_after_31_march")
_FLOW_MEASURES = {
    "started": "children_started_to_be_looked_after",
    "ceased": "children_ceased_to_be_looked_after",
    "adopted": "children_adopted_from_care",
}

# Years before the first return (burn-in): a gentle rise to the 2002-03 figure.
_BURN_IN_ANCHOR = (1995, 3450)
# Years after the last published figure: hold it with a gentle fall per year.
_TREND_AFTER_LAST = -0.005


@lru_cache(maxsize=1)
def _headlines() -> tuple[dict[str, str], ...]:
    with (REFERENCE_SEEDS_DIR / "published_headlines.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


@lru_cache(maxsize=1)
def published_stock() -> dict[str, int]:
    """Latest published Wales count looked after at 31 March, per collection year label.

    For each CLA year: ``children_looked_after_31_march_revised`` if present, else
    ``children_looked_after_31_march``.
    """
    found: dict[str, dict[str, int]] = {}
    for r in _headlines():
        if r["census"] == "CLA" and r["measure"] in _STOCK_MEASURES:
            found.setdefault(r["year"], {})[r["measure"]] = int(float(r["value"]))
    out = {}
    for year in sorted(found):
        for m in _STOCK_MEASURES:
            if m in found[year]:
                out[year] = found[year][m]
                break
    return out


@lru_cache(maxsize=1)
def published_flows() -> dict[str, dict[str, int]]:
    """Published Wales flows where known: {year: {started|ceased|adopted: n}}."""
    out: dict[str, dict[str, int]] = {}
    for r in _headlines():
        if r["census"] != "CLA":
            continue
        for key, measure in _FLOW_MEASURES.items():
            if r["measure"] == measure:
                out.setdefault(r["year"], {})[key] = int(float(r["value"]))
    return out


def _label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def wales_target(start_year: int) -> float:
    """The Wales stock at 31 March the generator aims at (scale 1), for any simulated year."""
    pub = {int(k[:4]): v for k, v in published_stock().items()}
    first, last = min(pub), max(pub)
    if start_year in pub:
        return float(pub[start_year])
    if start_year > last:
        return pub[last] * (1.0 + _TREND_AFTER_LAST) ** (start_year - last)
    if start_year > first:  # a gap inside the published series: interpolate
        lo = max(y for y in pub if y < start_year)
        hi = min(y for y in pub if y > start_year)
        return pub[lo] + (pub[hi] - pub[lo]) * (start_year - lo) / (hi - lo)
    y0, v0 = _BURN_IN_ANCHOR
    if start_year <= y0:
        return float(v0)
    return v0 + (pub[first] - v0) * (start_year - y0) / (first - y0)


def wales_targets(first: int = 2002, last: int = 2025, scale: float = 1.0) -> dict[str, int]:
    """Target Wales stock at 31 March per collection year label (rounded, times ``scale``)."""
    return {_label(y): int(round(wales_target(y) * scale)) for y in range(first, last + 1)}


# ---------------------------------------------------------------------------------------------
# Local authorities


@lru_cache(maxsize=1)
def local_authorities() -> tuple[dict[str, str], ...]:
    with (REFERENCE_SEEDS_DIR / "local_authorities.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["gss_code"] != WALES]
    return tuple(sorted(rows, key=lambda r: int(r["ons_order"])))


def la_codes() -> list[str]:
    return [r["gss_code"] for r in local_authorities()]


@lru_cache(maxsize=1)
def _population() -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    with (REFERENCE_SEEDS_DIR / "population_0_17.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["gss_code"] != WALES:
                out.setdefault(int(r["mid_year"]), {})[r["gss_code"]] = int(r["population_0_17"])
    return out


def population_shares(mid_year: int) -> dict[str, float]:
    """Each LA's share of the Wales 0–17 population, from the nearest mid-year available
    (ties go to the earlier year)."""
    pop = _population()
    nearest = min(pop, key=lambda y: (abs(y - mid_year), y))
    total = sum(pop[nearest][g] for g in la_codes())
    return {g: pop[nearest][g] / total for g in la_codes()}


# fmt: off
# Relative rate of children looked after per head of population (deprivation, local practice).
# Hand-set, independent of the seed, so each LA keeps its character from run to run.
_RATE_FACTOR = {
    "W06000001": 1.00, "W06000002": 0.86, "W06000003": 1.05, "W06000004": 1.06, "W06000005": 0.84,
    "W06000006": 0.98, "W06000023": 0.86, "W06000008": 0.85, "W06000009": 0.92, "W06000010": 0.86,
    "W06000011": 1.10, "W06000012": 1.20, "W06000013": 1.00, "W06000014": 0.90, "W06000015": 1.00,
    "W06000016": 1.12, "W06000024": 1.20, "W06000018": 0.95, "W06000019": 1.12, "W06000020": 1.16,
    "W06000021": 0.80, "W06000022": 1.06,
}


def la_weights(start_year: int) -> dict[str, float]:
    """Each LA's share of the Wales stock in a year: population share × a rate factor × a slow
    drift of a few per cent, normalised to 1."""
    shares = population_shares(start_year)
    raw = {}
    for i, g in enumerate(la_codes()):
        drift = 1.0 + 0.04 * math.sin(2 * math.pi * (start_year + 1.7 * i) / (9.0 + (i % 5)))
        raw[g] = shares[g] * _RATE_FACTOR.get(g, 1.0) * drift
    total = sum(raw.values())
    return {g: v / total for g, v in raw.items()}


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split an integer total by weights, largest remainder, ties by key."""
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def la_stock_targets(start_year: int, scale: float = 1.0) -> dict[str, int]:
    """Target stock at 31 March per LA (all 22), summing to the rounded Wales target."""
    return apportion(int(round(wales_target(start_year) * scale)), la_weights(start_year))


# ---------------------------------------------------------------------------------------------
# Geography and identifiers

# DfE LA numbers used in UPNs (Welsh authorities 660–681).
LA_NUMBER = {
    "W06000001": 660, "W06000002": 661, "W06000003": 662, "W06000004": 663, "W06000005": 664,
    "W06000006": 665, "W06000023": 666, "W06000008": 667, "W06000009": 668, "W06000010": 669,
    "W06000011": 670, "W06000012": 671, "W06000013": 672, "W06000014": 673, "W06000016": 674,
    "W06000024": 675, "W06000018": 676, "W06000019": 677, "W06000020": 678, "W06000021": 679,
    "W06000022": 680, "W06000015": 681,
}

# Regions, for placements in a neighbouring authority.
REGION = {
    "W06000001": "N", "W06000002": "N", "W06000003": "N", "W06000004": "N", "W06000005": "N",
    "W06000006": "N", "W06000023": "M", "W06000008": "M", "W06000009": "W", "W06000010": "W",
    "W06000011": "W", "W06000012": "W", "W06000013": "S", "W06000014": "S", "W06000015": "S",
    "W06000016": "S", "W06000024": "S", "W06000018": "S", "W06000019": "S", "W06000020": "S",
    "W06000021": "S", "W06000022": "S",
}

POSTCODE_DISTRICTS = {
    "W06000001": "LL58 LL59 LL60 LL61 LL62 LL64 LL65 LL66 LL67 LL68 LL70 LL71 LL72 LL73 LL74 LL75 LL77",
    "W06000002": "LL23 LL35 LL36 LL37 LL40 LL41 LL42 LL45 LL46 LL48 LL49 LL53 LL54 LL55 LL56 LL57",
    "W06000003": "LL22 LL24 LL25 LL26 LL27 LL28 LL29 LL30 LL31 LL32 LL33 LL34",
    "W06000004": "LL15 LL16 LL17 LL18 LL19 LL21",
    "W06000005": "CH4 CH5 CH6 CH7 CH8",
    "W06000006": "LL11 LL12 LL13 LL14 LL20",
    "W06000023": "LD1 LD2 LD3 LD4 LD5 LD6 LD7 LD8 SY15 SY16 SY17 SY18 SY21 SY22 NP8",
    "W06000008": "SY23 SY24 SY25 SA38 SA40 SA43 SA44 SA45 SA46 SA47 SA48",
    "W06000009": "SA34 SA35 SA36 SA37 SA41 SA42 SA61 SA62 SA63 SA64 SA65 SA67 SA68 SA69 SA70 SA71 SA72 SA73",
    "W06000010": "SA14 SA15 SA16 SA17 SA18 SA19 SA20 SA31 SA32 SA33 SA39",
    "W06000011": "SA1 SA2 SA3 SA4 SA5 SA6 SA7",
    "W06000012": "SA8 SA9 SA10 SA11 SA12 SA13",
    "W06000013": "CF31 CF32 CF33 CF34 CF35",
    "W06000014": "CF61 CF62 CF63 CF64 CF71",
    "W06000015": "CF3 CF5 CF10 CF11 CF14 CF15 CF23 CF24",
    "W06000016": "CF37 CF38 CF39 CF40 CF41 CF42 CF43 CF44 CF45 CF72",
    "W06000024": "CF46 CF47 CF48",
    "W06000018": "CF81 CF82 CF83 NP11 NP12",
    "W06000019": "NP13 NP22 NP23",
    "W06000020": "NP4 NP44",
    "W06000021": "NP7 NP15 NP16 NP25 NP26",
    "W06000022": "NP10 NP18 NP19 NP20",
}
# Placements outside Wales (placement_la OUT): English districts near the border and beyond.
OUT_DISTRICTS = (
    "CH1 CH2 CH3 CH41 CH43 CH62 SY1 SY2 SY3 SY11 SY13 HR1 HR2 GL1 GL15 BS1 BS5 BS16 B23 L4 M22 WV10 ST4 CW1"
)

# fmt: on

# Letters used in the inward part of a UK postcode.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(digits12: str) -> str:
    """DfE UPN check letter for the 12 characters after it (positions 2–13, weights 2–13)."""
    if len(digits12) != 12 or not digits12.isdigit():
        raise ValueError("a UPN check letter needs 12 digits")
    total = sum(int(c) * w for c, w in zip(digits12, range(2, 14), strict=True))
    return UPN_CHECK_LETTERS[total % 23]


# Each LA's own child id style: (kind, prefix, digits, max gap between consecutive ids).
# fmt: off
ID_PREFIX = {
    "W06000001": "YM", "W06000002": "GWN", "W06000003": "CNW", "W06000004": "DEN", "W06000005": "FLN",
    "W06000006": "WRX", "W06000023": "PWS", "W06000008": "CER", "W06000009": "PEM", "W06000010": "CMN",
    "W06000011": "SWA", "W06000012": "NPT", "W06000013": "BGD", "W06000014": "VGL", "W06000015": "CDF",
    "W06000016": "RCT", "W06000024": "MTY", "W06000018": "CAY", "W06000019": "BGW", "W06000020": "TOF",
    "W06000021": "MON", "W06000022": "NWP",
}
# fmt: on


def id_style(gss: str) -> tuple[str, str, int, int]:
    order = [r["gss_code"] for r in local_authorities()].index(gss) if gss in la_codes() else 0
    styles = (
        ("num", "", 6, 3),  # 104217
        ("prefix", ID_PREFIX.get(gss, "LA"), 6, 2),  # CDF004521
        ("num", "", 7, 9),  # 2045117
        ("prefix", "C", 6, 4),  # C015230
        ("num", "", 8, 40),  # 30015672 (a corporate id shared with other services)
    )
    return styles[order % len(styles)]
