"""Sign-off of a year's release by a statistician, and the output-checking record.

``cssd signoff <year> --by NAME --note TEXT --accept CHECK:AREA="reason" ...`` (or ``--accept-file``)
signs off the year's current release: every open QA finding (orchestration/lib/findings.py) must be
accepted with a reason, one ``CHECK:AREA`` for all findings of a check in an area. The record —
who, when, the note, the findings accepted, the SHA-256 of every output signed, and the stored
returns the figures come from — is kept in ``<data>/output/.signoff/<year>.json`` and goes into
every later release of the year as ``signoff.json``; the year is released again at once so its
release.html and workbooks say "Signed off by … on …".

A sign-off is **stale** when, in a later release of the year, a signed output has changed (new
figures), the stored returns differ from those signed (new data), or a finding is open that was not
accepted (a new finding). The release then says so (release.html, workbook cover, manifest,
output_checking.csv) and the year needs signing off again. Nothing here imports Dagster.

The outputs signed are the figures and the QA files: every output but those that carry the
sign-off line or record it (release.html, the workbooks, signoff.json, output_checking.csv).
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from orchestration.lib.findings import finding_key, read_findings_csv
from orchestration.lib.translations import text

SIGNOFF_FILE = "signoff.json"
CHECKING_FILE = "output_checking.csv"
FINDINGS_CSV = Path("qa") / "findings.csv"
FINDINGS_HTML = Path("qa") / "findings.html"
STORE = ".signoff"
NOT_SIGNED, SIGNED, STALE = "not signed off", "signed off", "stale"
CHECKING_HEADER = ["output", "status", "checks_run", "findings", "signoff", "sha256"]


class SignoffError(ValueError):
    """The sign-off cannot be made (bad input, or a state that cannot be signed); nothing changed."""


def is_signed_output(path: str) -> bool:
    """Whether a release's output (path inside the release) is covered by the sign-off's hashes."""
    name = Path(path).name
    pages = ("release.html", "release-cy.html")  # release_html.PAGE_NAMES
    return not (name in (*pages, SIGNOFF_FILE, CHECKING_FILE) or name.endswith((".ods", ".xlsx")))


def store_path(output_dir: Path, year: str) -> Path:
    return output_dir / STORE / f"{year}.json"


def read_record(output_dir: Path, year: str) -> "dict | None":
    path = store_path(output_dir, year)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SignoffError(f"{path}: the sign-off record is damaged ({exc}); restore it or delete it") from None


def _landing_key(files: list[dict]) -> list[list[str]]:
    return sorted([str(f["census"]), str(f["la_code"]), str(f["table_name"]), str(f["sha256"])] for f in files)


@dataclass(frozen=True)
class State:
    status: str  # NOT_SIGNED | SIGNED | STALE
    by: str = ""
    on: str = ""  # YYYY-MM-DD
    reasons: tuple[str, ...] = ()  # new_data | outputs_changed | new_findings

    def line(self, lang: str = "en") -> str:
        """The sentence release.html and the workbook cover show."""
        if self.status == NOT_SIGNED:
            return text("signoff.not_signed", lang)
        if self.status == SIGNED:
            return text("signoff.signed", lang, name=self.by, date=self.on)
        reason = "; ".join(text(f"signoff.reason.{r}", lang) for r in self.reasons)
        return text("signoff.stale", lang, name=self.by, date=self.on, reason=reason)

    def as_dict(self) -> dict:
        return {"status": self.status, "by": self.by, "on": self.on, "reasons": list(self.reasons),
                "text": self.line("en")}  # fmt: skip


def evaluate(
    record: "dict | None", outputs: dict[str, str], findings: pd.DataFrame, landing_files: list[dict]
) -> State:
    """The sign-off state of a release: ``outputs`` = path -> sha256 of its signed outputs."""
    if not record:
        return State(NOT_SIGNED)
    reasons = []
    if _landing_key(landing_files) != record.get("landing_files", []):
        reasons.append("new_data")
    signed = record.get("outputs", {})

    def split(hashes: dict[str, str], qa: bool) -> dict[str, str]:
        return {p: h for p, h in hashes.items() if p.startswith("qa/") is qa}

    if split(outputs, False) != split(signed, False):
        reasons.append("outputs_changed")
    accepted = {finding_key(a["check"], a["area_code"]) for a in record.get("accepted", [])}
    open_keys = {finding_key(c, a) for c, a in zip(findings["check"], findings["area_code"], strict=True)}
    # a finding not accepted, or the findings' own figures changed since they were accepted
    if open_keys - accepted or split(outputs, True) != split(signed, True):
        reasons.append("new_findings")
    on = str(record.get("signed_at", ""))[:10]
    return State(STALE if reasons else SIGNED, str(record.get("signed_by", "")), on, tuple(reasons))


def signed_outputs(release_dir: Path) -> dict[str, str]:
    from orchestration.lib.release import output_files, sha256_file

    return {
        str(p.relative_to(release_dir)): sha256_file(p)
        for p in output_files(release_dir)
        if is_signed_output(str(p.relative_to(release_dir)))
    }


def release_state(output_dir: Path, year: str, release_dir: Path, findings: pd.DataFrame,
                  landing_files: list[dict]) -> tuple["dict | None", State]:  # fmt: skip
    """The record (if any) and the state of a release being written (its signed outputs in place)."""
    record = read_record(output_dir, year)
    return record, evaluate(record, signed_outputs(release_dir), findings, landing_files)


# ---------------------------------------------------------------------------------------------
# Accepting findings: --accept CHECK:AREA=reason, or a CSV file (check,area_code,reason)


def parse_accept(items: list[str]) -> dict[str, str]:
    """``CHECK:AREA=reason`` arguments -> {"CHECK:AREA": reason}."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, reason = item.partition("=")
        check, colon, area = key.strip().partition(":")
        if not sep or not colon or not check or not area:
            raise SignoffError(f'--accept {item!r}: write it as CHECK:AREA="reason", e.g. '
                               'flow_identity:W06000001="two sibling groups came into care in March"')  # fmt: skip
        if not reason.strip():
            raise SignoffError(f"--accept {item!r}: the reason is empty; say why the figure is right")
        k = finding_key(check.strip(), area.strip())
        if k in out:
            raise SignoffError(f"--accept {k}: given twice")
        out[k] = reason.strip()
    return out


