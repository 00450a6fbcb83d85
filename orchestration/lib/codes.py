"""Code lists from the seeds, and which codes are valid in which era."""

import csv
from functools import lru_cache

from orchestration.lib.years import CollectionYear, eras_of
from orchestration.paths import REFERENCE_SEEDS_DIR


def crcs_era_as_cla(era: str) -> str:
    """The CLA era in force in the first year of a CRCS era (for the shared ethnicity list), from the
    eras seed: CIN years are all SSDA903 years; CRCS snapshot years are LAC years but for 2022-23,
    and the list is the same in both."""
    for e in eras_of("crcs"):
        if e.name == era:
            return CollectionYear(e.first_year).era("cla").name
    raise ValueError(f"{era!r} is not a CRCS era")


@lru_cache(maxsize=64)
def code_list(census: str, name: str) -> tuple[dict[str, str], ...]:
    path = REFERENCE_SEEDS_DIR / f"{census}_{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


@lru_cache(maxsize=256)
def valid_codes(census: str, name: str, era: str) -> tuple[str, ...]:
    """Codes of a list valid in an era, in list order (a code listed for two era ranges appears once)."""
    if census == "crcs" and name == "ethnicity":
        # CRCS uses the CLA ethnicity list (spec/codes/README.md), with the CLA era of the same years.
        return valid_codes("cla", "ethnicity", crcs_era_as_cla(era))
    order = {e.name: e.order for e in eras_of(census)}
    if era not in order:
        raise ValueError(f"{era!r} is not a {census.upper()} era")
    out: list[str] = []
    for row in code_list(census, name):
        if order[row["era_from"]] <= order[era] <= order[row["era_to"]] and row["code"] not in out:
            out.append(row["code"])
    return tuple(out)
