"""Year-versioned submission specs: the contract of shared/spec/submissions.md as data.

``submission_spec("cla")`` gives the tables; ``TableSpec.columns_for(era)`` the columns an
LA file of that era must have, with the names the LA uses.
"""

from dataclasses import dataclass
from functools import lru_cache

import yaml

from orchestration.paths import SPECS_DIR


@dataclass(frozen=True)
class ColumnSpec:
    name: str  # internal name (the LAC / CLA column name)
    type: str  # text | code | date | flag
    required_from: str | None  # era from which the column is required; None = never required
    personal: bool
    eras: tuple[str, ...] | None  # None = every era
    source: dict[str, str]  # era -> column name in that era's files, where it differs
    codes: str | None = None
    values: tuple[str, ...] | None = None
    max_length: int | None = None
    pattern: str | None = None
    not_after_census_date: bool = False
    minimum: float | None = None  # number columns
    maximum: float | None = None

    def source_name(self, era: str) -> str:
        return self.source.get(era, self.name)

    def in_era(self, era: str) -> bool:
        return self.eras is None or era in self.eras


@dataclass(frozen=True)
class TableSpec:
    census: str
    name: str
    description: str
    unique_by_era: dict[str, tuple[str, ...]]  # era -> the file's unique key ("*" = every era)
    columns: tuple[ColumnSpec, ...]

    def unique_for(self, era: str) -> tuple[str, ...]:
        return self.unique_by_era.get(era, self.unique_by_era.get("*", ()))

    def columns_for(self, era: str) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.in_era(era))

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.census}.{self.name} has no column {name!r}")

    @property
    def personal_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.personal)


@dataclass(frozen=True)
class SubmissionSpec:
    census: str
    tables: dict[str, TableSpec]

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(self.tables)


def _required_from(value: object, era_names: list[str]) -> str | None:
    if value is True:
        return era_names[0]
    if not value:
        return None
    if isinstance(value, dict) and "from" in value:
        return str(value["from"])
    raise ValueError(f"bad 'required' in spec: {value!r}")


@lru_cache(maxsize=4)
def submission_spec(census: str) -> SubmissionSpec:
    from orchestration.lib.years import eras_of

    era_names = [e.name for e in eras_of(census)]
    raw = yaml.safe_load((SPECS_DIR / f"{census}.yaml").read_text(encoding="utf-8"))
    tables: dict[str, TableSpec] = {}
    for tname, t in raw["tables"].items():
        cols = []
        for cname, c in t["columns"].items():
            cols.append(
                ColumnSpec(
                    name=cname,
                    type=c["type"],
                    required_from=_required_from(c.get("required", False), era_names),
                    personal=bool(c.get("personal", False)),
                    eras=tuple(c["eras"]) if "eras" in c else None,
                    source=dict(c.get("source", {})),
                    codes=c.get("codes"),
                    values=tuple(c["values"]) if "values" in c else None,
                    max_length=c.get("max_length"),
                    pattern=c.get("pattern"),
                    not_after_census_date=bool(c.get("not_after_census_date", False)),
                    minimum=c.get("min"),
                    maximum=c.get("max"),
                )
            )
        unique = t.get("unique", [])
        by_era = {k: tuple(v) for k, v in unique.items()} if isinstance(unique, dict) else {"*": tuple(unique)}
        tables[tname] = TableSpec(census, tname, t.get("description", ""), by_era, tuple(cols))
    return SubmissionSpec(census, tables)
