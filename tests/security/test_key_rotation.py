"""Rotating the pseudonymisation key, as docs/security.md says to do it: set the new key, run
`cssd rekey`. Every pseudonym in the warehouse changes (every stored return is re-ingested from its
landing files under the new key), the published outputs do not, and until it is done a plain build
refuses to mix the keys.

The warehouse starts as `make demo` leaves one: synthetic returns from `cssd generate`, built in demo
mode without a key (so demo mode on synthetic data is accepted end to end), pseudonymised with the
public demo key."""

import shutil

import pytest

from orchestration.lib.keys import key_fingerprint
from orchestration.lib.pseudonymise import pseudonym
from orchestration.settings import DEMO_PSEUDONYM_KEY
from tests.integration.helpers import run_cssd
from tests.security.corpus import personal_values
from tests.security.helpers import raw_state, release_is_complete, year_outputs

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("rekey")]

YEAR = "2016-17"
LAS = ["W06000002", "W06000012"]
NEW_KEY = "the-new-key-0123456789abcdef"
NO_KEY = {"CSSD_PSEUDONYM_KEY": ""}


def pids_by_key(data, key: bytes) -> set[str]:
    """The pseudonyms ``key`` gives the child ids of the landing files."""
    out = set()
    for la in LAS:
        ids = personal_values(data / "landing" / "cla" / YEAR / la, "cla", YEAR)["child_id"]
        out |= {pseudonym(key, la, i) for i in ids}
    return out


# raw tables that record the returns rather than hold their rows (no child_pid)
BOOKKEEPING = ("ingested_files", "validated_returns", "submission_log")  # no pseudonyms in them


def stored_pids(state) -> set[str]:
    return {r[2] for t, rows in state.items() if t not in BOOKKEEPING for r in rows}


@pytest.fixture(scope="module")
def demo(tmp_path_factory, seeded_warehouse):
    data = tmp_path_factory.mktemp("rekey") / "data"
    seeded_warehouse(data)
    gen = ["generate", "--census", "cla", "--years", YEAR, "--las", ",".join(LAS), "--scale", "0.1", "--seed", "4"]
    assert run_cssd(gen, data, **NO_KEY).returncode == 0
    result = run_cssd(["build", "--census", "cla", "--years", YEAR], data, CSSD_DEMO="1", **NO_KEY)
    assert result.returncode == 0, result.stderr[-4000:]
    state = raw_state(data / "warehouse.duckdb")
    demo_pids = pids_by_key(data, DEMO_PSEUDONYM_KEY.encode())
    assert stored_pids(state) and stored_pids(state) <= demo_pids
    assert {r[-1] for r in state["ingested_files"]} == {key_fingerprint(DEMO_PSEUDONYM_KEY.encode())}
    return data, state, year_outputs(data / "output" / YEAR)


def test_a_build_under_a_new_key_is_refused_until_the_warehouse_is_rekeyed(demo):
    data, state, outputs = demo
    result = run_cssd(["build", "--census", "cla", "--years", YEAR], data, CSSD_PSEUDONYM_KEY=NEW_KEY)
    assert result.returncode == 1
    assert "not made with the key in CSSD_PSEUDONYM_KEY (cla 2016-17 W06000002, cla 2016-17 W06000012)" in (
        result.stderr
    )
    assert "run `cssd rekey`" in result.stderr
    assert raw_state(data / "warehouse.duckdb") == state
    assert year_outputs(data / "output" / YEAR) == outputs


def test_rekey_refuses_without_a_key_or_without_every_stored_return_in_landing(demo, tmp_path):
    data, state, _ = demo
    result = run_cssd(["rekey"], data, **NO_KEY)
    assert result.returncode == 2 and "CSSD_PSEUDONYM_KEY is not set" in result.stderr
    moved = tmp_path / "W06000012"
    shutil.move(data / "landing" / "cla" / YEAR / "W06000012", moved)
    try:
        result = run_cssd(["rekey"], data, CSSD_PSEUDONYM_KEY=NEW_KEY)
        assert result.returncode == 2
        assert "cla/2016-17/W06000012 is stored but not in the landing folder" in result.stderr
        assert "Nothing was changed" in result.stderr
    finally:
        shutil.move(moved, data / "landing" / "cla" / YEAR / "W06000012")
    assert raw_state(data / "warehouse.duckdb") == state


def test_rekey_changes_every_pseudonym_and_no_published_figure(demo, monkeypatch):
    data, state, outputs = demo
    result = run_cssd(["rekey"], data, CSSD_PSEUDONYM_KEY=NEW_KEY)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "2 stored return(s), 2 of them under another key" in result.stdout
    after = raw_state(data / "warehouse.duckdb")
    old_pids, new_pids = stored_pids(state), stored_pids(after)
    assert new_pids <= pids_by_key(data, NEW_KEY.encode()) and not new_pids & old_pids
    assert len(new_pids) == len(old_pids)
    assert {r[-1] for r in after["ingested_files"]} == {key_fingerprint(NEW_KEY.encode())}
    # everything but the pseudonyms is as it was
    for table, rows in state.items():
        if table not in BOOKKEEPING:
            assert sorted(r[:2] + r[3:] for r in after[table]) == sorted(r[:2] + r[3:] for r in rows), table
    # the published release is the same, byte for byte (swapped in again, whole)
    view = data / "output" / YEAR
    # the rekey validates every return again: the submission status (and the manifest listing it) records
    # those checks; every other output, the published figures among them, is byte for byte the same
    log = ("submissions.csv", "submissions.html", "manifest.json")

    def same(found: dict) -> dict:
        return {path: h for path, h in found.items() if path not in log}

    assert same(year_outputs(view)) == same(outputs) and release_is_complete(view) == []

    # from now on the new key is the warehouse's: ingestion under it is accepted
    from tests.security.helpers import failure_messages, ingest_in_process

    again = ingest_in_process(monkeypatch, data, data / "warehouse.duckdb", pseudonym_key=NEW_KEY.encode())
    assert again.success, failure_messages(again)
