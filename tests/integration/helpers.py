"""Run the `cssd` command line as a user would, in a separate process with its own data folder."""

import csv
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


def read_cla1(path: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {
            (r["area_code"], r["legal_status_group"], r["measure"]): (r["value"], r["note_codes"])
            for r in csv.DictReader(f)
        }
