"""The release around the published tables: status notes ([p], [r]), revisions, the publication
gate's frame, and the manifest.

Per year, in each release folder (``<data>/output/<year>/`` points at the current one; the layout
and how a release is swapped in whole are in ``outputs/release_store.py``):

- ``statswales/<table>.csv`` — the published tables (disclosure control applied);
- ``.baseline/<table>.csv`` — the table as first released: a later build that changes a cell marks
  it ``[r]`` and lists the old and new values in ``revisions.csv``. Delete the current release's
  folder (``output/<year>/.baseline``) to start a new release (the next build becomes the baseline);
- ``.gates/<table>.json`` — every gate's result for the table (read into the manifest);
- ``manifest.json`` — every output with its SHA-256, every ingested landing file with its hash, the
  code version, the tool versions and each gate's result. It holds no wall-clock time, so the same
  inputs give the same manifest; ``run_record.json`` beside it says when and how long."""

import csv
import hashlib
import io
import json
import re
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.statswales import COUNT_MEASURES, EMPTY_VALUE_NOTES, read_long_csv
from orchestration.lib.publication import TABLES, expected_cells
from orchestration.paths import REPO_ROOT

NOTE_ORDER = ("[c]", "[x]", "[z]", "[p]", "[r]")
HIDDEN_NOTES = EMPTY_VALUE_NOTES  # the value is empty when one of these is on the cell
REVISIONS_HEADER = ["table_id", "year", "area_code", "keys", "measure", "old_value", "old_note_codes", "new_value",
                    "new_note_codes"]  # fmt: skip
BASELINE_DIR = ".baseline"
GATES_DIR = ".gates"
REVISIONS_DIR = ".revisions"
TOOLS = (
    "dagster",
    "dagster-dbt",
    "dbt-core",
    "duckdb",
    "pandas",
    "pandera",
    "great-expectations",
    "openpyxl",
    "odfpy",
    "highspy",
)


def split_notes(text: object) -> list[str]:
    return re.findall(r"\[[a-z]\]", str(text or ""))


def join_notes(codes: "list[str] | set[str]") -> str:
    """Note codes in the spec's order, space-separated, each once: '[c] [p]'."""
    present = set(codes)
    return " ".join(c for c in NOTE_ORDER if c in present)


def with_note(frame: pd.DataFrame, code: str, where: "pd.Series | None" = None) -> pd.DataFrame:
    out = frame.copy()
    mask = pd.Series(True, index=out.index) if where is None else where
    out.loc[mask, "note_codes"] = [join_notes([*split_notes(n), code]) for n in out.loc[mask, "note_codes"]]
    return out


def key_columns(table_id: str) -> list[str]:
    return ["year", "area_code", *TABLES[table_id].dimensions, "measure"]


def read_published_csv(path: Path) -> pd.DataFrame:
    """A published long CSV as text (empty cells stay ''), note codes in the internal '[c] [p]' form."""
    return read_long_csv(path)


