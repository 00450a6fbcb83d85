"""Re-ingesting unchanged landing files changes nothing: the raw rows, the record of ingested files
(hashes, row counts, key fingerprint) and the validation reports are the same after a second
ingestion as after the first. A changed file changes its own LA's rows and nothing else.

(Two whole builds from the same inputs giving byte-identical outputs is in
tests/integration/test_release_end_to_end.py; the crash-safety test also checks that the rerun after
its crashes leaves the raw tables as the first build did.)"""

import shutil

from tests.conftest import FIXTURES, TEST_KEY
from tests.security.helpers import failure_messages, folder_bytes, ingest_in_process, raw_state


def test_reingesting_unchanged_returns_changes_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    warehouse = data / "warehouse.duckdb"
    reports = data / "output" / "2016-17" / "validation"

    first = ingest_in_process(monkeypatch, data, warehouse, pseudonym_key=TEST_KEY)
    assert first.success, failure_messages(first)
    raw, files = raw_state(warehouse), folder_bytes(reports)
    assert len(raw["cla_episodes"]) == 13 and len(raw["ingested_files"]) == 8
    assert {"cla/W06000015.csv", "cla/W06000015.html", "cla/summary.csv"} <= set(files)

    again = ingest_in_process(monkeypatch, data, warehouse, pseudonym_key=TEST_KEY)
    assert again.success, failure_messages(again)
    assert raw_state(warehouse) == raw
    assert folder_bytes(reports) == files

    # a changed return: its LA's rows and file record change, the other LA's do not
    episodes = data / "landing/cla/2016-17/W06000001/episodes.csv"
    episodes.write_text(episodes.read_text().replace("A1,2015-02-01,S,E1,N1,A5", "A1,2015-02-01,S,E1,N2,A5"))
    changed = ingest_in_process(monkeypatch, data, warehouse, pseudonym_key=TEST_KEY)
    assert changed.success, failure_messages(changed)
    now = raw_state(warehouse)
    for table in ("cla_episodes", "ingested_files"):
        assert [r for r in now[table] if "W06000015" in r] == [r for r in raw[table] if "W06000015" in r]
        assert [r for r in now[table] if "W06000001" in r] != [r for r in raw[table] if "W06000001" in r]
    assert len(now["cla_episodes"]) == 13
