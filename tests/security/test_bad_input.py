"""Every case of the bad-input corpus (tests/fixtures/bad) gives its platform error, at its file, row
and field, with a message naming the file and holding no child id, UPN, date of birth or postcode;
`cssd validate` exits 1 on it (2 for a year folder that is not a year: the command cannot tell which
year's rules apply), 0 on the passing controls."""

import pytest

from orchestration.cli import main
from orchestration.lib.ingest import prepare_year, validate_return
from orchestration.lib.issues import Issue, SubmissionError
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.years import CollectionYear, YearError
from tests.security.corpus import Case, cases, personal_values

KEY = b"bad-input-corpus-key"
CASES = cases()
READABLE = [c for c in CASES if c.kind != "layout"]


def _id(c: Case) -> str:
    return c.id


def leaks(text: str, case: Case) -> list[str]:
    """The personal values of the case's files that appear in ``text``."""
    found = []
    for kind, values in personal_values(case.folder, case.census, case.year).items():
        found += [f"{kind}={v[:20]!r}" for v in values if v in text]
    return found


def _matches(issue: Issue, e) -> bool:
    return (
        issue.rule == e.rule
        and issue.file == e.file
        and issue.row == e.row
        and (issue.field or "").lower() == (e.field or "").lower()
    )


def test_the_corpus_is_big_enough_and_covers_the_brief():
    assert len(CASES) >= 45
    assert sum(c.kind == "control" for c in CASES) >= 5
    rules = {e.rule for c in CASES for e in c.expected}
    for needed in (
        "file.empty",
        "file.binary",
        "file.encoding",
        "file.ragged_row",
        "file.missing_column",
        "file.unexpected_column",
        "file.wrong_era",
        "file.missing_sheet",
        "file.hidden_sheet",
        "file.merged_cells",
        "file.mixed_formats",
        "file.unknown_la",
        "file.formula",
    ):
        assert needed in rules, needed
    assert all(c.folder.is_dir() for c in CASES)


@pytest.mark.parametrize("case", READABLE, ids=_id)
def test_validate_return_reports_the_expected_issue(case: Case):
    year = CollectionYear.parse(case.year)
    result = validate_return(case.folder, case.census, year, case.gss, KEY)
    shown = "\n".join(str(i) for i in result.issues)
    if case.kind == "control":
        assert result.errors == [], shown
        assert result.tables, "a passing control is stored"
        return
    assert result.errors, f"{case.id}: {case.description} was accepted"
    assert not result.tables, "nothing of a failing return is stored"
    for e in case.expected:
        assert any(_matches(i, e) for i in result.issues), f"{case.id}: expected {e}, got:\n{shown}"
    prefix = f"{case.census}/{case.year}/{case.gss}"
    for i in result.issues:
        assert i.file.startswith(prefix) and str(i).startswith(i.file), i
        assert i.message and i.rule
    assert leaks(shown, case) == [], shown


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_cssd_validate_exit_code_and_output(case: Case, capsys):
    code = main(["validate", str(case.folder), "--limit", "1000"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == case.cli_exit, text
    assert leaks(text, case) == [], text
    if case.kind == "bad":
        for e in case.expected:
            assert e.rule in text
            assert e.file.rsplit("/", 1)[-1].split(" [")[0] in text


def test_a_folder_that_is_not_a_welsh_la_fails_the_year():
    (case,) = [c for c in CASES if c.id == "gss_not_welsh"]
    year = CollectionYear.parse(case.year)
    with pytest.raises(SubmissionError) as exc:
        prepare_year(case.landing, case.census, year, KEY, welsh_la_codes())
    assert [i.rule for i in exc.value.issues] == ["file.unknown_la"]
    assert exc.value.issues[0].file == f"{case.census}/{case.year}/{case.gss}"
    assert leaks(str(exc.value), case) == []
    # `cssd validate` and the asset path (validate_return) say the same of the folder itself
    result = validate_return(case.folder, case.census, year, "UNKNOWN", KEY)
    assert [i.rule for i in result.errors] == ["file.unknown_la"] and not result.tables


def test_a_year_folder_that_is_not_a_year_is_a_year_error():
    (case,) = [c for c in CASES if c.id == "year_folder_typo"]
    with pytest.raises(YearError):
        CollectionYear.parse(case.year)
