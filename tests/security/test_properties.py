"""Property-based tests: whatever an LA's file holds, the readers, the rule packs and validate_return
answer with the platform's own issues (never an exception), every issue names a file, and no
issue repeats a child id from the file."""

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.lib.ingest import rules_for, validate_return
from orchestration.lib.readers import LINE_COLUMN, read_csv_table
from orchestration.lib.rules import RuleContext, run_rules
from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear, eras_of

KEY = b"property-key"
GSS = "W06000012"
# one year per era of each census
ERA_YEARS = {"cla": ["2015-16", "2019-20", "2023-24"], "crcs": ["2015-16", "2019-20", "2023-24"]}
SETTINGS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# A child id the generator makes: distinctive, so "no issue repeats it" is a real test.
child_ids = st.from_regex(r"QZ[0-9]{5}[A-Z]{2}", fullmatch=True)
dates = st.dates().flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            d.strftime("%d/%m/%Y"),
            d.strftime("%m/%d/%Y"),
            d.strftime("%Y%m%d"),
            d.strftime("%d-%b-%y"),
            f"{d.isoformat()}T00:00:00",
            str(d.toordinal() - 693594),
        ]
    )
)
impossible = st.sampled_from(
    [
        "2019-02-31",
        "31/02/2019",
        "2019-13-01",
        "00/00/0000",
        "9999-99-99",
        "0001-01-01",
        "1677-01-01",
        "2262-05-01",
        "2019-2-3",
        " 2019-04-01 ",
    ]
)
formula = st.sampled_from(['=HYPERLINK("http://x","y")', "=1+1", "+SUM(A1)", "-2+3", "@cmd", "=cmd|' /C calc'!A0"])
codes = st.sampled_from(
    [
        "M",
        "F",
        "1",
        "2",
        "9",
        "U",
        "N",
        "Y",
        "R",
        "S",
        "P",
        "X1",
        "E10",
        "E11",
        "C2",
        "V3",
        "J1",
        "Q1",
        "F1",
        "A5",
        "P1",
        "N1",
        "N9",
        "WBRI",
        "NOBT",
        "FIN",
        "NEG",
        "RC1",
        "RC9",
        "UN1",
        "MOB;LD",
        "PMH;PMH",
        "OUT",
        "W06000012",
        "E09000001",
        "100",
        "-1",
        "50.5",
        "1e3",
        "NaN",
    ]
)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
long_text = st.integers(min_value=1_000, max_value=60_000).map(lambda n: "x" * n)
values = st.one_of(
    st.just(""),
    st.just(" "),
    codes,
    dates,
    impossible,
    formula,
    text,
    long_text,
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True).map(str),
)


def _cells(draw, columns: list[str], ids: list[str]) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = []
        for c in columns:
            if c.strip().lower() in ("child_id", "child", "child_id"):
                row.append(draw(st.one_of(st.sampled_from(ids), values)))
            else:
                row.append(draw(values))
        rows.append(row)
    return rows


@st.composite
def table_files(draw, census: str, table: str, year: str):
    """The text of a CSV: the era's columns (a random subset, in a random order, case and spaces
    changed, sometimes another era's or an unknown column) and random rows."""
    spec = submission_spec(census).tables[table]
    cy = CollectionYear.parse(year)
    era = cy.era(census).name
    names = [c.source_name(era) for c in spec.columns_for(era)]
    other = sorted({c.source_name(e.name) for e in eras_of(census) for c in spec.columns_for(e.name)} - set(names))
    if draw(st.booleans()):
        columns = names
    else:
        columns = draw(st.lists(st.sampled_from(names + other + ["notes", ""]), min_size=1, max_size=len(names) + 2))
        columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) for c in columns]
    ids = draw(st.lists(child_ids, min_size=1, max_size=4))
    rows = _cells(draw, columns, ids)
    if draw(st.integers(0, 9)) == 0 and rows:  # a ragged row
        rows[-1] = rows[-1][:-1]
    buf = io.StringIO()
    csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows([header, *rows])
    return buf.getvalue(), ids


