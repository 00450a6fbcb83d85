"""The Welsh validation rule pack: rules as data plus small vectorised functions.

A rule is an id (``CLA-001``…), a message an LA officer understands, the table and fields it
looks at, the eras it applies to (``Eras``: the first and last era by name, resolved against the
eras seed, so a new era gets every rule whose range is open at the end), a severity (``error``
blocks the LA's partition, ``warning`` is only reported) and a check. A check takes a
``RuleContext`` and returns a boolean Series aligned with the rows of ``ctx.tables[rule.table]``:
True marks a row that breaks the rule.

Checks see the LA's return as read from its files: every value is text (``None`` = missing),
columns carry the internal names, and ``_line`` is the line in the LA's file. Helpers in
``orchestration.lib.rules.helpers`` parse dates in the era's format and look up code lists.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from orchestration.lib.issues import Issue
from orchestration.lib.years import CollectionYear, eras_of

LINE = "_line"


@dataclass(frozen=True)
class Eras:
    """The eras a rule applies to, as data: from ``first`` to ``last`` in the census's era order
    (dbt_project/seeds/mappings/eras.csv). ``None`` is open: from the census's first era, or on to
    its latest, including eras added to the seed after the rule was written."""

    first: str | None = None
    last: str | None = None

    def names(self, census: str) -> tuple[str, ...]:
        """The census's era names in the range, in era order (resolved when asked, not when defined)."""
        order = [e.name for e in eras_of(census)]
        for bound in (self.first, self.last):
            if bound is not None and bound not in order:
                raise ValueError(f"{bound!r} is not a {census.upper()} era (eras: {', '.join(order)})")
        start = order.index(self.first) if self.first else 0
        stop = order.index(self.last) + 1 if self.last else len(order)
        return tuple(order[start:stop])

    def includes(self, census: str, era: str) -> bool:
        return era in self.names(census)

    def holds(self, ctx: "RuleContext") -> bool:
        """The context's year is in one of the eras."""
        return self.includes(ctx.census, ctx.era)


@dataclass
class RuleContext:
    census: str
    year: CollectionYear
    la_code: str
    tables: dict[str, pd.DataFrame]  # table -> text frame with internal column names and _line
    files: dict[str, str] = field(default_factory=dict)  # table -> display path of the file
    previous: dict[str, pd.DataFrame] | None = None  # last year's return of the same LA, if known
    # The other census's return of the same LA and year (CLA for a CRCS return and the reverse), as
    # text, when it has landed: for the cross-census warnings.
    linked: dict[str, pd.DataFrame] | None = None

    @property
    def era(self) -> str:
        return self.year.era(self.census).name


@dataclass(frozen=True)
class Rule:
    id: str
    census: str
    table: str
    fields: tuple[str, ...]
    message: str
    severity: str  # error | warning
    era_range: Eras | None  # None = every era of the census, present and future
    check: Callable[[RuleContext], pd.Series]
    description: str = ""
    # True: the check marks rows of last year's return (ctx.previous[table]) and the issues point
    # at last year's file, e.g. a child open on 31 March last year who is missing this year.
    previous: bool = False

    @property
    def eras(self) -> tuple[str, ...] | None:
        """The names of the eras the rule applies to, from the eras seed (None: every era)."""
        return None if self.era_range is None else self.era_range.names(self.census)

    def applies(self, ctx: RuleContext) -> bool:
        if not (self.era_range is None or self.era_range.holds(ctx)):
            return False
        if self.previous:
            if ctx.previous is None or ctx.previous.get(self.table) is None:
                return False
            try:
                ctx.year.previous().era(ctx.census)
            except ValueError:  # YearError: no return the year before the series starts
                return False
            return True
        return self.table in ctx.tables


def run_rules(ctx: RuleContext, rules: "list[Rule] | tuple[Rule, ...]") -> list[Issue]:
    """Run every applicable rule; one Issue per failing row (the first field names the column)."""
    from orchestration.lib.specs import submission_spec

    spec = submission_spec(ctx.census)
    issues: list[Issue] = []
    for rule in rules:
        if not rule.applies(ctx):
            continue
        frame = ctx.previous[rule.table] if rule.previous else ctx.tables[rule.table]
        if frame is None or frame.empty:
            continue
        failing = rule.check(ctx)
        failing = failing.reindex(frame.index, fill_value=False).fillna(False).astype(bool)
        if not failing.any():
            continue
        year = ctx.year.previous() if rule.previous else ctx.year
        era = year.era(ctx.census).name
        column = spec.tables[rule.table].column(rule.fields[0]) if rule.fields else None
        field_name = column.source_name(era) if column is not None else None
        default_file = f"{ctx.census}/{year.label}/{ctx.la_code}/{rule.table}.csv"
        file = default_file if rule.previous else ctx.files.get(rule.table, default_file)
        for line in frame.loc[failing, LINE]:
            issues.append(Issue(file, int(line), field_name, rule.id, rule.message, rule.severity))
    return issues