def read_accept_file(path: Path) -> dict[str, str]:
    """A CSV file with the header check,area_code,reason: one accepted finding a row."""
    if not path.is_file():
        raise SignoffError(f"{path}: the file of accepted findings does not exist")
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except UnicodeDecodeError:
        raise SignoffError(f"{path}: not UTF-8 text") from None
    if not rows or [c.strip() for c in rows[0]] != ["check", "area_code", "reason"]:
        raise SignoffError(f"{path} row 1: the header must be check,area_code,reason")
    out: dict[str, str] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 3:
            raise SignoffError(f"{path} row {n}: 3 fields expected (check,area_code,reason), found {len(row)}")
        check, area, reason = (c.strip() for c in row)
        for field, value in (("check", check), ("area_code", area), ("reason", reason)):
            if not value:
                raise SignoffError(f"{path} row {n}, field {field}: empty")
        k = finding_key(check, area)
        if k in out:
            raise SignoffError(f"{path} row {n}: {k} appears twice")
        out[k] = reason
    return out


# ---------------------------------------------------------------------------------------------
# Signing off


def _current_release(output_dir: Path, year: str) -> Path:
    from orchestration.lib.outputs.release_store import current_release

    release_dir = current_release(output_dir, year)
    if release_dir is None or not (release_dir / "manifest.json").exists():
        raise SignoffError(f"{year}: there is no release of this year to sign off; build it first (cssd build)")
    return release_dir


def check_signable(settings, year: str, stored_returns: "list[dict] | None") -> tuple[Path, dict, pd.DataFrame]:
    """The current release, its manifest and its findings, if the year can be signed off now; else
    SignoffError saying why (no release; a build under way or unfinished; returns stored since)."""
    from orchestration.lib.outputs.release_store import staging_dir
    from orchestration.lib.release import sha256_file

    output_dir = settings.output_dir
    release_dir = _current_release(output_dir, year)
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    damaged = [
        e["path"]
        for e in manifest["outputs"]
        if not (release_dir / e["path"]).is_file() or sha256_file(release_dir / e["path"]) != e["sha256"]
    ]
    if damaged:
        raise SignoffError(f"{year}: the release's files differ from its manifest ({', '.join(damaged[:5])}); "
                           "rebuild the year before signing it off")  # fmt: skip
    if not manifest.get("all_gates_passed", False):
        raise SignoffError(f"{year}: a blocking check of this release failed; it cannot be signed off")
    staged = staging_dir(output_dir, year) / "statswales"
    released = release_dir / "statswales"
    for path in sorted(staged.glob("*.csv")) if staged.is_dir() else []:
        twin = released / path.name
        if not twin.exists() or sha256_file(twin) != sha256_file(path):
            raise SignoffError(
                f"{year}: the tables staged for this year ({path.name}) differ from its release: a build of the "
                "year has not finished. Run cssd build for the year, read its findings, then sign off"
            )
    if stored_returns is not None and _landing_key(stored_returns) != _landing_key(manifest["landing_files"]):
        raise SignoffError(
            f"{year}: returns were stored after this release was built (new data): the release is stale. "
            "Run cssd build for the year, read its findings, then sign off"
        )
    findings = read_findings_csv(release_dir / FINDINGS_CSV)
    return release_dir, manifest, findings