@st.composite
def csv_cases(draw):
    census = draw(st.sampled_from(["cla", "crcs"]))
    year = draw(st.sampled_from(ERA_YEARS[census]))
    table = draw(st.sampled_from(submission_spec(census).table_names))
    content, ids = draw(table_files(census, table, year))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return census, year, table, content.encode(encoding, errors="replace"), ids


@SETTINGS
@given(csv_cases())
def test_the_csv_reader_answers_with_issues_never_an_exception(case):
    census, year, table, data, ids = case
    spec = submission_spec(census).tables[table]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"{table}.csv"
        p.write_bytes(data)
        display = f"{census}/{year}/{GSS}/{table}.csv"
        loaded = read_csv_table(p, display, spec, census, CollectionYear.parse(year))
    assert (loaded.frame is None) == bool(loaded.issues)
    for i in loaded.issues:
        assert i.file == display and i.rule.startswith("file.")
        assert not any(cid in str(i) for cid in ids), str(i)
    if loaded.frame is not None:
        assert LINE_COLUMN in loaded.frame.columns


@st.composite
def rule_contexts(draw):
    """Text frames with the internal columns of every table of a census, in one era, random values."""
    census = draw(st.sampled_from(["cla", "crcs"]))
    year = CollectionYear.parse(draw(st.sampled_from(ERA_YEARS[census])))
    era = year.era(census).name
    spec = submission_spec(census)
    ids = draw(st.lists(child_ids, min_size=1, max_size=4))
    tables = {}
    for name, t in spec.tables.items():
        cols = [c.name for c in t.columns_for(era)]
        rows = _cells(draw, cols, ids)
        frame = pd.DataFrame(rows, columns=cols, dtype=object)
        for c in cols:
            s = frame[c].astype(object).str.strip() if len(frame) else frame[c]
            frame[c] = s.where(s != "", None) if len(frame) else s
        frame[LINE_COLUMN] = range(2, len(frame) + 2)
        tables[name] = frame
    return census, year, tables, ids


@SETTINGS
@given(rule_contexts(), st.booleans())
def test_every_rule_pack_runs_on_any_values(ctx_parts, with_previous):
    census, year, tables, ids = ctx_parts
    files = {t: f"{census}/{year.label}/{GSS}/{t}.csv" for t in tables}
    ctx = RuleContext(census, year, GSS, tables, files, previous=tables if with_previous else None, linked=None)
    issues = run_rules(ctx, rules_for(census))
    for i in issues:
        assert i.file and i.file.startswith(f"{census}/"), i
        assert i.rule.startswith(census.upper() + "-")
        assert i.row is not None and i.row >= 2
        assert not any(cid in str(i) for cid in ids), str(i)


@st.composite
def return_folders(draw):
    census = draw(st.sampled_from(["cla", "crcs"]))
    year = draw(st.sampled_from(ERA_YEARS[census]))
    files, all_ids = {}, []
    for table in submission_spec(census).table_names:
        if draw(st.integers(0, 7)) == 0:
            continue  # a missing file
        content, ids = draw(table_files(census, table, year))
        files[f"{table}.csv"] = content.encode(draw(st.sampled_from(["utf-8", "cp1252"])), errors="replace")
        all_ids += ids
    return census, year, files, all_ids


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(return_folders())
def test_validate_return_answers_with_issues_never_an_exception(case):
    census, year, files, ids = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / census / year / GSS
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        result = validate_return(folder, census, CollectionYear.parse(year), GSS, KEY)
    for i in result.issues:
        assert i.file.startswith(f"{census}/{year}/{GSS}"), i
        assert not any(cid in str(i) for cid in ids), str(i)
    if result.passed:
        assert set(result.tables) == set(submission_spec(census).table_names)
        for frame in result.tables.values():
            assert "child_id" not in frame.columns and "upn" not in frame.columns
