"""What in the landing folder no build reads, and why: a misnamed year folder, another nation's GSS
code, a file where folders are expected. ``cssd build``, the raw assets and the landing sensors read
``<landing>/<census>/<year>/<gss>/`` for the years of the series and the 22 Welsh LAs only; anything
else would be skipped without a word, so it is reported instead (docs/running.md)."""

from pathlib import Path

from orchestration.lib.years import CENSUSES, CollectionYear, YearError

EXPECTED_AT_ROOT = {"SYNTHETIC.txt", "README.md"}


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def root_problems(landing_dir: Path) -> list[str]:
    """Entries at the top of the landing folder that are not a census folder."""
    if not landing_dir.is_dir():
        return []
    return [
        f"landing/{p.name}: not a census folder ({' or '.join(CENSUSES)}); nothing in it is read"
        for p in _visible(landing_dir)
        if p.name not in CENSUSES and p.name not in EXPECTED_AT_ROOT
    ]


def census_problems(
    landing_dir: Path, census: str, series: list[str], las: "set[str]", years: "set[str] | None" = None
) -> list[str]:
    """Entries under ``<landing>/<census>/`` that no build reads: year folders outside ``series``
    (labels) or not named as a collection year, and, in the year folders of ``years`` (default: every
    year of the series), LA folders that are not one of ``las`` and stray files."""
    root = landing_dir / census
    if not root.is_dir():
        return []
    out = []
    for p in _visible(root):
        where = f"{census}/{p.name}"
        if not p.is_dir():
            out.append(f"{where}: a file where collection-year folders are expected; not read")
            continue
        try:
            label = CollectionYear.parse(p.name).label
        except YearError:
            out.append(f"{where}: not a collection year (name it like 2019-20); the returns in it are not read")
            continue
        if label != p.name:
            out.append(f"{where}: name the folder {label}; the returns in it are not read")
            continue
        if label not in series:
            out.append(
                f"{where}: not a year of the {census.upper()} series ({series[0]} to {series[-1]}, the latest "
                "being the last whose 31 March has passed); the returns in it are not read"
            )
            continue
        if years is not None and label not in years:
            continue
        for la in _visible(p):
            if not la.is_dir():
                out.append(f"{where}/{la.name}: a file where LA folders are expected; not read")
            elif la.name not in las:
                out.append(
                    f"{where}/{la.name}: not the GSS code of a Welsh local authority (W06…); the return is not read"
                )
    return out
