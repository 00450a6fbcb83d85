"""Run the `cssd` command line as a user would, in a separate process with its own data folder."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cssd(args: list[str], data_dir: Path, timeout: int = 600, **extra_env: str) -> subprocess.CompletedProcess:
    cssd = Path(sys.executable).with_name("cssd")
    env = {**os.environ, "CSSD_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1", **extra_env}
    env.pop("CSSD_WAREHOUSE", None)
    return subprocess.run([str(cssd), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def read_pub(data_dir: Path, table_id: str, year: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The unrounded table as dbt built it (publication.pub_<table> in the warehouse), keyed like the
    files: (area, key of the table's dimension or '', measure) -> (value as text, note codes). The
    published files carry disclosure control; the counting definitions are checked here."""
    import duckdb

    from orchestration.lib.outputs.statswales import format_value
    from orchestration.lib.publication import TABLES, read_publication_table

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        frame = read_publication_table(con, table_id, [year])
    finally:
        con.close()
    dims = TABLES[table_id].dimensions
    return {
        (r["area_code"], r[dims[0]] if dims else "", r["measure"]): (
            format_value(r["measure"], r["value"], r["note_codes"]),
            r["note_codes"],
        )
        for r in frame.to_dict("records")
    }
