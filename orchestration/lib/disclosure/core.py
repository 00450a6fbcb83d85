"""Disclosure control of the published tables (round5, suppress) and its linear-programming audit.

Plain Python (no Dagster). See docs/disclosure.md for the policies, the protection levels and the
relations used per table.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import highspy
import numpy as np
import pandas as pd

from orchestration.lib.disclosure.structure import STRUCTURES, Keys, Ratio, Ref, TableStructure
from orchestration.lib.publication import TABLES
from orchestration.lib.reference import WALES, populations

POLICIES = ("round5", "suppress")
NOTE_CODES = ("[c]", "[x]", "[z]", "[p]", "[r]")
HIDING_CODES = ("[c]", "[x]", "[z]")

# Protection levels (docs/disclosure.md, "Protection levels").
# suppress: the attacker's interval [lo, hi] for a suppressed count must be at least this wide, so no
# estimate m can guarantee |cell - m| < 5 ("recovered within +-5").
SUPPRESS_MIN_WIDTH = 10
# round5: a [c] count must keep at least this many possible whole values (it is never pinned).
ROUND5_MIN_VALUES = 2

_EPS = 1e-6
_INF = highspy.kHighsInf

CellId = tuple[str, Ref]  # (area, (keys, measure)) within one year


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class CellInterval:
    """What an attacker can infer about one [c] count from everything published."""

    year: str
    area_code: str
    keys: dict[str, str]
    measure: str
    lo: float  # smallest value consistent with the publication (whole; -inf/inf when unbounded)
    hi: float
    required: str  # the protection level applied
    protected: bool

    def describe(self, table_id: str) -> str:
        keys = ", ".join(f"{k}={v}" for k, v in self.keys.items()) or "-"
        return (
            f"{table_id.upper()} {self.year} {self.area_code} [{keys}] {self.measure}: "
            f"{_fmt_bound(self.lo)}..{_fmt_bound(self.hi)} ({'protected' if self.protected else 'NOT protected'}; "
            f"needs {self.required})"
        )


def _fmt_bound(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return str(int(x)) if float(x).is_integer() else f"{x:.3f}"


@dataclass
class AuditResult:
    table_id: str
    policy: str
    cells_checked: int = 0  # cells of the frame looked at
    suppressed: int = 0  # cells with [c]
    intervals: list[CellInterval] = field(default_factory=list)  # one per [c] count
    problems: list[str] = field(default_factory=list)  # the publication contradicts the table's relations
    seconds: float = 0.0

    @property
    def failures(self) -> list[CellInterval]:
        return [i for i in self.intervals if not i.protected]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.problems

    def summary(self, timing: bool = True) -> str:
        """What the audit found; ``timing=False`` leaves out the seconds (for the manifest, which must
        be the same for the same inputs)."""
        head = (
            f"{self.table_id.upper()} [{self.policy}]: {'PASSED' if self.passed else 'FAILED'} - "
            f"{self.cells_checked} cells, {self.suppressed} [c], {len(self.intervals)} counts audited, "
            f"{len(self.failures)} unprotected, {len(self.problems)} problems"
            + (f" ({self.seconds:.2f}s)" if timing else "")
        )
        lines = [head]
        lines += [f"  unprotected: {f.describe(self.table_id)}" for f in self.failures[:20]]
        if len(self.failures) > 20:
            lines.append(f"  ... and {len(self.failures) - 20} more")
        lines += [f"  problem: {p}" for p in self.problems[:20]]
        return "\n".join(lines)


@dataclass
class DisclosureResult:
    frame: pd.DataFrame
    audit: AuditResult


# ---------------------------------------------------------------------------------------------
# Reading frames


def _codes(text: object) -> list[str]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return str(text).split()


def _decimal(value: object) -> Decimal | None:
    """A frame value (Decimal, float, int, text, None/NaN/"") as a Decimal, or None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "<na>"):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _whole(d: Decimal, where: str) -> int:
    if d != d.to_integral_value():
        raise ValueError(f"{where}: a count must be whole, got {d}")
    return int(d)


