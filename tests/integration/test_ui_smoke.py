"""The Dagster UI, as a user starts it (`cssd dev`: webserver + daemon), on a free local port. Through
its GraphQL API: every asset and check of the definitions is there; one partition's run launches
and succeeds; two UI backfills of the same range of years, launched at once, both succeed, their
runs queued one after the other, and each builds the dbt models of the whole range in one run."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.integration.helpers import REPO

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UI:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, text: str, variables: "dict | None" = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            out = json.loads(resp.read())
        assert "errors" not in out, out["errors"]
        return out["data"]

    def wait_up(self, proc: subprocess.Popen, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, "dagster dev exited"
            try:
                if self.query("{ version }")["version"]:
                    locations = self.query(
                        "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
                    )["workspaceOrError"]["locationEntries"]
                    if locations and all(loc["loadStatus"] == "LOADED" for loc in locations):
                        return
            except (OSError, AssertionError):
                pass
            time.sleep(1)
        raise TimeoutError("the Dagster UI did not come up")

    def wait_run(self, run_id: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.query("query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})[
                "runOrError"
            ]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                return status
            time.sleep(1)
        raise TimeoutError(f"run {run_id} did not finish")


@pytest.fixture(scope="module")
def ui(tmp_path_factory, seeded_warehouse):
    data = tmp_path_factory.mktemp("ui") / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    seeded_warehouse(data)
    port = _free_port()
    env = {**os.environ, "CSSD_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("CSSD_WAREHOUSE", None)
    cssd = Path(sys.executable).with_name("cssd")
    proc = subprocess.Popen(
        [str(cssd), "dev", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = UI(port)
    try:
        client.wait_up(proc)
        yield client, data
    finally:
        # dagster dev takes ~15 s to stop gracefully; its data folder is thrown away: 5 s, then kill
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _repository(client: UI) -> dict:
    repos = client.query(
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    )["repositoriesOrError"]["nodes"]
    assert len(repos) == 1
    return {"repositoryName": repos[0]["name"], "repositoryLocationName": repos[0]["location"]["name"]}


def test_every_asset_and_check_is_in_the_ui(ui):
    from orchestration.definitions import defs

    client, _ = ui
    nodes = client.query(
        "{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } } }"
    )["assetNodes"]
    in_ui = {"/".join(n["assetKey"]["path"]) for n in nodes}
    graph = defs.resolve_asset_graph()
    expected = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert expected <= in_ui
    checks_in_ui = {
        ("/".join(n["assetKey"]["path"]), c["name"]) for n in nodes for c in n["assetChecksOrError"]["checks"]
    }
    expected_checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert expected_checks <= checks_in_ui


def _launch_run(client: UI, job: str, tags: dict[str, str]) -> str:
    params = {
        "selector": {**_repository(client), "jobName": job},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }
    launched = client.query(
        """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
            __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"p": params},
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def test_one_partition_run_launches_and_succeeds(ui):
    client, data = ui
    tags = {
        "dagster/partition": "2016-17|W06000015",
        "dagster/partition/collection_year": "2016-17",
        "dagster/partition/la": "W06000015",
    }
    assert client.wait_run(_launch_run(client, "cla_ingest", tags)) == "SUCCESS"
    assert (data / "output" / "2016-17" / "validation" / "cla" / "W06000015.html").exists()


def _wait_backfill(client: UI, backfill_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        b = client.query(
            """query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill {
                status runs { runId status startTime endTime tags { key value } } } } }""",
            {"id": backfill_id},
        )["partitionBackfillOrError"]
        if b["status"] not in ("REQUESTED", "CANCELING", "FAILING"):
            return b
        time.sleep(2)
    raise TimeoutError(f"backfill {backfill_id} did not finish")


LAUNCH_BACKFILL = """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""


def _launch_backfill(client: UI, by_asset: list[dict]) -> str:
    out = client.query(LAUNCH_BACKFILL, {"p": {"partitionsByAssets": by_asset}})["launchPartitionBackfill"]
    assert out["__typename"] == "LaunchBackfillSuccess", out
    return out["backfillId"]


def _succeeded(b: dict) -> list[dict]:
    assert b["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), b
    assert b["runs"] and all(r["status"] == "SUCCESS" for r in b["runs"]), b["runs"]
    return b["runs"]


def test_two_ui_backfills_of_the_same_range_queue_and_succeed(ui):
    """As after a change of definition: the returns are in, and the models of a range of years are
    backfilled from the UI; a second user launches the same backfill at the same time."""
    from orchestration.defs.partitions import year_la_range
    from orchestration.defs.transform import dbt_cla_models
    from orchestration.lib.years import CollectionYear

    client, data = ui
    # the returns of the two years are in: one ingestion run over their year x LA range
    first, last = year_la_range(CollectionYear.parse("2015-16"), CollectionYear.parse("2016-17"))
    ingest = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    assert client.wait_run(_launch_run(client, "cla_ingest", ingest)) == "SUCCESS"
    spans = []
    years = {"start": "2015-16", "end": "2016-17"}
    models = [{"assetKey": {"path": k.path}, "partitions": {"range": years}} for k in dbt_cla_models.keys]
    # the second while the first is still running: its run must queue, not collide
    ids = [_launch_backfill(client, models), _launch_backfill(client, models)]
    for backfill_id in ids:
        runs = _succeeded(_wait_backfill(client, backfill_id))
        assert len(runs) == 1, "the dbt models of the whole range are built in one run"
        tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
        assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
            "2015-16",
            "2016-17",
        )
        spans += [(r["startTime"], r["endTime"]) for r in runs]
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end, "two runs on the warehouse at once: the run queue allows one"
    assert (data / "output" / "2015-16" / "validation" / "cla" / "W06000015.html").exists()
