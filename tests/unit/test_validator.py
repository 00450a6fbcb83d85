"""The LA officer's validator: the report for fixing (HTML, XLSX, by child, Welsh), the rule list as
data, rule selection, the comparison with last year's return, and the catalogue texts of every rule."""

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.lib.rules.cla import CLA_RULES
from orchestration.lib.rules.crcs import CRCS_RULES
from orchestration.lib.translations import catalogue, text
from orchestration.lib.validator.compare import Measure
from orchestration.lib.validator.report import rule_hint_english
from orchestration.lib.validator.run import validate, write_report
from orchestration.lib.validator.selection import UnknownRules, select_rules
from orchestration.lib.years import CollectionYear

LA = "W06000008"
YEAR = CollectionYear.parse("2025-26")
FAULTS = ["CLA-044", "CLA-052", "CLA-066"]  # the demo's faults for W06000008
KEY = b"k" * 32


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """A synthetic W06000008 CLA return for 2024-25 (clean) and 2025-26 (with the demo's faults)."""
    from orchestration.lib.synthetic.cla import generate_cla
    from orchestration.lib.synthetic.faults import inject_faults

    root = tmp_path_factory.mktemp("validator") / "landing"
    generate_cla(root, [YEAR.previous(), YEAR], seed=1, la_codes=[LA])
    shutil.copytree(root / "cla" / YEAR.label / LA, root.parent / "clean" / YEAR.label / LA)
    inject_faults(root, "cla", YEAR, LA, FAULTS, 1)
    return root


def _folder(landing: Path) -> Path:
    return landing / "cla" / YEAR.label / LA


def _previous(landing: Path) -> Path:
    return landing / "cla" / YEAR.previous().label / LA


# --- rules as data ------------------------------------------------------------------------------