def _tenths(d: Decimal) -> int:
    return int((d * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fmt_tenths(t: int) -> str:
    sign = "-" if t < 0 else ""
    return f"{sign}{abs(t) // 10}.{abs(t) % 10}"


@dataclass
class _Cell:
    row: int
    area: str
    ref: Ref
    value: Decimal | None
    codes: list[str]

    @property
    def hidden(self) -> bool:
        return any(c in HIDING_CODES for c in self.codes)


def _check_columns(frame: pd.DataFrame, table_id: str) -> list[str]:
    if table_id not in TABLES:
        raise ValueError(f"unknown table {table_id!r}; expected one of {sorted(TABLES)}")
    spec = TABLES[table_id]
    cols = ["year", "area_code", *spec.dimensions, "measure", "value", "note_codes"]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"{table_id}: frame lacks columns {missing}")
    return cols


def _years(frame: pd.DataFrame, table_id: str) -> dict[str, dict[CellId, _Cell]]:
    """year -> (area, (keys, measure)) -> cell."""
    spec = TABLES[table_id]
    out: dict[str, dict[CellId, _Cell]] = defaultdict(dict)
    years = frame["year"].astype(str).tolist()
    areas = frame["area_code"].astype(str).tolist()
    dims = [frame[d].astype(str).tolist() for d in spec.dimensions]
    measures = frame["measure"].astype(str).tolist()
    values = frame["value"].tolist()
    notes = frame["note_codes"].tolist()
    for i in range(len(frame)):
        keys: Keys = tuple(d[i] for d in dims)
        ref = (keys, measures[i])
        cell = _Cell(i, areas[i], ref, _decimal(values[i]), _codes(notes[i]))
        cid = (areas[i], ref)
        if cid in out[years[i]]:
            raise ValueError(f"{table_id} {years[i]}: duplicate cell {areas[i]} {keys} {measures[i]}")
        out[years[i]][cid] = cell
    return out


def _label(table_id: str, year: str, area: str, ref: Ref) -> str:
    spec = TABLES[table_id]
    keys = ", ".join(f"{d}={k}" for d, k in zip(spec.dimensions, ref[0], strict=True)) or "-"
    return f"{table_id.upper()} {year} {area} [{keys}] {ref[1]}"


def _keys_dict(table_id: str, ref: Ref) -> dict[str, str]:
    return dict(zip(TABLES[table_id].dimensions, ref[0], strict=True))


# ---------------------------------------------------------------------------------------------
# The linear program


class _LP:
    """Variables = count cells of one year (+ external denominators); rows = relations."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.h: highspy.Highs | None = None

    def var(self, key: object, lo: float, hi: float) -> int:
        if key not in self.index:
            self.index[key] = len(self.lower)
            self.lower.append(lo)
            self.upper.append(hi)
        return self.index[key]

    def row(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coefs, lo, hi))

    def build(self) -> None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        lp = highspy.HighsLp()
        n = len(self.lower)
        lp.num_col_ = n
        lp.num_row_ = len(self.rows)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array(self.lower, dtype=float)
        lp.col_upper_ = np.array(self.upper, dtype=float)
        lp.row_lower_ = np.array([r[1] for r in self.rows], dtype=float)
        lp.row_upper_ = np.array([r[2] for r in self.rows], dtype=float)
        start, index, value = [0], [], []
        for coefs, _, _ in self.rows:
            for j, c in sorted(coefs.items()):
                index.append(j)
                value.append(c)
            start.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = len(self.rows)
        h.passModel(lp)
        self.h = h

    def set_bounds(self, j: int, lo: float, hi: float) -> None:
        self.lower[j], self.upper[j] = lo, hi
        if self.h is not None:
            self.h.changeColBounds(j, lo, hi)

    def _solve(self, j: int, sense: highspy.ObjSense) -> float | None:
        """The extreme of variable j; None when the program is infeasible."""
        h = self.h
        h.changeObjectiveSense(sense)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return h.getInfo().objective_function_value
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            # Unbounded only if feasible: check without the objective.
            h.changeColCost(j, 0.0)
            h.run()
            feasible = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            h.changeColCost(j, 1.0)
            if not feasible:
                return None
            return -_INF if sense == highspy.ObjSense.kMinimize else _INF
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        raise RuntimeError(f"HiGHS: {h.modelStatusToString(status)}")  # pragma: no cover

    def extremes(self, j: int) -> tuple[float, float] | None:
        """min and max of variable j over the feasible set; None when infeasible."""
        if self.h is None:
            self.build()
        self.h.changeColCost(j, 1.0)
        try:
            lo = self._solve(j, highspy.ObjSense.kMinimize)
            hi = None if lo is None else self._solve(j, highspy.ObjSense.kMaximize)
        finally:
            self.h.changeColCost(j, 0.0)
        if lo is None or hi is None:
            return None
        return lo, hi


def _relation_rows(lp: _LP, st: TableStructure, areas: list[str], col: dict[CellId, int], table_id: str):
    """Add the table's relations; return the list of relations as lists of cells (for adjacency)."""
    groups: list[list[CellId]] = []
    for area in areas:
        for rel in st.relations:
            ids = [(area, ref) for ref, _ in rel.terms]
            if not all(i in col for i in ids):
                continue
            coefs: dict[int, float] = defaultdict(float)
            for (_, c), i in zip(rel.terms, ids, strict=True):
                coefs[col[i]] += c
            lp.row(dict(coefs), 0.0 if rel.sense == "=" else -_INF, 0.0)
            groups.append(ids)
    las = [a for a in areas if a != WALES]
    if WALES in areas and las:
        for ref, sense in [(r, "=") for r in st.wales_sum] + [(r, "<=") for r in st.wales_at_most_sum]:
            ids = [(WALES, ref)] + [(a, ref) for a in las]
            if not all(i in col for i in ids):
                continue
            coefs = {col[(WALES, ref)]: 1.0}
            for i in ids[1:]:
                coefs[col[i]] = coefs.get(col[i], 0.0) - 1.0
            lp.row(coefs, 0.0 if sense == "=" else -_INF, 0.0)
            groups.append(ids)
    return groups


def _is_total(st: TableStructure, area: str, ref: Ref) -> bool:
    """A total: a cell with a `total` key, or a Wales cell that is the sum of the LAs. Under round5 only
    these may carry a secondary [c] (a withheld total), so only for these [c] does not mean 1-4."""
    return "total" in ref[0] or (area == WALES and (ref in st.wales_sum or ref in st.wales_at_most_sum))


def _count_bounds_published(
    policy: str, cell: _Cell, signed: bool, where: str, total: bool = False
) -> tuple[float, float]:
    """What the published cell tells about its true count."""
    lo_free = -_INF if signed else 0.0
    if "[z]" in cell.codes:
        return 0.0, 0.0
    if "[x]" in cell.codes:
        return lo_free, _INF
    if "[c]" in cell.codes:
        if policy == "round5":
            if total:  # 1-4, or a withheld total (never 0: 0 is shown as 0)
                return (-_INF, _INF) if signed else (1.0, _INF)
            return (-4.0, 4.0) if signed else (1.0, 4.0)
        return lo_free, _INF
    if cell.value is None:
        raise ValueError(f"{where}: no value and no [c]/[x]/[z]")
    v = _whole(cell.value, where)
    if policy == "suppress":
        return float(v), float(v)
    a, sign = abs(v), (1 if v >= 0 else -1)
    if a == 0:
        lo, hi = 0, 0
    elif a == 5:
        lo, hi = 5, 7  # 3 and 4 would have been [c]
    else:
        lo, hi = a - 2, a + 2
    return (float(lo), float(hi)) if sign > 0 else (float(-hi), float(-lo))


def _ratio_rows(lp: _LP, st: TableStructure, year: str, cells: dict[CellId, _Cell], col: dict[CellId, int]):
    """Published percentages and rates are linear constraints on their counts (half-up, one decimal)."""
    pops = populations()
    for (area, ref), cell in cells.items():
        ratio = st.ratios.get(ref)
        if ratio is None or cell.hidden or cell.value is None:
            continue
        t = _tenths(cell.value)
        num = col.get((area, ratio.count))
        if num is None:
            continue
        if ratio.kind == "percent":
            # 1000 * count / denominator lies in [t - 0.5, t + 0.5]
            if ratio.denominator is not None:
                den = col.get((area, ratio.denominator))
                if den is None:
                    continue
            else:
                den = lp.var(("denominator", area), 0.0, _INF)
            lp.row({num: 1000.0, den: -(t + 0.5)}, -_INF, 0.0)
            lp.row({num: 1000.0, den: -(t - 0.5)}, 0.0, _INF)
        elif ratio.kind == "rate":
            pop = pops.get((area, int(year[:4])))
            if pop:
                # 100000 * count / pop lies in [t - 0.5, t + 0.5]
                lp.row({num: 1.0}, (t - 0.5) * pop / 100000, (t + 0.5) * pop / 100000)
    # external denominators (CRCS4/5/6: all children, CRCS1 total): at least every count, Wales = sum
    ext = [k for k in lp.index if isinstance(k, tuple) and k and k[0] == "denominator"]
    for k in ext:
        area = k[1]
        for (a, _), j in col.items():
            if a == area:
                lp.row({j: 1.0, lp.index[k]: -1.0}, -_INF, 0.0)
    ext_areas = {k[1] for k in ext}
    if WALES in ext_areas and len(ext_areas) > 1 and all(a in ext_areas for a, _ in cells if a != WALES):
        coefs = {lp.index[("denominator", WALES)]: 1.0}
        for a in ext_areas - {WALES}:
            coefs[lp.index[("denominator", a)]] = -1.0
        lp.row(coefs, 0.0, 0.0)


# ---------------------------------------------------------------------------------------------
# Audit


def _protected(policy: str, lo: float, hi: float, n_values: int | None = None) -> bool:
    if math.isinf(lo) or math.isinf(hi):
        return True
    if policy == "suppress":
        return (hi - lo) >= SUPPRESS_MIN_WIDTH
    if n_values is None:
        n_values = int(hi - lo) + 1
    return n_values >= ROUND5_MIN_VALUES


def _requirement(policy: str) -> str:
    if policy == "suppress":
        return f"max - min >= {SUPPRESS_MIN_WIDTH}"
    return f">= {ROUND5_MIN_VALUES} possible values"


def _whole_bounds(lo: float, hi: float) -> tuple[float, float]:
    lo_i = lo if math.isinf(lo) else float(math.ceil(lo - _EPS))
    hi_i = hi if math.isinf(hi) else float(math.floor(hi + _EPS))
    return lo_i, hi_i


def _audit_year(table_id: str, policy: str, year: str, cells: dict[CellId, _Cell], result: AuditResult) -> None:
    st = STRUCTURES[table_id]
    lp = _LP()
    col: dict[CellId, int] = {}
    for cid, cell in cells.items():
        if cid[1][1] in st.count_measures:
            signed = cid[1][1] in st.signed_measures
            where = _label(table_id, year, *cid)
            lo, hi = _count_bounds_published(policy, cell, signed, where, _is_total(st, *cid))
            col[cid] = lp.var(cid, lo, hi)
    areas = sorted({a for a, _ in cells})
    _relation_rows(lp, st, areas, col, table_id)
    _ratio_rows(lp, st, year, cells, col)
    lp.build()
    if lp.h is not None and col:
        j0 = next(iter(col.values()))
        if lp.extremes(j0) is None:
            result.problems.append(
                f"{table_id.upper()} {year}: the published figures contradict the table's relations (no solution)"
            )
            return
    for cid, cell in cells.items():
        if "[c]" not in cell.codes or cid not in col:
            continue
        j = col[cid]
        signed = cid[1][1] in st.signed_measures
        if signed and policy == "round5" and not _is_total(st, *cid):
            # a [c] difference is -4..-1 or 1..4: audit each sign on its own, count the whole values
            n_values, los, his = 0, [], []
            for blo, bhi in ((1.0, 4.0), (-4.0, -1.0)):
                lp.set_bounds(j, blo, bhi)
                ext = lp.extremes(j)
                if ext is not None:
                    lo_i, hi_i = _whole_bounds(*ext)
                    if hi_i >= lo_i:
                        n_values += int(hi_i - lo_i) + 1
                        los.append(lo_i)
                        his.append(hi_i)
            lp.set_bounds(j, -4.0, 4.0)
            lo_i, hi_i = (min(los), max(his)) if los else (0.0, 0.0)
            ok = _protected(policy, lo_i, hi_i, n_values)
        else:
            ext = lp.extremes(j)
            if ext is None:  # pragma: no cover - checked above
                continue
            lo_i, hi_i = _whole_bounds(*ext)
            ok = _protected(policy, lo_i, hi_i)
        result.intervals.append(
            CellInterval(
                year=year,
                area_code=cid[0],
                keys=_keys_dict(table_id, cid[1]),
                measure=cid[1][1],
                lo=lo_i,
                hi=hi_i,
                required=_requirement(policy),
                protected=ok,
            )
        )


def audit(published: pd.DataFrame, table_id: str, policy: str) -> AuditResult:
    """For every [c] count, the interval an attacker can infer by linear programming; passed when each
    is protected (docs/disclosure.md). Works on any published frame (values as text or numbers)."""
    import time

    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    _check_columns(published, table_id)
    started = time.perf_counter()
    result = AuditResult(table_id=table_id, policy=policy, cells_checked=len(published))
    for year, cells in _years(published, table_id).items():
        result.suppressed += sum(1 for c in cells.values() if "[c]" in c.codes)
        _audit_year(table_id, policy, year, cells, result)
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------
# Checks every published frame must pass


def check_publishable(published: pd.DataFrame, table_id: str, policy: str) -> list[str]:
    """Rules every published frame meets whatever the audit says; problems as readable strings."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    _check_columns(published, table_id)
    st = STRUCTURES[table_id]
    problems: list[str] = []
    years = _years_lenient(published, table_id, problems)
    for year, cells in years.items():
        for (area, ref), (raw_value, raw_codes) in cells.items():
            where = _label(table_id, year, area, ref)
            codes = _codes(raw_codes)
            bad = [c for c in codes if c not in NOTE_CODES]
            if bad:
                problems.append(f"{where}: unknown note code(s) {' '.join(bad)}")
            hidden = any(c in HIDING_CODES for c in codes)
            text = "" if raw_value is None else str(raw_value).strip()
            if text.lower() in ("nan", "none", "<na>"):
                text = ""
            if hidden and text != "":
                problems.append(f"{where}: value {text!r} shown with {' '.join(codes)}")
            if not hidden and text == "":
                problems.append(f"{where}: empty value without [c], [x] or [z]")
            if hidden or text == "":
                continue
            try:
                d = _decimal(raw_value)
            except ValueError:
                problems.append(f"{where}: value {text!r} is not a number")
                continue
            if ref[1] in st.count_measures:
                if d != d.to_integral_value():
                    problems.append(f"{where}: count {text} is not whole")
                    continue
                v = int(d)
                if 1 <= abs(v) <= 4:
                    problems.append(f"{where}: count {v} is between 1 and 4 and not [c]")
                if policy == "round5" and v % 5 != 0:
                    problems.append(f"{where}: count {v} is not a multiple of 5")
                if v < 0 and ref[1] not in st.signed_measures:
                    problems.append(f"{where}: count {v} is negative")
        expected = {(c[0], ((*c[1:-1],), c[-1])) for c in _expected(table_id)}
        missing = expected - set(cells)
        extra = set(cells) - expected
        for area, ref in sorted(missing)[:10]:
            problems.append(f"{_label(table_id, year, area, ref)}: cell missing")
        for area, ref in sorted(extra)[:10]:
            problems.append(f"{_label(table_id, year, area, ref)}: unexpected cell")
    return problems


def _expected(table_id: str):
    from orchestration.lib.publication import expected_cells

    return expected_cells(table_id)


def _years_lenient(frame: pd.DataFrame, table_id: str, problems: list[str]):
    spec = TABLES[table_id]
    out: dict[str, dict[CellId, tuple[object, object]]] = defaultdict(dict)
    years = frame["year"].astype(str).tolist()
    areas = frame["area_code"].astype(str).tolist()
    dims = [frame[d].astype(str).tolist() for d in spec.dimensions]
    measures = frame["measure"].astype(str).tolist()
    values, notes = frame["value"].tolist(), frame["note_codes"].tolist()
    for i in range(len(frame)):
        cid = (areas[i], (tuple(d[i] for d in dims), measures[i]))
        if cid in out[years[i]]:
            problems.append(f"{_label(table_id, years[i], *cid)}: duplicate cell")
        v = values[i]
        if isinstance(v, float) and math.isnan(v):
            v = None
        out[years[i]][cid] = (v, "" if notes[i] is None or (isinstance(notes[i], float)) else notes[i])
    return out


# ---------------------------------------------------------------------------------------------
# Checking the unrounded input against the declared structure


def check_relations(frame: pd.DataFrame, table_id: str) -> list[str]:
    """The declared relations must hold on the unrounded counts (else the audit's premises are wrong)."""
    _check_columns(frame, table_id)
    st = STRUCTURES[table_id]
    problems = []
    for year, cells in _years(frame, table_id).items():
        val: dict[CellId, int] = {}
        for cid, cell in cells.items():
            if cid[1][1] in st.count_measures and not cell.hidden and cell.value is not None:
                val[cid] = _whole(cell.value, _label(table_id, year, *cid))
        areas = sorted({a for a, _ in cells})
        checks: list[tuple[str, list[tuple[CellId, int]], str]] = []
        for area in areas:
            for rel in st.relations:
                checks.append((f"{area} {rel.label}", [((area, r), c) for r, c in rel.terms], rel.sense))
        las = [a for a in areas if a != WALES]
        if WALES in areas and las:
            for ref, sense in [(r, "=") for r in st.wales_sum] + [(r, "<=") for r in st.wales_at_most_sum]:
                terms = [((WALES, ref), 1)] + [((a, ref), -1) for a in las]
                checks.append((f"Wales {'=' if sense == '=' else '<='} sum of LAs for {ref}", terms, sense))
        for label, terms, sense in checks:
            if not all(cid in val for cid, _ in terms):
                continue  # an [x]/[z] cell: nothing to check
            s = sum(val[cid] * c for cid, c in terms)
            if (sense == "=" and s != 0) or (sense == "<=" and s > 0):
                problems.append(f"{table_id.upper()} {year}: {label} does not hold (difference {s})")
    return problems


# ---------------------------------------------------------------------------------------------
# Applying a policy


def _round5(n: int) -> int:
    a = abs(n)
    r = 5 * ((a + 2) // 5)
    return r if n >= 0 else -r


def _external_denominator_small(cells: dict[CellId, _Cell], area: str, st: TableStructure) -> bool:
    """CRCS4/5/6: is the area's denominator (CRCS1 total, not in the table) 1-9? Derived exactly from a
    count and its unrounded percentage: for a count c >= 1 the percentages c/d for d = c..9 differ by
    more than 0.1 point, so the published tenth names d when d < 10."""
    best: tuple[int, int] | None = None
    for (a, ref), cell in cells.items():
        ratio = st.ratios.get(ref)
        if a != area or ratio is None or ratio.kind != "percent" or ratio.denominator is not None:
            continue
        if cell.hidden or cell.value is None:
            continue
        count = cells.get((area, ratio.count))
        if count is None or count.hidden or count.value is None:
            continue
        c = int(count.value)
        if c >= 10:
            return False
        if c >= 1 and (best is None or c > best[0]):
            best = (c, _tenths(cell.value))
    if best is None:
        return False  # every count 0: the percentages (0.0) say no more than the counts
    c, t = best
    return any(_pct_tenths(c, d) == t for d in range(max(c, 1), 10))


def _pct_tenths(n: int, d: int) -> int:
    return (2 * n * 1000 + d) // (2 * d)  # half up of 1000 n / d


def _secondary(
    table_id: str, year: str, cells: dict[CellId, _Cell], counts: dict[CellId, int], primary: set[CellId]
) -> set[CellId]:
    """Greedy secondary suppression: while a suppressed count is not protected (LP interval narrower
    than SUPPRESS_MIN_WIDTH), suppress a related published count: the smallest whose value covers the
    shortfall, else the largest. Suppressing only widens intervals, so each round re-audits only the
    cells not yet protected and the new ones."""
    st = STRUCTURES[table_id]
    lp = _LP()
    col: dict[CellId, int] = {}
    for cid, cell in cells.items():
        if cid[1][1] not in st.count_measures:
            continue
        signed = cid[1][1] in st.signed_measures
        if cid in counts:
            v = float(counts[cid])
            col[cid] = lp.var(cid, v, v)
        elif "[z]" in cell.codes:
            col[cid] = lp.var(cid, 0.0, 0.0)
        else:
            col[cid] = lp.var(cid, -_INF if signed else 0.0, _INF)
    areas = sorted({a for a, _ in cells})
    groups = _relation_rows(lp, st, areas, col, table_id)
    lp.build()
    related: dict[CellId, set[CellId]] = defaultdict(set)
    for g in groups:
        for c in g:
            related[c].update(x for x in g if x != c)
    order = {cid: i for i, cid in enumerate(cells)}

    def suppress(cid: CellId) -> None:
        signed = cid[1][1] in st.signed_measures
        lp.set_bounds(col[cid], -_INF if signed else 0.0, _INF)

    suppressed = set(primary)
    for cid in primary:
        suppress(cid)
    pending = set(primary)
    for _ in range(10_000):
        failing: list[tuple[CellId, float]] = []
        for cid in sorted(pending, key=order.__getitem__):
            ext = lp.extremes(col[cid])
            if ext is None:  # pragma: no cover - the input satisfies its relations (checked)
                raise RuntimeError(f"{table_id} {year}: relations infeasible")
            lo, hi = _whole_bounds(*ext)
            if not _protected("suppress", lo, hi):
                failing.append((cid, hi - lo))
        if not failing:
            break
        pending = {cid for cid, _ in failing}
        touched: set[CellId] = set()
        added = False
        for cid, width in failing:
            if cid in touched:
                continue  # a cell suppressed this round shares a relation with it: re-audit first
            candidates = {c for c in related[cid] if c in counts and c not in suppressed}
            if not candidates:
                hop = {c for s in related[cid] if s in suppressed for c in related[s]}
                candidates = {c for c in hop if c in counts and c not in suppressed}
            if not candidates:
                continue
            shortfall = SUPPRESS_MIN_WIDTH - width

            def cost(c: CellId, shortfall: float = shortfall) -> tuple:
                v = abs(counts[c])
                enough = v >= shortfall
                return (not enough, v if enough else -v, c[1][0].count("total"), c[0] == WALES, order[c])

            pick = min(candidates, key=cost)
            suppressed.add(pick)
            suppress(pick)
            pending.add(pick)
            touched.update(related[pick])
            touched.add(pick)
            added = True
        if not added:
            break  # nothing left to suppress: the final audit reports the unprotected cells
    return suppressed


def apply_policy(frame: pd.DataFrame, table_id: str, policy: str = "round5") -> DisclosureResult:
    """Apply the disclosure policy to an unrounded publication frame of ONE table (any number of years;
    each year on its own). Same columns and rows in the same order; ``value`` is text ready to publish,
    ``note_codes`` text. The result's audit is run on the output."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    _check_columns(frame, table_id)
    problems = check_relations(frame, table_id)
    if problems:
        raise ValueError("the unrounded table breaks its declared relations:\n" + "\n".join(problems[:20]))
    st = STRUCTURES[table_id]
    values = [""] * len(frame)
    notes = [""] * len(frame)
    for year, cells in _years(frame, table_id).items():
        counts: dict[CellId, int] = {}
        for cid, cell in cells.items():
            if cid[1][1] in st.count_measures and not cell.hidden:
                if cell.value is None:
                    raise ValueError(f"{_label(table_id, year, *cid)}: no value and no [x]/[z]")
                counts[cid] = _whole(cell.value, _label(table_id, year, *cid))
        primary = {cid for cid, v in counts.items() if 1 <= abs(v) <= 4}
        hidden_counts = _secondary(table_id, year, cells, counts, primary) if policy == "suppress" else set(primary)
        small_external = {area: _external_denominator_small(cells, area, st) for area in {a for a, _ in cells}}
        for _ in range(1000):
            _publish_year(table_id, policy, year, cells, counts, hidden_counts, small_external, values, notes)
            if policy == "suppress":
                break
            # round5: a [c] pinned by rounded totals (e.g. two 4s under a total of 8 shown as 10) gets its
            # smallest related total withheld too; repeat until the audit passes or nothing is left.
            check = AuditResult(table_id=table_id, policy=policy)
            out_cells = {
                cid: _Cell(c.row, c.area, c.ref, _decimal(values[c.row]), _codes(notes[c.row]))
                for cid, c in cells.items()
            }
            _audit_year(table_id, policy, year, out_cells, check)
            if check.passed:
                break
            added = False
            for f in check.failures:
                cid = (f.area_code, (tuple(f.keys.values()), f.measure))
                cands = [
                    c
                    for c in _related(table_id, cells, cid)
                    if c in counts and c not in hidden_counts and counts[c] != 0 and _is_total(st, *c)
                ]
                if cands:
                    hidden_counts.add(min(cands, key=lambda c: (abs(counts[c]), c[0] == WALES)))
                    added = True
            if not added:
                break
    out = frame.copy()
    out["value"] = pd.Series(values, index=out.index, dtype=object)
    out["note_codes"] = pd.Series(notes, index=out.index, dtype=object)
    return DisclosureResult(frame=out, audit=audit(out, table_id, policy))


def _related(table_id: str, cells: dict[CellId, _Cell], cid: CellId) -> set[CellId]:
    """The cells sharing a relation (within the area, or across areas via Wales) with cid."""
    st = STRUCTURES[table_id]
    area, ref = cid
    out: set[CellId] = set()
    for rel in st.relations:
        refs = [r for r, _ in rel.terms]
        if ref in refs:
            out.update((area, r) for r in refs)
    if ref in st.wales_sum or ref in st.wales_at_most_sum:
        out.update((a, r) for a, r in cells if r == ref)
    out.discard(cid)
    return {c for c in out if c in cells}


def _publish_year(
    table_id: str,
    policy: str,
    year: str,
    cells: dict[CellId, _Cell],
    counts: dict[CellId, int],
    hidden_counts: set[CellId],
    small_external: dict[str, bool],
    values: list[str],
    notes: list[str],
) -> None:
    """Write the published value and note codes of every cell of one year into values/notes."""
    st = STRUCTURES[table_id]
    if True:
        for cid, cell in cells.items():
            area, ref = cid
            keep = [c for c in cell.codes if c not in HIDING_CODES]
            passthrough = [c for c in ("[z]", "[x]") if c in cell.codes]
            if passthrough:
                code = "[z]" if "[z]" in passthrough else "[x]"
                values[cell.row], notes[cell.row] = "", " ".join([code, *keep])
                continue
            if "[c]" in cell.codes:  # already confidential on input
                values[cell.row], notes[cell.row] = "", " ".join(["[c]", *keep])
                continue
            conf = False
            if ref[1] in st.count_measures:
                conf = cid in hidden_counts
                text = "" if conf else str(_round5(counts[cid]) if policy == "round5" else counts[cid])
            else:
                ratio: Ratio | None = st.ratios.get(ref)
                if cell.value is None:
                    raise ValueError(f"{_label(table_id, year, *cid)}: no value and no [x]/[z]")
                text = _fmt_tenths(_tenths(cell.value))
                if ratio is not None:
                    own = (area, ratio.count)
                    if own in hidden_counts:
                        conf = True
                    if ratio.kind in ("percent", "median"):
                        if ratio.denominator is not None:
                            den = (area, ratio.denominator)
                            if den in hidden_counts or (den in counts and 1 <= counts[den] <= 9):
                                conf = True
                        elif small_external.get(area):
                            conf = True
            if conf:
                values[cell.row], notes[cell.row] = "", " ".join(["[c]", *keep])
            else:
                values[cell.row], notes[cell.row] = text, " ".join(keep)
