"""The report as an XLSX workbook, laid out as the release workbooks are (GSS habits).

Sheets: summary (by rule and severity), by child (every issue, the child's id first), the rule list
and, when last year's return is given, the comparison. Each sheet: its title in A1, a few lines of
text in column A, then one table with a header row; no merged cells, no blank rows, no blank cells
in a table ("[z]" = not applicable, said on the sheet); numbers stored as numbers; every text cell
neutralised so that no cell can be read as a formula.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from orchestration.lib.outputs.atomic import neutralise
from orchestration.lib.validator.html import comparison_rows, locator_text, title
from orchestration.lib.validator.report import Report, text_key
from orchestration.lib.validator.selection import pack

NOT_APPLICABLE = "[z]"
MAX_WIDTH = 70


def _cell(value):
    if value is None or value == "":
        return NOT_APPLICABLE
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def _sheet(wb: Workbook, name: str, heading: str, lines: list[str], header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(name[:31])
    ws["A1"] = neutralise(heading)
    ws["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(lines, start=2):
        ws.cell(row=i, column=1, value=neutralise(line))
    top = len(lines) + 2
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=top, column=j, value=neutralise(h))
        c.font = Font(bold=True)
    for i, row in enumerate(rows, start=top + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=_cell(v))
    for j, h in enumerate(header, start=1):
        longest = max([len(str(h))] + [len(str(row[j - 1])) for row in rows[:500] if row[j - 1] is not None])
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(10, longest + 2))
    ws.freeze_panes = ws.cell(row=top + 1, column=1)


def render_xlsx(r: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    t = r.t
    la = f"{r.la_code} {r.la_name}".strip()
    meta = t(
        "validator.meta", version=r.version, made=r.made, era=r.era, seconds=f"{r.seconds:.1f}", rules=len(r.rules_run)
    )
    verdict = t("validator.verdict.errors", errors=r.errors) if r.errors else t("validator.verdict.ok")
    counts = t(
        "validator.counts", errors=r.errors, warnings=r.warnings, children=len(r.children), files=len(r.file_findings)
    )
    summary_rows = [
        [s.rule, t("validator.severity." + s.severity), s.message, s.issues, s.children] for s in r.summary
    ] or [[NOT_APPLICABLE, NOT_APPLICABLE, t("validator.no_issues"), 0, 0]]
    _sheet(
        wb,
        t("validator.sheet.summary"),
        title(r),
        [la, meta, verdict, counts, t("validator.private"), t("validator.xlsx.sheets"), t("validator.xlsx.z")]
        + ([r.draft_note()] if r.lang == "cy" and r.draft_note() else []),
        [t("validator.col." + h) for h in ("rule", "severity", "message", "issues", "children")],
        summary_rows,
    )

    def row(child, errors, f, locator):
        value = t("validator.value.personal") if f.personal else f.value
        return [
            child,
            errors,
            t("validator.severity." + f.severity),
            f.rule,
            f.table,
            f.file.rsplit("/", 1)[-1],
            f.row,
            f.field,
            value,
            f.message,
            f.hint,
            locator,
        ]

    rows = [row(t("validator.xlsx.files"), None, f, None) for f in r.file_findings]
    for g in r.children:
        where = locator_text(r, g)
        rows += [row(g.child, g.errors, f, where) for f in g.findings]
    header = [
        t("validator.col." + h)
        for h in (
            "child",
            "child_errors",
            "severity",
            "rule",
            "table",
            "file",
            "row",
            "field",
            "value",
            "message",
            "what_to_do",
            "locator",
        )
    ]
    _sheet(
        wb,
        t("validator.sheet.by_child"),
        t("validator.children.heading") + ": " + title(r),
        [t("validator.children.intro"), t("validator.private"), t("validator.rows_note"), t("validator.xlsx.z")],
        header,
        rows or [[NOT_APPLICABLE] * len(header)],
    )

    ran = set(r.rules_run)
    rule_rows = []
    for rule in pack(r.census):
        key = text_key(rule.id)
        message, hint = t(f"{key}.message"), t(f"{key}.hint")
        rule_rows.append(
            [
                rule.id,
                t("validator.severity." + rule.severity),
                rule.table,
                ", ".join(rule.fields),
                ", ".join(rule.eras) if rule.eras else t("validator.rules.all_eras"),
                message,
                hint,
                t("validator.yes") if rule.id in ran else t("validator.no"),
            ]
        )
    _sheet(
        wb,
        t("validator.sheet.rules"),
        t("validator.rules.heading", census=r.census.upper()),
        [t("validator.rules.intro")],
        [
            t("validator.col." + h)
            for h in ("rule", "severity", "table", "field", "eras", "message", "what_to_do", "ran")
        ],
        rule_rows,
    )
    if r.comparison is not None:
        c = r.comparison
        _sheet(
            wb,
            t("validator.sheet.comparison"),
            t("validator.comparison.heading", previous=c.previous_label),
            [t("validator.comparison.intro." + r.census), t("validator.xlsx.z")],
            [t("validator.comparison.col." + h) for h in ("measure", "previous", "current", "change", "check")],
            [[m, _int(p), _int(n), _int(d), ch] for m, p, n, d, ch in comparison_rows(r)],
        )
    wb.properties.title = title(r)
    wb.properties.language = r.lang
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _int(text: str):
    try:
        return int(text)
    except ValueError:
        return text or None
