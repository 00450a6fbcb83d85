"""The reviewed structure of every published table, as disclosure control needs it.

For each table id of ``publication.TABLES``: which measures are counts, the exact additive relations
between its count cells within one area (a ``total`` key and the keys it is the sum of, or an exact
inequality), whether the Wales cell of a count is the exact sum of the 22 LA cells (or only at most
that sum), and for every rate, percentage or median the count cell it belongs to and its denominator.

Everything here is derived from shared/spec/publication.md ("Table details") and docs/definitions.md,
and checked against the dbt models ``pub_<table>.sql`` (see docs/disclosure.md, "Relations").
A relation is listed only where it holds exactly for every year by construction; where it does not
(CLA4's Wales row, CRCS4/5/6 ``total`` = any), only the exact inequalities are listed.
"""

from dataclasses import dataclass, field

from orchestration.lib.publication import AGE_GROUPS, TABLES

Keys = tuple[str, ...]  # the keys of a cell, one per dimension of the table (empty for CLA9, REC1)
Ref = tuple[Keys, str]  # (keys, measure): one cell within an area


@dataclass(frozen=True)
class Relation:
    """sum(coef * cell) == 0 (``sense`` "=") or <= 0 (``sense`` "<="), within one area."""

    terms: tuple[tuple[Ref, int], ...]
    sense: str = "="
    label: str = ""


@dataclass(frozen=True)
class Ratio:
    """A rate, percentage or median and the counts it depends on.

    ``count``: its own count cell (the same row); ``denominator``: the count cell it divides by, or
    None when the denominator is outside the table (CRCS4/5/6: the area's CRCS1 total; rates: the
    population). A median's denominator is its own count (the children it is the median of).
    """

    count: Ref
    denominator: Ref | None
    kind: str  # "percent", "rate", "median"


@dataclass(frozen=True)
class TableStructure:
    table_id: str
    count_measures: tuple[str, ...] = ("count",)
    signed_measures: tuple[str, ...] = ()  # counts that may be negative (REC1 difference)
    relations: tuple[Relation, ...] = ()  # within each area
    wales_sum: frozenset[Ref] = frozenset()  # Wales cell == sum of the 22 LA cells
    wales_at_most_sum: frozenset[Ref] = frozenset()  # Wales cell <= sum of the 22 LA cells
    ratios: dict[Ref, Ratio] = field(default_factory=dict)
    notes: str = ""


def _sum(total: Ref, parts: list[Ref], label: str) -> Relation:
    """total == sum(parts)."""
    return Relation(terms=((total, 1), *((p, -1) for p in parts)), sense="=", label=label)


def _at_most(small: Ref, big: Ref, label: str) -> Relation:
    """small <= big."""
    return Relation(terms=((small, 1), (big, -1)), sense="<=", label=label)


def _at_most_sum(total: Ref, parts: list[Ref], label: str) -> Relation:
    """total <= sum(parts)."""
    return Relation(terms=((total, 1), *((p, -1) for p in parts)), sense="<=", label=label)


def _all_refs(table_id: str) -> list[Ref]:
    """Every cell of one area of the table, in file order."""
    spec = TABLES[table_id]
    combos: list[Keys] = [()]
    for d in spec.dimensions:
        combos = [(*c, k) for c in combos for k in spec.keys[d]]
    refs = []
    for combo in combos:
        for m in spec.measures_for(combo[-1] if combo else None):
            refs.append((combo, m))
    return refs


def _count_refs(table_id: str, measures: tuple[str, ...] = ("count",)) -> frozenset[Ref]:
    return frozenset(r for r in _all_refs(table_id) if r[1] in measures)


def _one_dim_total(table_id: str, exclude: tuple[str, ...] = ()) -> Relation:
    keys = TABLES[table_id].keys[TABLES[table_id].dimensions[0]]
    parts = [((k,), "count") for k in keys if k != "total" and k not in exclude]
    return _sum((("total",), "count"), parts, f"{table_id}: total = sum of the other keys")


def _percents_of_total(table_id: str) -> dict[Ref, Ratio]:
    """percent on every non-total key of a 1-D table, of the same area's total."""
    keys = TABLES[table_id].keys[TABLES[table_id].dimensions[0]]
    return {
        ((k,), "percent"): Ratio(count=((k,), "count"), denominator=(("total",), "count"), kind="percent")
        for k in keys
        if k != "total"
    }


