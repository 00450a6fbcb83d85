"""Reference data from the seeds: local authorities, populations, published headline figures."""

import csv
from functools import lru_cache

from orchestration.paths import REFERENCE_SEEDS_DIR

WALES = "W92000004"


@lru_cache(maxsize=1)
def local_authorities() -> tuple[dict[str, str], ...]:
    with (REFERENCE_SEEDS_DIR / "local_authorities.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def welsh_la_codes() -> set[str]:
    return {r["gss_code"] for r in local_authorities() if r["gss_code"] != WALES}


def la_names(lang: str = "en") -> dict[str, str]:
    """GSS code -> the area's name in English (``en``) or Welsh (``cy``)."""
    column = {"en": "name_en", "cy": "name_cy"}[lang]
    return {r["gss_code"]: r[column] for r in local_authorities()}


def area_order() -> list[str]:
    """Wales first, then the LAs in StatsWales order."""
    las = sorted((r for r in local_authorities() if r["gss_code"] != WALES), key=lambda r: int(r["ons_order"]))
    return [WALES] + [r["gss_code"] for r in las]


@lru_cache(maxsize=1)
def populations() -> dict[tuple[str, int], int]:
    with (REFERENCE_SEEDS_DIR / "population_0_17.csv").open(encoding="utf-8", newline="") as f:
        return {(r["gss_code"], int(r["mid_year"])): int(r["population_0_17"]) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def published_headlines() -> tuple[dict[str, str], ...]:
    with (REFERENCE_SEEDS_DIR / "published_headlines.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))
