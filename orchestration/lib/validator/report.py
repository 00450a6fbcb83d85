"""One return's issues, made for fixing: grouped by the LA's own child id, with what to do.

``build_report`` takes what ``validate_return`` found (the issues, and the return as read) and gives a
``Report``: the issues about the files themselves, then one group per child (the LA's own id, the
officer's data on the officer's machine), each issue with its file, row, field, the value where it
is not personal data, the rule's message and what to do in the chosen language, and where the
child's other rows are. Personal values (date of birth, UPN, postcodes: the spec's ``personal``
columns) are never shown; the child id only as the group's key.

Everything is vectorised over the return; the only Python loop is over the issues.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from orchestration.lib.issues import Issue
from orchestration.lib.readers import LINE_COLUMN
from orchestration.lib.rules import Rule
from orchestration.lib.specs import submission_spec
from orchestration.lib.translations import MissingText, entry, text
from orchestration.lib.years import CollectionYear

ID_COLUMN = "child_id"
SEVERITIES = ("error", "warning")


def tool_version() -> str:
    """The installed cssd's version (the package metadata), shown on every report."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cssd")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    table: str
    file: str
    row: int | None
    field: str | None
    value: str | None  # None: no value to show (whole-file issue, empty, or personal data)
    personal: bool  # the field is personal data: its value is never shown
    message: str  # in the report's language
    hint: str  # what to do, in the report's language
    child: str | None  # the LA's own child id (the group key), None for an issue about a file


@dataclass
class ChildGroup:
    child: str
    findings: list[Finding]
    locator: list[tuple[str, list[int]]]  # (file, lines) of every row of the child in the return

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


@dataclass
class SummaryRow:
    rule: str
    severity: str
    message: str
    issues: int
    children: int


@dataclass
class Report:
    census: str
    year: CollectionYear
    la_code: str
    la_name: str
    era: str
    lang: str
    version: str
    made: str
    rules_run: list[str]  # ids of the pack rules that ran
    rules_total: int  # rules in the census's pack
    file_findings: list[Finding]
    children: list[ChildGroup]
    summary: list[SummaryRow]
    rules: tuple[Rule, ...]  # the rules that ran, for the rule list
    comparison: "object | None" = None  # compare.Comparison
    seconds: float = 0.0
    selection: bool = False  # --rules / --skip narrowed the pack
    extra: dict = field(default_factory=dict)
    used: set = field(default_factory=set)  # catalogue keys the rendering used (for the draft note)

    @property
    def findings(self) -> list[Finding]:
        return self.file_findings + [f for g in self.children for f in g.findings]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def t(self, key: str, **values: object) -> str:
        self.used.add(key)
        return text(key, self.lang, **values)

    def draft_note(self) -> str:
        """How many of the catalogue texts used so far are drafts (Welsh only: the English is ours)."""
        if self.lang != "cy":
            return ""
        keys = self.used | {f"{text_key(f.rule)}.message" for f in self.findings}
        drafts = sum(entry(k).status == "draft" for k in keys)
        return text("validator.draft_note", self.lang, drafts=drafts, texts=len(keys)) if drafts else ""


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def rule_hint_english(message: str) -> str:
    """What to do, from a rule's message ("What is wrong: what to do."): the part after the first colon."""
    _, sep, action = message.partition(": ")
    return _upper_first(action.strip()) if sep else message


def text_key(rule: str) -> str:
    """The catalogue's key stem for a rule id: ``rule.<ID>``, or the generic file/format text for an id
    with none of its own (a pandera check added later)."""
    if _has(f"rule.{rule}.message"):
        return f"rule.{rule}"
    return "rule.file.other" if rule.startswith("file.") else "rule.format.other"


def localise(issue: Issue, lang: str) -> tuple[str, str]:
    """(message, what to do) for an issue in ``lang``.

    A rule's texts are ``rule.<ID>.message`` / ``rule.<ID>.hint`` (a pack rule's English message is the
    rule's own, checked by a test). In English the issue keeps its own message: the same words as the
    terminal and the central report (a file or format issue's names the columns, codes and limits). In
    Welsh it is the catalogue's text for the rule; the file, row and field are in their own columns.
    """
    key = text_key(issue.rule)
    message = issue.message if lang == "en" else text(f"{key}.message", lang)
    return message, text(f"{key}.hint", lang)


def _has(key: str) -> bool:
    try:
        entry(key)
    except MissingText:
        return False
    return True


def _table_of_file(result_files: list[dict]) -> dict[str, str]:
    return {f["file"]: f["table"] for f in result_files}