def _percents_external(table_id: str) -> dict[Ref, Ratio]:
    """percent on every key (total = any included) of all children: CRCS1's total, outside the table."""
    keys = TABLES[table_id].keys[TABLES[table_id].dimensions[0]]
    return {((k,), "percent"): Ratio(count=((k,), "count"), denominator=None, kind="percent") for k in keys}


def _any_total(table_id: str) -> tuple[Relation, ...]:
    """total = children with ANY of the codes: each code <= total <= sum of the codes."""
    keys = [k for k in TABLES[table_id].keys[TABLES[table_id].dimensions[0]] if k != "total"]
    total = (("total",), "count")
    rels = [_at_most(((k,), "count"), total, f"{table_id}: {k} <= total (any)") for k in keys]
    rels.append(_at_most_sum(total, [((k,), "count") for k in keys], f"{table_id}: total (any) <= sum of codes"))
    return tuple(rels)


def _sex_by_age(table_id: str) -> tuple[Relation, ...]:
    """CLA3/CRCS3: totals both ways (the grand total is in both families)."""
    sexes = TABLES[table_id].keys["sex"]
    ages = AGE_GROUPS
    rels = []
    for s in sexes:
        rels.append(
            _sum(
                ((s, "total"), "count"),
                [((s, a), "count") for a in ages if a != "total"],
                f"{table_id}: {s} x total = sum over age groups",
            )
        )
    for a in ages:
        rels.append(
            _sum(
                (("total", a), "count"),
                [((s, a), "count") for s in sexes if s != "total"],
                f"{table_id}: total x {a} = sum over sexes",
            )
        )
    return tuple(rels)


