"""The UI tells the truth after a failed resubmission (through its GraphQL API, as `cssd dev`
serves it): every raw asset's check `rows_match_ingested_files` passed for the stored returns, the
failed attempt is a failed run, and the runs of `cssd build` are in their job's run history (they
carry the code location: `repositoryOrigin`). `cssd dev` prints no warning blocks, and stops on SIGTERM."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.integration.helpers import REPO, run_cssd
from tests.integration.test_ui_smoke import UI, _free_port

pytestmark = pytest.mark.integration

YEARS = "2015-16:2016-17"
YEAR = "2016-17"
LA = "W06000015"

CHECKS = """query($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
  assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status runId } } } }
} } }"""

RUNS = """query($job: String!, $repo: String!) { runsOrError(filter: {pipelineName: $job,
  tags: [{key: ".dagster/repository", value: $repo}]}) { ... on Runs { results {
    runId status tags { key value } repositoryOrigin { repositoryLocationName repositoryName } } } } }"""


@pytest.fixture(scope="module")
def ui_after_resubmission(tmp_path_factory, seeded_warehouse):
    data = tmp_path_factory.mktemp("uitruth") / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    seeded_warehouse(data)
    assert run_cssd(["build", "--census", "cla", "--years", YEARS], data).returncode == 0
    episodes = data / "landing" / "cla" / YEAR / LA / "episodes.csv"
    lines = episodes.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].strip().split(",")
    fields = lines[1].split(",")
    fields[header.index("legal_status")] = "ZZ"
    lines[1] = ",".join(fields)
    episodes.write_text("".join(lines), encoding="utf-8")
    rebuilt = run_cssd(["build", "--census", "cla", "--years", YEARS], data)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]

    port = _free_port()
    env = {**os.environ, "CSSD_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("CSSD_WAREHOUSE", None)
    log = data.parent / "dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("cssd")), "dev", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    client = UI(port)
    try:
        client.wait_up(proc)
        yield client, proc, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_raw_checks_pass_and_the_build_runs_are_in_the_job_history(ui_after_resubmission):
    from orchestration.instance import CODE_LOCATION, REPOSITORY
    from orchestration.lib.specs import submission_spec

    client, _, _ = ui_after_resubmission
    runs = client.query(RUNS, {"job": "cla_ingest", "repo": f"{REPOSITORY}@{CODE_LOCATION}"})["runsOrError"]["results"]
    assert [r["status"] for r in runs[:2]] == ["FAILURE", "SUCCESS"]  # the failed resubmission, the first build
    for r in runs:
        assert "cssd/years" in {t["key"] for t in r["tags"]}, "runs of cssd build"
        assert r["repositoryOrigin"] == {"repositoryLocationName": CODE_LOCATION, "repositoryName": REPOSITORY}
    transforms = client.query(RUNS, {"job": "cla_transform", "repo": f"{REPOSITORY}@{CODE_LOCATION}"})
    assert [r["status"] for r in transforms["runsOrError"]["results"]] == ["SUCCESS", "SUCCESS"]
    for table in submission_spec("cla").table_names:
        node = client.query(CHECKS, {"path": [f"raw_cla_{table}"]})["assetNodeOrError"]
        checks = {c["name"]: c for c in node["assetChecksOrError"]["checks"]}
        latest = checks["rows_match_ingested_files"]["executionForLatestMaterialization"]
        assert latest is not None and latest["status"] == "SUCCEEDED", (table, latest)


def test_dev_prints_no_warning_blocks_and_stops_on_sigterm(ui_after_resubmission):
    _, proc, log = ui_after_resubmission
    proc.send_signal(signal.SIGTERM)  # to cssd dev alone, as `kill PID` or systemd would
    started = time.monotonic()
    proc.wait(timeout=90)
    assert time.monotonic() - started < 90
    text = log.read_text(errors="replace")
    assert "Warning:" not in text and "BetaWarning" not in text, text[-3000:]