def build_report(
    result,
    rules: "tuple[Rule, ...]",
    pack_size: int,
    lang: str = "en",
    la_name: str = "",
    comparison=None,
    seconds: float = 0.0,
    selection: bool = False,
) -> Report:
    """The report of one ``validate_return`` result (an ``LAReturn`` with ``text``)."""
    census, year = result.census, result.year
    era = year.era(census).name
    spec = submission_spec(census)
    pack_by_id = {r.id: r for r in rules}
    files_table = _table_of_file(result.files)
    text_frames: dict[str, pd.DataFrame] = getattr(result, "text", None) or {}
    prev_frames: dict[str, pd.DataFrame] = getattr(result, "previous_text", None) or {}
    prev_era = None
    if prev_frames:
        prev_era = year.previous().era(census).name

    # (table, last year?) -> frame indexed by line: child id and every column, for the issues' lookups
    def frame_for(table: str, previous: bool) -> "pd.DataFrame | None":
        frames = prev_frames if previous else text_frames
        frame = frames.get(table)
        if frame is None or LINE_COLUMN not in frame.columns:
            return None
        return frame

    indexed: dict[tuple[str, bool], pd.DataFrame] = {}

    def by_line(table: str, previous: bool) -> "pd.DataFrame | None":
        k = (table, previous)
        if k not in indexed:
            frame = frame_for(table, previous)
            indexed[k] = None if frame is None else frame.drop_duplicates(LINE_COLUMN).set_index(LINE_COLUMN)
        return indexed[k]

    def column_of(table: str, field_name: str | None, previous: bool):
        if not field_name or table not in spec.tables:
            return None
        e = prev_era if previous else era
        wanted = field_name.strip().lower()
        for c in spec.tables[table].columns_for(e):
            if c.source_name(e).lower() == wanted or c.name == wanted:
                return c
        return None

    file_findings: list[Finding] = []
    by_child: dict[str, list[Finding]] = {}
    for issue in result.issues:
        rule = pack_by_id.get(issue.rule)
        previous = bool(rule and rule.previous)
        table = rule.table if rule else files_table.get(issue.file, _table_from_path(issue.file))
        message, hint = localise(issue, lang)
        frame = by_line(table, previous) if issue.row is not None else None
        child = value = None
        column = column_of(table, issue.field, previous)
        personal = bool(column is not None and (column.personal or column.name == ID_COLUMN))
        if frame is not None and issue.row in frame.index:
            record = frame.loc[issue.row]
            child = record.get(ID_COLUMN)
            if column is not None and not personal and column.name in frame.columns:
                value = record[column.name]
        finding = Finding(
            rule=issue.rule,
            severity=issue.severity,
            table=table,
            file=issue.file,
            row=issue.row,
            field=issue.field,
            value=None if value is None or pd.isna(value) else str(value),
            personal=personal,
            message=message,
            hint=hint,
            child=None if child is None or pd.isna(child) else str(child),
        )
        if finding.child is None:
            file_findings.append(finding)
        else:
            by_child.setdefault(finding.child, []).append(finding)

    locators = _locators(set(by_child), text_frames, {t: f for f, t in files_table.items()})
    groups = [
        ChildGroup(child, sorted(fs, key=_finding_order), locators.get(child, [])) for child, fs in by_child.items()
    ]
    # The next child to fix first: most errors, then most warnings, then the id.
    groups.sort(key=lambda g: (-g.errors, -g.warnings, g.child))
    file_findings.sort(key=_finding_order)
    report = Report(
        census=census,
        year=year,
        la_code=result.la_code,
        la_name=la_name,
        era=era,
        lang=lang,
        version=tool_version(),
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        rules_run=[r.id for r in rules],
        rules_total=pack_size,
        file_findings=file_findings,
        children=groups,
        summary=[],
        rules=tuple(rules),
        comparison=comparison,
        seconds=seconds,
        selection=selection,
    )
    report.summary = _summary(report)
    return report


def _finding_order(f: Finding) -> tuple:
    return (f.severity != "error", f.file, f.row or 0, f.field or "", f.rule)


def _table_from_path(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    if "[sheet " in name:
        return name.split("[sheet ", 1)[1].rstrip("]")
    return name.rsplit(".", 1)[0] if "." in name else ""


def _locators(
    children: "set[str]", frames: dict[str, pd.DataFrame], table_file: dict[str, str]
) -> dict[str, list[tuple[str, list[int]]]]:
    """child id -> [(file, [lines])] over every table of the return: where to find the child's rows."""
    out: dict[str, list[tuple[str, list[int]]]] = {}
    if not children:
        return out
    for table, frame in frames.items():
        if frame is None or ID_COLUMN not in frame.columns or LINE_COLUMN not in frame.columns:
            continue
        hits = frame.loc[frame[ID_COLUMN].isin(children), [ID_COLUMN, LINE_COLUMN]]
        if hits.empty:
            continue
        file = table_file.get(table, f"{table}.csv")
        for child, lines in hits.groupby(ID_COLUMN, sort=False)[LINE_COLUMN]:
            out.setdefault(str(child), []).append((file, sorted(int(x) for x in lines)))
    return out


def _summary(report: Report) -> list[SummaryRow]:
    """Issues and children by rule and severity; the rule's message from the catalogue."""
    issues: Counter = Counter()
    kids: dict[tuple[str, str], set] = {}
    for f in report.findings:
        k = (f.rule, f.severity)
        issues[k] += 1
        if f.child is not None:
            kids.setdefault(k, set()).add(f.child)
    rows = [
        SummaryRow(rule, sev, report.t(f"{text_key(rule)}.message"), n, len(kids.get((rule, sev), ())))
        for (rule, sev), n in issues.items()
    ]
    rows.sort(key=lambda r: (r.severity != "error", -r.issues, r.rule))
    return rows