def _build() -> dict[str, TableStructure]:
    s: dict[str, TableStructure] = {}
    total = (("total",), "count")

    # CLA1: legal status groups partition the stock (every legal status other than V3/V4 is in one
    # group; short breaks are removed first). Wales = sum of LAs (pub_cla1 sums the LA cells).
    s["cla1"] = TableStructure(
        "cla1",
        relations=(_one_dim_total("cla1"),),
        wales_sum=_count_refs("cla1"),
        ratios={(("total",), "rate_per_10000"): Ratio(count=total, denominator=None, kind="rate")},
        notes="total = sum of legal status groups; Wales = sum of LAs; rate on total (population outside the table)",
    )
    # CLA2: placement groups partition the stock; each child once in its LA and once in Wales.
    s["cla2"] = TableStructure(
        "cla2",
        relations=(_one_dim_total("cla2"),),
        wales_sum=_count_refs("cla2"),
        notes="total = sum of placement groups; Wales = sum of LAs",
    )
    # CLA3/CRCS3: Wales only, sex x age group with totals both ways.
    s["cla3"] = TableStructure("cla3", relations=_sex_by_age("cla3"), notes="Wales only; sex x age, totals both ways")
    # CLA4: LA rows: total = sum N1-N8. The Wales row counts genuine starts only (transfers in left
    # out, and a child with a later genuine start takes THAT start's category), so Wales is not the
    # sum of LAs by category; only Wales total <= sum of LA totals holds (every Wales child is also
    # counted, once, in the row of the LA where the genuine start happened).
    s["cla4"] = TableStructure(
        "cla4",
        relations=(_one_dim_total("cla4"),),
        wales_at_most_sum=frozenset({total}),
        notes="total = sum N1-N8 in every row; Wales excludes transfers in: only Wales total <= sum of LA totals",
    )
    # CLA5: one row per child ceased; Wales = sum of LAs (E3/E7 `transferred` in LA and Wales).
    s["cla5"] = TableStructure(
        "cla5",
        relations=(_one_dim_total("cla5"),),
        wales_sum=_count_refs("cla5"),
        notes="total = sum of ceased groups; Wales = sum of LAs",
    )
    # CLA6: age groups partition ages 0-17; median age on total, of the total's children.
    s["cla6"] = TableStructure(
        "cla6",
        relations=(_one_dim_total("cla6"),),
        wales_sum=_count_refs("cla6"),
        ratios={(("total",), "median_age"): Ratio(count=total, denominator=total, kind="median")},
        notes="total = sum of age groups; Wales = sum of LAs; median of the total's children",
    )
    # CLA7: outcomes are subsets of the care leavers (not a partition): each outcome <= total.
    s["cla7"] = TableStructure(
        "cla7",
        relations=tuple(
            _at_most(((k,), "count"), total, f"cla7: {k} <= total")
            for k in ("in_touch", "suitable_accommodation", "education_training_employment")
        ),
        wales_sum=_count_refs("cla7"),
        ratios=_percents_of_total("cla7"),
        notes="each outcome <= total (subsets); Wales = sum of LAs; percent of total",
    )
    # CLA8: 3_or_more is a subset of the stock.
    s["cla8"] = TableStructure(
        "cla8",
        relations=(_at_most((("3_or_more",), "count"), total, "cla8: 3_or_more <= total"),),
        wales_sum=_count_refs("cla8"),
        ratios=_percents_of_total("cla8"),
        notes="3_or_more <= total; Wales = sum of LAs; percent of total",
    )
    # CLA9: area only.
    s["cla9"] = TableStructure("cla9", wales_sum=_count_refs("cla9"), notes="Wales = sum of LAs")
    # CRCS1: looked_after + child_protection_register + neither = total; unborn outside total.
    s["crcs1"] = TableStructure(
        "crcs1",
        relations=(_one_dim_total("crcs1", exclude=("unborn",)),),
        wales_sum=_count_refs("crcs1"),
        ratios={(("total",), "rate_per_10000"): Ratio(count=total, denominator=None, kind="rate")},
        notes="total = looked_after + child_protection_register + neither (unborn outside); Wales = sum of LAs",
    )
    s["crcs2"] = TableStructure(
        "crcs2",
        relations=(_one_dim_total("crcs2"),),
        wales_sum=_count_refs("crcs2"),
        ratios=_percents_of_total("crcs2"),
        notes="total = sum N1-N9; Wales = sum of LAs; percent of total",
    )
    s["crcs3"] = TableStructure(
        "crcs3", relations=_sex_by_age("crcs3"), notes="Wales only; sex x age, totals both ways"
    )
    for t in ("crcs4", "crcs5", "crcs6"):
        s[t] = TableStructure(
            t,
            relations=_any_total(t),
            wales_sum=_count_refs(t),
            ratios=_percents_external(t),
            notes="total = any: each code <= total <= sum of codes; Wales = sum of LAs; percent of CRCS1 total",
        )
    # CRCS7: per health item, total (eligible) = yes + no + not_recorded; no total over items.
    crcs7_rel = []
    crcs7_ratios = {}
    for item in TABLES["crcs7"].keys["health_item"]:
        parts = [((item, st), "count") for st in ("yes", "no", "not_recorded")]
        crcs7_rel.append(_sum(((item, "total"), "count"), parts, f"crcs7: {item} total = yes + no + not_recorded"))
        for st in ("yes", "no", "not_recorded"):
            crcs7_ratios[((item, st), "percent")] = Ratio(
                count=((item, st), "count"), denominator=((item, "total"), "count"), kind="percent"
            )
    s["crcs7"] = TableStructure(
        "crcs7",
        relations=tuple(crcs7_rel),
        wales_sum=_count_refs("crcs7"),
        ratios=crcs7_ratios,
        notes="per item: total = yes + no + not_recorded; Wales = sum of LAs; percent of the item's total",
    )
    # CRCS8: closed total = sum RC1-RC8; started has total only (started x RCn is [z]).
    s["crcs8"] = TableStructure(
        "crcs8",
        relations=(
            _sum(
                (("closed", "total"), "count"),
                [(("closed", f"RC{i}"), "count") for i in range(1, 9)],
                "crcs8: closed total = sum RC1-RC8",
            ),
        ),
        wales_sum=_count_refs("crcs8"),
        notes="closed total = sum RC1-RC8; Wales = sum of LAs",
    )
    # REC1: difference = crcs_count - cla_count in every row; each measure: Wales = sum of LAs.
    rec = ("crcs_count", "cla_count", "difference")
    s["rec1"] = TableStructure(
        "rec1",
        count_measures=rec,
        signed_measures=("difference",),
        relations=(
            Relation(
                terms=((((), "difference"), 1), (((), "crcs_count"), -1), (((), "cla_count"), 1)),
                label="rec1: difference = crcs_count - cla_count",
            ),
        ),
        wales_sum=_count_refs("rec1", rec),
        notes="difference = crcs_count - cla_count; Wales = sum of LAs for each measure",
    )
    missing = set(TABLES) - set(s)
    if missing:  # pragma: no cover - a table added to TABLES without a reviewed structure
        raise RuntimeError(f"no disclosure structure for {sorted(missing)}")
    return s


STRUCTURES: dict[str, TableStructure] = _build()