def make_record(year: str, by: str, note: str, accepts: dict[str, str], findings: pd.DataFrame,
                outputs: dict[str, str], landing_files: list[dict], now: datetime) -> dict:  # fmt: skip
    if not by or not by.strip():
        raise SignoffError("--by: the name of the statistician signing off is needed")
    open_keys = {finding_key(c, a) for c, a in zip(findings["check"], findings["area_code"], strict=True)}
    unknown = sorted(set(accepts) - open_keys)
    if unknown:
        raise SignoffError(f"{year}: {', '.join(unknown)} is not an open finding of this release "
                           f"(open: {', '.join(sorted(open_keys)) or 'none'})")  # fmt: skip
    missing = sorted(open_keys - set(accepts))
    if missing:
        raise SignoffError(
            f"{year}: every open finding needs accepting with a reason (qa/findings.html); not accepted: "
            + ", ".join(missing)
            + f'. Add --accept {missing[0]}="reason" (or a row in --accept-file)'
        )
    accepted = []
    for key in sorted(accepts):
        check, area = key.split(":", 1)
        rows = findings[(findings["check"] == check) & (findings["area_code"] == area)]
        detail = rows[["table", "measure", "observed", "threshold"]].to_dict("records")
        accepted.append({"check": check, "area_code": area, "reason": accepts[key], "findings": detail})
    return {
        "year": year,
        "signed_by": by.strip(),
        "signed_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "note": (note or "").strip(),
        "accepted": accepted,
        "outputs": outputs,
        "landing_files": _landing_key(landing_files),
    }


def sign_off(settings, year, by: str, note: str, accepts: dict[str, str],
             stored_returns: "list[dict] | None", now: "datetime | None" = None) -> tuple[dict, State]:  # fmt: skip
    """Sign the year's current release off and release it again with the sign-off in it.

    ``stored_returns``: the returns stored in the warehouse for the year (raw.ingested_files rows),
    to refuse a release that new data has made stale; None skips that comparison."""
    from orchestration.lib.outputs.atomic import write_bytes_atomic
    from orchestration.lib.outputs.release_store import output_lock
    from orchestration.lib.release_files import write_release

    label = year.label
    if not by or not by.strip():
        raise SignoffError("--by: the name of the statistician signing off is needed")
    with output_lock(settings.output_dir):
        release_dir, manifest, findings = check_signable(settings, label, stored_returns)
        outputs = signed_outputs(release_dir)
        record = make_record(label, by, note, accepts, findings, outputs, manifest["landing_files"],
                             now or datetime.now(UTC))  # fmt: skip
        path = store_path(settings.output_dir, label)
        previous = path.read_bytes() if path.exists() else None
        write_bytes_atomic(path, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8"))
        _, problems = write_release(settings, year, manifest["landing_files"], run_id="signoff", findings=findings)
        new_manifest = json.loads((_current_release(settings.output_dir, label) / "manifest.json").read_text())
        state = new_manifest.get("signoff", {})
        if problems or state.get("status") != SIGNED:
            # put the record back as it was: the release did not come out signed
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                write_bytes_atomic(path, previous)
            raise SignoffError(f"{label}: the signed release could not be written: {'; '.join(problems) or state}")
    return record, State(SIGNED, record["signed_by"], record["signed_at"][:10])


def status(settings, year: str, stored_returns: "list[dict] | None" = None) -> State:
    """The state of the year's current release now (stale also when returns were stored since)."""
    output_dir = settings.output_dir
    release_dir = _current_release(output_dir, year)
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    record = read_record(output_dir, year)
    landing = stored_returns if stored_returns is not None else manifest["landing_files"]
    return evaluate(record, signed_outputs(release_dir), read_findings_csv(release_dir / FINDINGS_CSV), landing)


# ---------------------------------------------------------------------------------------------
# The output-checking record beside the manifest


def checking_csv(
    manifest: dict, findings: pd.DataFrame, state: State, check_tables: dict[str, tuple[str, ...]]
) -> bytes:
    """One row per output of the release: its status, the checks run on it, its findings, the sign-off
    and its checksum. ``check_tables``: check -> the published tables its findings bear on."""
    gates = manifest.get("gates", {})
    per_table: dict[str, int] = {}
    for check, n in findings.groupby("check").size().items() if len(findings) else []:
        for table in check_tables.get(check, ()):
            per_table[table] = per_table.get(table, 0) + int(n)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CHECKING_HEADER)
    signoff_text = state.line("en")
    for entry in manifest["outputs"]:
        path = entry["path"]
        table = Path(path).stem if path.startswith("statswales/") and "/lookups/" not in path else None
        if table and table in gates:
            results = {k: v for k, v in gates[table].items() if isinstance(v, dict) and "passed" in v}
            checks = "; ".join(f"{k} {'passed' if v['passed'] else 'FAILED'}" for k, v in sorted(results.items()))
            failed = any(not v["passed"] for v in results.values())
        else:
            rb = gates.get("release_reads_back", {})
            checks = f"release_reads_back {'passed' if rb.get('passed', False) else 'FAILED'}; sha256 recorded"
            failed = not rb.get("passed", False)
        plausibility = [c for c, tables in check_tables.items() if table in tables]
        if path in (str(FINDINGS_CSV), str(FINDINGS_HTML)):
            plausibility = list(check_tables)
        if plausibility:
            checks += "; plausibility: " + ", ".join(plausibility)
        n_findings = per_table.get(table, 0) if table else (len(findings) if path == str(FINDINGS_CSV) else 0)
        if failed:
            out_status = "blocked"
        elif state.status == SIGNED:
            out_status = "cleared for publication"
        elif state.status == STALE:
            out_status = "sign-off stale"
        else:
            out_status = "awaiting sign-off"
        w.writerow([path, out_status, checks, n_findings, signoff_text, entry["sha256"]])
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The command (cli.py registers it) and the summary cssd build prints