def mark_revisions(
    frame: pd.DataFrame, baseline: "pd.DataFrame | None", table_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells whose published value or hiding note differs from the baseline get [r]; returns the
    frame and the revisions (one row per changed cell: old and new value and notes)."""
    keys = key_columns(table_id)
    columns = ["table_id", *keys, "old_value", "old_note_codes", "new_value", "new_note_codes"]
    if baseline is None or baseline.empty:
        return frame, pd.DataFrame(columns=columns)

    def comparable(f: pd.DataFrame) -> pd.DataFrame:
        c = f[[*keys, "value", "note_codes"]].copy()
        c["_hidden"] = [join_notes([n for n in split_notes(x) if n in HIDDEN_NOTES]) for x in c["note_codes"]]
        return c

    new, old = comparable(frame), comparable(baseline.astype(str))
    merged = new.merge(old, on=keys, how="left", suffixes=("", "_old"), indicator=True)
    changed = (merged["_merge"] == "both") & (
        (merged["value"] != merged["value_old"]) | (merged["_hidden"] != merged["_hidden_old"])
    )
    changed.index = frame.index
    out = with_note(frame, "[r]", changed) if changed.any() else frame
    rev = merged.loc[changed.to_numpy()].copy()
    rev.insert(0, "table_id", table_id)
    rev = rev.rename(
        columns={
            "value_old": "old_value",
            "note_codes_old": "old_note_codes",
            "value": "new_value",
            "note_codes": "new_note_codes",
        }
    )
    rev["new_note_codes"] = out.loc[changed, "note_codes"].to_numpy()
    return out, rev[columns].reset_index(drop=True)


def revisions_csv(revisions: pd.DataFrame) -> bytes:
    """All tables' revisions of a year, one row per cell, the keys as 'dimension=key; …'."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REVISIONS_HEADER)
    for rec in revisions.to_dict("records"):
        dims = TABLES[rec["table_id"]].dimensions
        keys = "; ".join(f"{d}={rec[d]}" for d in dims)
        w.writerow([rec["table_id"], rec["year"], rec["area_code"], keys, rec["measure"], rec["old_value"],
                    rec["old_note_codes"], rec["new_value"], rec["new_note_codes"]])  # fmt: skip
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The publication gate (Great Expectations suite expectations/publication.json)

PUBLICATION_DERIVED = [
    "table_id",
    "is_count",
    "value_number",
    "small_value",
    "rounding_residue",
    "cells_in_file",
    "cells_expected",
    "hidden_and_empty",
]


def publication_gate_frame(published: pd.DataFrame, table_id: str, policy: str) -> tuple[pd.DataFrame, dict]:
    """One row per published cell of one table (text, as written), with what the suite judges, and
    the suite's parameters (the columns a published file may have)."""
    spec = TABLES[table_id]
    f = published.copy()
    f["table_id"] = table_id
    f["is_count"] = f["measure"].isin(sorted(COUNT_MEASURES))
    f["value_number"] = pd.to_numeric(f["value"].replace("", None), errors="coerce").astype("float64")
    f["small_value"] = (f["value_number"].abs() >= 1) & (f["value_number"].abs() <= 4) & f["is_count"]
    residue = (f["value_number"].abs() % 5).where(f["is_count"] & f["value_number"].notna(), 0.0)
    f["rounding_residue"] = residue.astype("float64") if policy == "round5" else 0.0
    f["cells_in_file"] = f.groupby("year")["measure"].transform("size").astype("float64")
    f["cells_expected"] = float(len(expected_cells(table_id)))
    hidden = f["note_codes"].map(lambda n: any(c in split_notes(n) for c in HIDDEN_NOTES))
    f["hidden_and_empty"] = hidden == (f["value"] == "")
    allowed = ["year", "area_code", *spec.dimensions, "measure", "value", "note_codes", *PUBLICATION_DERIVED]
    return f, {"allowed_columns": allowed}


# ---------------------------------------------------------------------------------------------
# Gates and the manifest


def write_gates(year_dir: Path, table_id: str, gates: dict) -> None:
    data = json.dumps(gates, indent=1, sort_keys=True, default=str) + "\n"
    write_bytes_atomic(year_dir / GATES_DIR / f"{table_id}.json", data.encode("utf-8"))


def read_gates(year_dir: Path) -> dict:
    folder = year_dir / GATES_DIR
    if not folder.is_dir():
        return {}
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_version() -> str:
    """The git commit of the checkout (with '-dirty' when it has local changes), else 'unknown'."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty", "--abbrev=40"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# The warehouse that built the release (CSSD_DBT_TARGET) and the packages that talk to it.
WAREHOUSE_TOOLS = {"duckdb": ("dbt-duckdb",), "postgres": ("dbt-postgres", "psycopg2-binary")}


def tool_versions(warehouse: str = "duckdb") -> dict[str, str]:
    """The versions of the tools that built a release: the stack, and the dbt adapter (and driver) of
    the warehouse it was built on, not of the one it was not."""
    out = {}
    for name in (*TOOLS, *WAREHOUSE_TOOLS[warehouse]):  # the manifest's keys are sorted when written
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


MANIFEST_EXCLUDED = ("manifest.json", "run_record.json", "output_checking.csv")  # written after the manifest
# validation/ links to the live validation reports, rewritten by every ingestion: not part of a release.
LIVE_FOLDERS = ("validation",)


def output_files(year_dir: Path) -> list[Path]:
    """Every output file of a year's release, in a stable order (internal dot-folders, and the live
    validation reports, excluded)."""
    files = []
    for p in sorted(year_dir.rglob("*")):
        rel = p.relative_to(year_dir)
        if rel.parts[0] in LIVE_FOLDERS or any(part.startswith(".") for part in rel.parts):
            continue
        if p.is_file() and not p.is_symlink() and rel.name not in MANIFEST_EXCLUDED:
            files.append(p)
    return files


def build_manifest(
    year_dir: Path,
    year: str,
    landing_files: list[dict],
    policy: str,
    provisional: bool,
    extra_gates: dict,
    warehouse: str = "duckdb",
) -> dict:
    """``warehouse``: the dbt target that built the release (duckdb or postgres), recorded with its
    adapter's version."""
    gates = read_gates(year_dir)
    gates.update(extra_gates)
    return {
        "year": year,
        "disclosure_policy": policy,
        "status": "provisional" if provisional else "final",
        "code_version": code_version(),
        "warehouse": warehouse,
        "tools": tool_versions(warehouse),
        "outputs": [
            {"path": str(p.relative_to(year_dir)), "sha256": sha256_file(p), "bytes": p.stat().st_size}
            for p in output_files(year_dir)
        ],
        "landing_files": sorted(landing_files, key=lambda f: (f["census"], f["la_code"], f["table_name"])),
        "gates": gates,
        "all_gates_passed": all(_passed(g) for g in gates.values()),
    }


def _passed(gate: object) -> bool:
    if isinstance(gate, dict):
        if "passed" in gate:
            return bool(gate["passed"])
        return all(_passed(v) for v in gate.values())
    return True


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
