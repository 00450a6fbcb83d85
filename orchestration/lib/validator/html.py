"""The report as one self-contained HTML page: inline CSS and script, no request to any address.

Summary by rule and severity; the comparison with last year's return when given; the issues about
the files; then one section per child (the most errors first) with filters by rule, severity, table
and field, "hide children with no errors" and a minimum error count. Every text comes from the
translation catalogue in the report's language.
"""

import html

from orchestration.lib.validator.report import ChildGroup, Finding, Report

_CSS = """
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0;color:#1d1d1b;
background:#f6f6f4;line-height:1.4}header,main{max-width:1150px;margin:0 auto;padding:1rem 1.5rem}
header{background:#fff;border-bottom:4px solid #323232}h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.2rem;margin:1.6rem 0 .5rem}h3{font-size:1rem;margin:0}.meta{color:#505a5f;font-size:.85rem}
.private{background:#fff7e0;border-left:4px solid #b58105;padding:.5rem .8rem;font-size:.9rem}
.verdict{font-weight:700;font-size:1.05rem;padding:.5rem .8rem;border-left:6px solid}
.verdict.bad{border-color:#b00020;background:#fdecee}.verdict.good{border-color:#00703c;background:#e7f4ec}
table{border-collapse:collapse;width:100%;font-size:.88rem;background:#fff}
th,td{border:1px solid #c8c8c8;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#e9e9e6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:700;white-space:nowrap}.id,.value{white-space:nowrap}.sev.error{color:#b00020}.sev.warning{color:#8a5a00}
.flag{color:#b00020;font-weight:600}.value{font-family:ui-monospace,Consolas,monospace}
.muted{color:#6f777b;font-style:italic}
.filters{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:end;background:#fff;border:1px solid #c8c8c8;
padding:.7rem .9rem;position:sticky;top:0;z-index:2}
.filters label{display:flex;flex-direction:column;font-size:.8rem;font-weight:600}
.filters label.check{flex-direction:row;align-items:center;gap:.35rem}
.filters select,.filters input[type=number]{font:inherit;font-weight:400;padding:.15rem;min-width:8rem}
.child{background:#fff;border:1px solid #c8c8c8;margin:.8rem 0;padding:.6rem .8rem}
.child header{all:unset;display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.child .counts{font-size:.85rem}.locator{font-size:.82rem;color:#505a5f;margin:.3rem 0 .5rem}
.hint{color:#1d4f91}#shown{font-size:.85rem;color:#505a5f}
"""