def stored_returns(connect, settings, year: str) -> "list[dict] | None":
    """The returns stored in the warehouse for ``year`` (raw.ingested_files), or None without a warehouse."""
    if settings.warehouse_target == "duckdb" and not settings.warehouse.exists():
        return None
    con = connect()
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'ingested_files'"
        ).fetchone()[0]
        if not exists:
            return None
        rows = con.execute(
            "select census, la_code, table_name, sha256 from raw.ingested_files where year = ?", [year]
        ).fetchall()
    finally:
        con.close()
    return [{"census": c, "la_code": la, "table_name": t, "sha256": h} for c, la, t, h in rows]


def command(settings, args, connect, out, err) -> int:
    """``cssd signoff <year> --by NAME [--note TEXT] [--accept CHECK:AREA=reason ...] [--accept-file F]``,
    or ``cssd signoff <year> --status``."""
    from orchestration.lib.years import CollectionYear, YearError

    try:
        year = CollectionYear.parse(args.year)
    except (YearError, ValueError) as exc:
        print(f"cssd signoff: {exc}", file=err)
        return 2
    try:
        stored = stored_returns(connect, settings, year.label)
        if args.status:
            state = status(settings, year.label, stored)
            print(f"{year.label}: {state.line('en')}", file=out)
            return 0
        accepts = parse_accept(args.accept or [])
        if args.accept_file:
            from_file = read_accept_file(Path(args.accept_file))
            both = sorted(set(accepts) & set(from_file))
            if both:
                raise SignoffError(f"{', '.join(both)}: accepted both on the command line and in {args.accept_file}")
            accepts.update(from_file)
        record, state = sign_off(settings, year, args.by or "", args.note or "", accepts, stored)
    except SignoffError as exc:
        print(f"cssd signoff: {exc}. Nothing was changed.", file=err)
        return 2
    print(f"{year.label}: {state.line('en')}; {len(record['accepted'])} finding(s) accepted; "
          f"{len(record['outputs'])} output(s) signed. The release says so: "
          f"{settings.output_dir / year.label / 'release.html'}", file=out)  # fmt: skip
    return 0


def build_summary(output_dir: Path, years: list[str]) -> list[str]:
    """What cssd build prints after a release: the QA findings and the sign-off state of each year."""
    lines, awaiting = [], []
    for year in sorted(years):
        path = output_dir / year / "manifest.json"
        if not path.exists():
            continue
        manifest = json.loads(path.read_text(encoding="utf-8"))
        qa = manifest.get("qa_findings", {})
        if qa.get("count"):
            detail = ", ".join(f"{c} {n}" for c, n in sorted(qa.get("by_check", {}).items()))
            lines.append(f"  {year}: {qa['count']} QA finding(s) ({detail}): {output_dir / year / FINDINGS_HTML}")
        state = manifest.get("signoff", {})
        if state.get("status") != SIGNED:
            awaiting.append(f"{year} ({state.get('text') or text('signoff.not_signed', 'en')})")
    out = []
    if lines:
        out.append("QA findings (plausibility checks: they never block; read each one before signing off):")
        out += lines
    elif years:
        out.append("QA findings: none (every plausibility check within its limits)")
    if awaiting:
        out.append("awaiting sign-off: " + "; ".join(awaiting))
        out.append('  sign off a year with: cssd signoff <year> --by NAME --note TEXT --accept CHECK:AREA="reason"')
    return out