def test_cssd_rules_csv_is_the_rule_pack(capsys):
    assert main(["rules", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    pack = list(CLA_RULES) + list(CRCS_RULES)
    assert [r["id"] for r in rows] == [r.id for r in pack]
    for row, rule in zip(rows, pack, strict=True):
        assert row["severity"] == rule.severity
        assert row["table"] == rule.table
        assert row["fields"].split(";") == list(rule.fields)
        assert row["message"] == rule.message
        assert row["description"] == rule.description
        assert row["last_year"] == ("Y" if rule.previous else "N")
        eras = row["eras"].split(";")
        assert eras == (sorted(rule.eras, key=eras.index) if rule.eras else eras) and eras
        if rule.eras is not None:
            assert set(eras) == set(rule.eras)


def test_cssd_rules_json_and_markdown_for_one_census(capsys):
    assert main(["rules", "--census", "crcs", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in records} == {r.id for r in CRCS_RULES}
    assert main(["rules", "--census", "cla", "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert all(f"| {r.id} |" in md for r in CLA_RULES) and "CRCS-001" not in md


def test_a_selection_is_the_named_rules_and_an_unknown_id_is_a_clear_error():
    assert [r.id for r in select_rules("cla", "cla-044, CLA-052")] == ["CLA-044", "CLA-052"]
    assert "CLA-044" not in {r.id for r in select_rules("cla", skip="CLA-044")}
    assert len(select_rules("cla", skip="CLA-044")) == len(CLA_RULES) - 1
    with pytest.raises(UnknownRules, match="CLA-999"):
        select_rules("cla", "CLA-044,CLA-999")
    with pytest.raises(UnknownRules, match=r"CRCS-001.*CLA rules are CLA-"):
        select_rules("cla", skip="CRCS-001")
    with pytest.raises(UnknownRules, match="no rule"):
        select_rules("cla", "CLA-044", skip="CLA-044")


def test_validate_with_a_selection_runs_only_those_rules(landing, capsys):
    full = validate(_folder(landing), "cla", YEAR, LA, KEY)
    assert set(FAULTS) <= {i.rule for i in full.result.issues}
    chosen = validate(_folder(landing), "cla", YEAR, LA, KEY, only="CLA-044")
    assert {i.rule for i in chosen.result.issues} == {"CLA-044"}
    assert chosen.report.rules_run == ["CLA-044"] and chosen.report.selection
    skipped = validate(_folder(landing), "cla", YEAR, LA, KEY, skip="CLA-044,CLA-066")
    assert {"CLA-044", "CLA-066"}.isdisjoint({i.rule for i in skipped.result.issues})
    assert "CLA-052" in {i.rule for i in skipped.result.issues}
    # the command: exit 2 and the id named for an unknown rule
    assert main(["validate", str(_folder(landing)), "--rules", "CLA-044,CLA-9999"]) == 2
    assert "CLA-9999" in capsys.readouterr().err


# --- the report for fixing ----------------------------------------------------------------------


def _personal_values(folder: Path) -> set[str]:
    """Every date of birth, UPN and postcode of the return: none may appear in a report."""
    values = set()
    for name, columns in (("children", ("date_of_birth", "upn")), ("episodes", ("placement_postcode",))):
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                values |= {row[c] for c in columns if row.get(c)}
    return values


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_html_report_groups_by_child_and_is_self_contained(landing, tmp_path, lang):
    done = validate(_folder(landing), "cla", YEAR, LA, KEY, previous=_previous(landing), lang=lang)
    report = done.report
    html_path, xlsx_path = write_report(report, tmp_path)
    page = html_path.read_text(encoding="utf-8")
    # no request to anywhere: no address, no external script, style, image or font
    assert not re.search(r"https?://|src=|<link|@import|url\(", page)
    # grouped by the LA's own child id: every faulty row's child has its section
    children = {g.child for g in report.children}
    assert children and all(f"{text('validator.child.heading', lang, child=c)}<" in page for c in children)
    errors = {f.rule for g in report.children for f in g.findings if f.severity == "error"}
    assert set(FAULTS) <= errors
    # the child's other rows (a locator) and what to do, per rule, in the chosen language
    g = report.children[0]
    assert g.locator and any(file.endswith("children.csv") for file, _ in g.locator)
    for f in g.findings:
        assert text(f"rule.{f.rule}.hint", lang) in page.replace("&#x27;", "'")
    # filters by rule, severity, table and field, "hide children with no errors" and an error count
    for name in ("rule", "severity", "table", "field", "hide_no_errors", "min_errors"):
        assert f'name="{name}"' in page
    # the value where it is not personal; never a date of birth, UPN or postcode
    assert any(f.value for f in report.findings if f.rule == "CLA-044")
    leaked = {v for v in _personal_values(_folder(landing)) if v in page}
    assert not leaked
    assert all(f.value is None for f in report.findings if f.field in ("date_of_birth", "upn"))
    # the tool's version and the comparison with last year's return
    assert report.version in page and report.comparison is not None
    assert text("validator.measure.cla.looked_after_31_march", lang) in page.replace("&#x27;", "'")
    assert f'lang="{lang}"' in page
    # the Welsh says how much of it is still a draft for the translation service
    assert ("ddrafftiau a ysgrifennwyd ar gyfer y gwasanaeth cyfieithu" in page) == (lang == "cy")


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_xlsx_report_opens_and_lists_its_sheets(landing, tmp_path, lang):
    from openpyxl import load_workbook

    done = validate(_folder(landing), "cla", YEAR, LA, KEY, previous=_previous(landing), lang=lang)
    _, xlsx_path = write_report(done.report, tmp_path)
    wb = load_workbook(xlsx_path)
    expected = [text(f"validator.sheet.{s}", lang) for s in ("summary", "by_child", "rules", "comparison")]
    assert wb.sheetnames == expected
    for ws in wb.worksheets:
        assert ws["A1"].value and not ws.merged_cells.ranges  # a title in A1, no merged cells
        rows = list(ws.iter_rows(values_only=True))
        assert all(any(v not in (None, "") for v in row) for row in rows), f"blank row in {ws.title}"
    by_child = wb[expected[1]]
    ids = {str(v) for (v,) in by_child.iter_rows(min_col=1, max_col=1, values_only=True)}
    assert {g.child for g in done.report.children} <= ids
    leaked = {v for v in _personal_values(_folder(landing)) for row in by_child.iter_rows(values_only=True) if v in row}
    assert not leaked
    rules = wb[expected[2]]
    assert rules.max_row - 3 == len(CLA_RULES)  # title (A1), one line of text, the header row, one row a rule


def test_cssd_validate_report_option_writes_both_files_and_says_so(landing, tmp_path, capsys):
    out_dir = tmp_path / "mine"
    assert main(["validate", str(_folder(landing)), "--report", str(out_dir), "--lang", "cy"]) == 1
    out = capsys.readouterr().out
    assert sorted(p.suffix for p in out_dir.iterdir()) == [".html", ".xlsx"]
    assert "Mae'r bennod yn dod i ben cyn iddi ddechrau" in out  # the terminal in Welsh too
    # the terminal never shows a child id
    from orchestration.lib.validator.run import validate as run_validate

    report = run_validate(_folder(landing), "cla", YEAR, LA, KEY).report
    assert not any(re.search(rf"\b{re.escape(g.child)}\b", out) for g in report.children)


def test_a_clean_return_has_no_issues_and_says_it_can_be_sent(landing, tmp_path):
    clean = landing.parent / "clean" / YEAR.label / LA
    done = validate(clean, "cla", YEAR, LA, KEY)
    assert done.report.errors == 0
    html_path, _ = write_report(done.report, tmp_path)
    assert text("validator.verdict.ok", "en") in html_path.read_text(encoding="utf-8")


# --- the comparison -----------------------------------------------------------------------------


def test_the_comparison_counts_the_published_definitions_on_a_small_return():
    import pandas as pd

    from orchestration.lib.validator.compare import cla_counts

    children = pd.DataFrame({"child_id": ["A", "B", "C", "D"], "date_of_birth": ["2015-01-01"] * 3 + ["2007-06-01"]})
    episodes = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C", "D"],
            "episode_start_date": ["2025-05-01", "2025-08-01", "2020-01-01", "2025-06-01", "2024-01-01"],
            "episode_end_date": ["2025-08-01", None, "2025-10-01", None, None],
            "reason_new_episode": ["S", "P", "S", "S", "S"],
            "reason_episode_ceased": ["X1", None, "E11", None, None],
            "legal_status": ["C2", "C2", "E1", "V3", "C2"],
        }
    )
    counts = cla_counts({"children": children, "episodes": episodes}, YEAR)
    assert counts["cla.started"] == 1  # A (C's episode is a short break, B's started before the year)
    assert counts["cla.ceased"] == 1  # B, adopted (A's X1 is not a cease)
    assert counts["cla.adopted"] == 1
    assert counts["cla.looked_after_in_year"] == 3  # A, B, D (C: short breaks only)
    assert counts["cla.looked_after_31_march"] == 1  # A (D is 18 on 31 March 2026)


def test_year_on_year_flags_follow_the_arithmetic_in_the_docstring():
    assert Measure("cla.adopted", 4, 9).flag is None  # a change of 5 in a small count: ordinary
    assert Measure("cla.started", 100, 160).flag == "change"  # 60 > 3 sqrt(320) = 54
    assert Measure("cla.started", 100, 150).flag is None  # 50 <= 3 sqrt(300) = 52
    assert Measure("cla.ceased", 12, 0).flag == "to_zero"
    assert Measure("cla.looked_after_31_march", 300, 330, variance=60).flag == "change"  # 30 > 3 sqrt(60)
    assert Measure("cla.looked_after_31_march", 300, 320, variance=60).flag is None


# --- the catalogue holds every rule's texts in both languages -----------------------------------


def test_every_rule_has_its_message_and_hint_in_english_and_welsh():
    entries = catalogue()
    for rule in list(CLA_RULES) + list(CRCS_RULES):
        message, hint = entries[f"rule.{rule.id}.message"], entries[f"rule.{rule.id}.hint"]
        assert message.english == rule.message, rule.id
        assert hint.english == rule_hint_english(rule.message), rule.id
        assert message.cymraeg and hint.cymraeg and message.cymraeg != message.english, rule.id


def test_every_file_and_format_rule_the_readers_can_raise_has_texts():
    root = Path(__file__).resolve().parents[2] / "orchestration" / "lib"
    source = "".join((root / name).read_text(encoding="utf-8") for name in ("readers.py", "schemas.py", "ingest.py"))
    ids = set(re.findall(r'"((?:file|format)\.[a-z_]+)"', source))
    assert len(ids) > 20
    missing = sorted(i for i in ids if f"rule.{i}.message" not in catalogue() or f"rule.{i}.hint" not in catalogue())
    assert not missing


def test_catalogue_rows_are_sorted_by_key():
    from orchestration.lib.translations import CATALOGUE_PATH

    with CATALOGUE_PATH.open(encoding="utf-8", newline="") as f:
        keys = [row["key"] for row in csv.DictReader(f)]
    mine = [k for k in keys if k.startswith(("rule.", "validator."))]
    assert mine == sorted(mine)


# --- messages that point at the fix -------------------------------------------------------------


def test_a_column_of_another_era_is_named_with_its_era():
    from orchestration.lib.ingest import validate_return

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "bad" / "plan_end_in_snapshot_era" / "landing"
    folder = folder / "crcs" / "2019-20" / "W06000012"
    result = validate_return(folder, "crcs", CollectionYear.parse("2019-20"), "W06000012", KEY)
    [issue] = [i for i in result.issues if i.rule == "file.unexpected_column"]
    assert "column plan_end_date belongs to the CRCS_ALL_YEAR era (2023-24 on)" in issue.message


def test_a_child_open_at_18_on_the_census_date_is_an_error():
    [rule] = [r for r in CLA_RULES if r.id == "CLA-066"]
    assert rule.severity == "error"


def test_crcs_counts_and_a_crcs_report(tmp_path):
    import pandas as pd

    from orchestration.lib.validator.compare import compare, crcs_counts

    year = CollectionYear.parse("2023-24")
    children = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C", "D", "E"],
            "date_of_birth": ["2015-01-01", "2015-01-01", "2010-01-01", "2005-06-01", None, "2012-01-01"],
            "plan_start_date": ["2023-01-01", "2023-06-01", "2024-01-01", "2023-01-01", "2023-05-01", "2024-02-01"],
            "plan_end_date": [None, None, "2024-03-31", None, None, None],
            "looked_after": ["N", "Y", "N", "N", "N", "N"],
            "on_child_protection_register": ["Y", "N", "N", "N", "N", "N"],
        }
    )
    counts = crcs_counts({"children": children}, year)
    # A once (the latest plan's flags: looked after, not on the register); B's plan ends on the census
    # date; C is 18; D is not born (no date of birth); E's plan started after 1 January
    assert counts["crcs.receiving_31_march"] == 1
    assert counts["crcs.looked_after_31_march"] == 1 and counts["crcs.child_protection_31_march"] == 0
    assert counts["crcs.plans_in_year"] == 6
    # the same rows as last year's return (2022-23, a snapshot-era year): counted on last year's census date
    c = compare("crcs", year, {"children": children}, {"children": children}, "last year")
    by_key = {m.key: m for m in c.measures}
    assert by_key["crcs.receiving_31_march"].previous == 2  # A (the plan started 1 January 2023) and C (17)
    assert by_key["crcs.plans_in_year"].previous is None  # no plans in the year before the all-year era

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "bad" / "ctl_clean_crcs_all_year" / "landing"
    done = validate(folder / "crcs" / "2023-24" / "W06000012", "crcs", year, "W06000012", None, lang="cy")
    html_path, xlsx_path = write_report(done.report, tmp_path)
    assert done.report.errors == 0 and xlsx_path.exists()
    assert text("validator.verdict.ok", "cy") in html_path.read_text(encoding="utf-8").replace("&#x27;", "'")