_JS = """
(function(){
  var f=document.getElementById('filters');if(!f)return;
  var sel=function(n){return f.querySelector('[name='+n+']');};
  var shown=document.getElementById('shown');
  function apply(){
    var rule=sel('rule').value,sev=sel('severity').value,table=sel('table').value,field=sel('field').value;
    var hide=sel('hide_no_errors').checked,min=parseInt(sel('min_errors').value||'0',10);
    var n=0,total=0;
    document.querySelectorAll('.child,.files').forEach(function(sec){
      var errors=parseInt(sec.dataset.errors||'0',10),any=false;
      sec.querySelectorAll('tr.issue').forEach(function(tr){
        var ok=(!rule||tr.dataset.rule===rule)&&(!sev||tr.dataset.severity===sev)&&
               (!table||tr.dataset.table===table)&&(!field||tr.dataset.field===field);
        tr.hidden=!ok;any=any||ok;
      });
      var isChild=sec.classList.contains('child');
      var visible=any&&(!isChild||((!hide||errors>0)&&errors>=min));
      sec.hidden=!visible;if(isChild){total++;if(visible)n++;}
    });
    if(shown)shown.textContent=shown.dataset.template.replace('{shown}',n).replace('{total}',total);
  }
  f.addEventListener('input',apply);f.addEventListener('change',apply);apply();
})();
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _options(label: str, name: str, values: list[str], all_text: str, shown: "dict[str, str] | None" = None) -> str:
    opts = f'<option value="">{_e(all_text)}</option>' + "".join(
        f'<option value="{_e(v)}">{_e((shown or {}).get(v, v))}</option>' for v in values
    )
    return f'<label>{_e(label)}<select name="{name}">{opts}</select></label>'


def _value_cell(r: Report, f: Finding) -> str:
    if f.personal:
        return f'<td class="muted">{_e(r.t("validator.value.personal"))}</td>'
    if f.value is None:
        return f'<td class="muted">{_e(r.t("validator.value.none"))}</td>' if f.row is not None else "<td></td>"
    return f'<td class="value">{_e(f.value)}</td>'


def _issue_rows(r: Report, findings: list[Finding]) -> str:
    out = []
    for f in findings:
        out.append(
            f'<tr class="issue" data-rule="{_e(f.rule)}" data-severity="{_e(f.severity)}" '
            f'data-table="{_e(f.table)}" data-field="{_e(f.field or "")}">'
            f'<td class="sev {_e(f.severity)}">{_e(r.t("validator.severity." + f.severity))}</td>'
            f'<td class="id">{_e(f.rule)}</td><td>{_e(f.file.rsplit("/", 1)[-1])}</td>'
            f'<td class="n">{_e(f.row)}</td><td>{_e(f.field)}</td>{_value_cell(r, f)}'
            f'<td>{_e(f.message)}<div class="hint"><strong>{_e(r.t("validator.col.what_to_do"))}:</strong> '
            f"{_e(f.hint)}</div></td></tr>"
        )
    return "".join(out)


def _issue_table(r: Report, findings: list[Finding]) -> str:
    heads = ["severity", "rule", "file", "row", "field", "value", "message"]
    head = "".join(f'<th scope="col">{_e(r.t("validator.col." + h))}</th>' for h in heads)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{_issue_rows(r, findings)}</tbody></table>"


def locator_text(r: Report, group: ChildGroup) -> str:
    parts = [
        r.t("validator.locator.rows", file=file.rsplit("/", 1)[-1], rows=", ".join(str(n) for n in lines))
        for file, lines in group.locator
    ]
    return r.t("validator.child.rows", rows="; ".join(parts)) if parts else ""


def _child_section(r: Report, g: ChildGroup) -> str:
    counts = r.t("validator.child.counts", errors=g.errors, warnings=g.warnings)
    return (
        f'<section class="child" data-errors="{g.errors}"><header><h3>'
        f"{_e(r.t('validator.child.heading', child=g.child))}</h3>"
        f'<span class="counts">{_e(counts)}</span></header>'
        f'<p class="locator">{_e(locator_text(r, g))}</p>{_issue_table(r, g.findings)}</section>'
    )


def _summary(r: Report) -> str:
    if not r.summary:
        return f"<p>{_e(r.t('validator.no_issues'))}</p>"
    heads = ["rule", "severity", "message", "issues", "children"]
    head = "".join(f'<th scope="col">{_e(r.t("validator.col." + h))}</th>' for h in heads)
    body = "".join(
        f'<tr><td class="id">{_e(s.rule)}</td><td class="sev {_e(s.severity)}">'
        f"{_e(r.t('validator.severity.' + s.severity))}</td><td>{_e(s.message)}</td>"
        f'<td class="n">{s.issues}</td><td class="n">{s.children}</td></tr>'
        for s in r.summary
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def comparison_rows(r: Report) -> list[list[str]]:
    """[measure, last year, this year, change, check] as text, for the page and the workbook."""
    c = r.comparison
    rows = []
    for m in c.measures:
        change = "" if m.change is None else f"{m.change:+d}"
        if m.flag == "to_zero":
            check = r.t("validator.check.to_zero", previous=m.previous)
        elif m.flag == "change":
            check = r.t("validator.check.change", change=change, limit=m.limit)
        elif m.change is None:
            check = r.t("validator.check.none")
        else:
            check = r.t("validator.check.ok", limit=m.limit)
        rows.append(
            [
                r.t("validator.measure." + m.key),
                "" if m.previous is None else str(m.previous),
                "" if m.current is None else str(m.current),
                change,
                check,
            ]
        )
    return rows


def _comparison(r: Report) -> str:
    c = r.comparison
    if c is None:
        return ""
    out = [
        f"<h2>{_e(r.t('validator.comparison.heading', previous=c.previous_label))}</h2>",
        f"<p>{_e(r.t('validator.comparison.intro.' + r.census))}</p>",
    ]
    if c.problems:
        out.append(f'<p class="flag">{_e(r.t("validator.comparison.unreadable", count=len(c.problems)))}</p>')
    heads = ["measure", "previous", "current", "change", "check"]
    head = "".join(f'<th scope="col">{_e(r.t("validator.comparison.col." + h))}</th>' for h in heads)
    body = ""
    for m, row in zip(c.measures, comparison_rows(r), strict=True):
        cls = ' class="flag"' if m.flag else ""
        body += (
            f"<tr><td>{_e(row[0])}</td><td class='n'>{_e(row[1])}</td><td class='n'>{_e(row[2])}</td>"
            f"<td class='n'>{_e(row[3])}</td><td{cls}>{_e(row[4])}</td></tr>"
        )
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "".join(out)


def title(r: Report) -> str:
    return r.t("validator.title", census=r.census.upper(), year=r.year.label, la=r.la_code)


def render_html(r: Report) -> bytes:
    findings = r.findings
    rules = sorted({f.rule for f in findings})
    tables = sorted({f.table for f in findings if f.table})
    fields = sorted({f.field for f in findings if f.field})
    all_text = r.t("validator.filter.all")
    severities = {s: r.t("validator.severity." + s) for s in ("error", "warning")}
    verdict = (
        f'<p class="verdict bad">{_e(r.t("validator.verdict.errors", errors=r.errors))}</p>'
        if r.errors
        else f'<p class="verdict good">{_e(r.t("validator.verdict.ok"))}</p>'
    )
    counts = r.t(
        "validator.counts",
        errors=r.errors,
        warnings=r.warnings,
        children=len(r.children),
        files=len(r.file_findings),
    )
    chosen = r.t("validator.selection", count=len(r.rules_run), total=r.rules_total, ids=", ".join(r.rules_run))
    selection = f"<p>{_e(chosen)}</p>" if r.selection else ""
    filters = (
        '<form id="filters" class="filters" onsubmit="return false">'
        + _options(r.t("validator.col.rule"), "rule", rules, all_text)
        + _options(r.t("validator.col.severity"), "severity", ["error", "warning"], all_text, severities)
        + _options(r.t("validator.col.table"), "table", tables, all_text)
        + _options(r.t("validator.col.field"), "field", fields, all_text)
        + f'<label>{_e(r.t("validator.filter.min_errors"))}<input type="number" name="min_errors" min="0" value="0">'
        "</label>" + f'<label class="check"><input type="checkbox" name="hide_no_errors">'
        f"{_e(r.t('validator.filter.hide_no_errors'))}</label>"
        + f'<span id="shown" data-template="{_e(r.t("validator.filter.shown"))}"></span></form>'
    )
    files = (
        f'<section class="files" data-errors="{sum(f.severity == "error" for f in r.file_findings)}">'
        f"<h2>{_e(r.t('validator.files.heading'))}</h2>{_issue_table(r, r.file_findings)}</section>"
        if r.file_findings
        else ""
    )
    children = "".join(_child_section(r, g) for g in r.children)
    by_child = (
        f"<h2>{_e(r.t('validator.children.heading'))}</h2><p>{_e(r.t('validator.children.intro'))}</p>{children}"
        if r.children
        else ""
    )
    la = f"{r.la_code} {r.la_name}".strip()
    meta = r.t(
        "validator.meta",
        version=r.version,
        made=r.made,
        era=r.era,
        seconds=f"{r.seconds:.1f}",
        rules=len(r.rules_run),
    )
    doc = (
        f'<!doctype html><html lang="{r.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'\">"
        f"<title>{_e(title(r))}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(title(r))}</h1><p>{_e(la)}</p><p class='meta'>{_e(meta)}</p></header><main>"
        f'<p class="private">{_e(r.t("validator.private"))}</p>{verdict}<p>{_e(counts)}</p>{selection}'
        f"<p class='meta'>{_e(r.t('validator.rows_note'))}</p>"
        f"<h2>{_e(r.t('validator.summary.heading'))}</h2>{_summary(r)}{_comparison(r)}"
        + (filters if findings else "")
        + files
        + by_child
        + (f"<p class='meta'>{_e(r.draft_note())}</p>" if r.lang == "cy" else "")
        + f"</main><script>{_JS}</script></body></html>"
    )
    return doc.encode("utf-8")
