"""The identity store (orchestration/lib/identity.py): written by ingestion when CSSD_IDENTITY_KEY is set,
encrypted, owner-only, unreadable without its key or with another; rotated by `cssd rekey --identity`. The
warehouse still holds no UPN."""

import dataclasses
import logging
import os
import shutil

import duckdb
import pandas as pd
import pytest

import orchestration.lib.identity as identity
from orchestration.cli import main
from orchestration.lib.identity import IdentityError, read_identities, return_path, rotate, store_identities
from tests.conftest import FIXTURES
from tests.security.helpers import ingest_in_process
from tests.security.research_data import identity_secret, private, settings_for

KEY = identity_secret()
OTHER = identity_secret()
UPNS = {"A123456789012"}  # the hand-built fixture's UPNs (cla_small), found below


@pytest.fixture
def landing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    from orchestration.lib.keys import mark_synthetic

    mark_synthetic(data / "landing")
    return data


def _upns(data) -> set[str]:
    out = set()
    for path in (data / "landing").rglob("children.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.columns = [c.lower() for c in frame.columns]  # UPN in the SSDA903 era
        out |= {u for u in frame["upn"] if len(u) == 13}
    return out


def _frame():
    return pd.DataFrame(
        {
            "child_pid": ["p1", "p2"],
            "la_code": ["W06000015"] * 2,
            "upn": ["A123456789012", None],
            "date_of_birth": ["2010-05-01", "2024-02-29"],
            "sex": ["M", "F"],
        }
    )


def test_written_encrypted_and_owner_only_read_back_with_the_key(tmp_path):
    old = os.umask(0o022)
    try:
        settings = settings_for(tmp_path, CSSD_IDENTITY_KEY=KEY)
        assert store_identities(settings, "cla", "2016-17", "W06000015", _frame())
    finally:
        os.umask(old)
    path = return_path(settings.identity_dir, "cla", "2016-17", "W06000015")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    for folder in (settings.identity_dir, path.parent, path.parent.parent):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
    raw = path.read_bytes()
    assert b"A123456789012" not in raw and b"2010-05-01" not in raw and b"p1" not in raw
    back = read_identities(settings, [("cla", "2016-17", "W06000015")])

    def rows(frame):
        frame = frame[identity.IDENTITY_COLUMNS].astype(object)
        return frame.where(frame.notna(), None).values.tolist()

    assert rows(back) == rows(_frame())
    assert set(back["census"]) == {"cla"} and set(back["year"]) == {"2016-17"}


def test_unreadable_without_its_key_with_another_key_or_moved(tmp_path):
    settings = settings_for(tmp_path, CSSD_IDENTITY_KEY=KEY)
    store_identities(settings, "cla", "2016-17", "W06000015", _frame())
    with pytest.raises(IdentityError, match="CSSD_IDENTITY_KEY is not set"):
        read_identities(settings_for(tmp_path), [("cla", "2016-17", "W06000015")])
    with pytest.raises(IdentityError, match="encrypted with another identity key"):
        read_identities(settings_for(tmp_path, CSSD_IDENTITY_KEY=OTHER), [("cla", "2016-17", "W06000015")])
    # a file whose header claims the right key but whose body is another key's: AES-GCM refuses it
    path = return_path(settings.identity_dir, "cla", "2016-17", "W06000015")
    data = path.read_bytes()
    forged = identity.encrypt(OTHER.encode(), "cla", "2016-17", "W06000015", _frame())
    head = len(identity.MAGIC) + identity.FINGERPRINT_LENGTH
    path.write_bytes(data[:head] + forged[head:])
    with pytest.raises(IdentityError, match="does not decrypt"):
        read_identities(settings, [("cla", "2016-17", "W06000015")])
    # a file copied to another return's place does not decrypt there
    path.write_bytes(data)
    moved = return_path(settings.identity_dir, "cla", "2016-17", "W06000001")
    moved.write_bytes(data)
    with pytest.raises(IdentityError, match="does not decrypt"):
        read_identities(settings, [("cla", "2016-17", "W06000001")])
    with pytest.raises(IdentityError, match="no record of 1 stored return"):
        read_identities(settings, [("crcs", "2016-17", "W06000015")])


def test_a_short_key_or_the_pseudonym_key_is_refused(tmp_path):
    with pytest.raises(IdentityError, match="at least 32"):
        store_identities(settings_for(tmp_path, CSSD_IDENTITY_KEY="short"), "cla", "2016-17", "W06000015", _frame())
    same = settings_for(tmp_path, CSSD_IDENTITY_KEY=KEY, CSSD_PSEUDONYM_KEY=KEY)
    with pytest.raises(IdentityError, match="is the pseudonym key"):
        store_identities(same, "cla", "2016-17", "W06000015", _frame())
    assert not (tmp_path / "identity").exists() or not list((tmp_path / "identity").rglob("*.cssdid"))


def test_rotation_re_encrypts_every_file_and_refuses_a_file_under_neither_key(tmp_path, monkeypatch, capsys):
    old = settings_for(tmp_path, CSSD_IDENTITY_KEY=KEY)
    for la in ("W06000001", "W06000015"):
        store_identities(old, "cla", "2016-17", la, _frame().assign(la_code=la))
    returns = [("cla", "2016-17", "W06000001"), ("cla", "2016-17", "W06000015")]
    # without the previous key: refused, nothing changed
    monkeypatch.setenv("CSSD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CSSD_IDENTITY_KEY", OTHER)
    monkeypatch.delenv("CSSD_IDENTITY_KEY_PREVIOUS", raising=False)
    before = {p: p.read_bytes() for p in (tmp_path / "identity").rglob("*.cssdid")}
    assert main(["rekey", "--identity"]) == 2
    assert "CSSD_IDENTITY_KEY_PREVIOUS is not set" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    # a file under a third key: refused, nothing changed
    third = identity_secret()
    store_identities(settings_for(tmp_path, CSSD_IDENTITY_KEY=third), "crcs", "2016-17", "W06000015", _frame())
    monkeypatch.setenv("CSSD_IDENTITY_KEY_PREVIOUS", KEY)
    assert main(["rekey", "--identity"]) == 2
    assert "under neither key" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    return_path(old.identity_dir, "crcs", "2016-17", "W06000015").unlink()
    # with both keys: every file re-encrypted; the old key reads nothing, the new key everything
    assert main(["rekey", "--identity"]) == 0
    assert "2 identity file(s) re-encrypted" in capsys.readouterr().out
    new = settings_for(tmp_path, CSSD_IDENTITY_KEY=OTHER)
    assert len(read_identities(new, returns)) == 4
    with pytest.raises(IdentityError, match="another identity key"):
        read_identities(old, returns)
    for p in before:
        assert private(p)
    # run again (a rotation stopped half way is finished by running it again): nothing left to do
    assert rotate(dataclasses.replace(new, previous_identity_key=KEY.encode()))["re-encrypted"] == 0


def test_ingestion_writes_the_store_and_the_warehouse_holds_no_upn(landing, monkeypatch):
    upns = _upns(landing)
    assert upns >= UPNS
    result = ingest_in_process(monkeypatch, landing, landing / "warehouse.duckdb", identity_key=KEY.encode(), demo=True)
    assert result.success
    settings = settings_for(landing, CSSD_IDENTITY_KEY=KEY)
    stored = read_identities(settings, [("cla", "2016-17", "W06000001"), ("cla", "2016-17", "W06000015")])
    assert upns <= set(stored["upn"].dropna())
    con = duckdb.connect(str(landing / "warehouse.duckdb"), read_only=True)
    try:
        pids = {r[0] for r in con.execute("select child_pid from raw.cla_children where year = '2016-17'").fetchall()}
        assert set(stored["child_pid"]) >= pids
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
        ).fetchall()
        assert not [c for c in columns if "upn" in c[1].lower()]
        text = "".join(
            str(v)
            for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
            for row in con.execute(f"select * from raw.{t}").fetchall()
            for v in row
        )
    finally:
        con.close()
    assert not [u for u in upns if u in text]


def test_without_the_key_ingestion_works_says_so_once_and_keeps_no_stale_identity(landing, monkeypatch, caplog):
    warehouse = landing / "warehouse.duckdb"
    assert ingest_in_process(monkeypatch, landing, warehouse, identity_key=KEY.encode(), demo=True).success
    files = sorted((landing / "identity").rglob("*.cssdid"))
    assert len(files) == 2
    # a resubmission stored without the key: the return's identity file goes (it would be out of date)
    children = landing / "landing" / "cla" / "2016-17" / "W06000015" / "children.csv"
    children.write_text(children.read_text() + "\n")
    monkeypatch.setattr(identity, "_NO_STORE_SAID", [])
    with caplog.at_level(logging.WARNING, logger="cssd.identity"):
        assert ingest_in_process(monkeypatch, landing, warehouse, identity_key=None, demo=True).success
    said = [r.getMessage() for r in caplog.records if r.name == "cssd.identity"]
    assert len(said) == 1 and "no identity store is kept" in said[0]
    assert sorted((landing / "identity").rglob("*.cssdid")) == [p for p in files if "W06000001" in p.name]
    # the key set again: the unchanged return lacking its identity file is stored again, with one
    assert ingest_in_process(monkeypatch, landing, warehouse, identity_key=KEY.encode(), demo=True).success
    assert sorted((landing / "identity").rglob("*.cssdid")) == files


def test_a_pseudonym_rekey_rewrites_the_identity_store_with_the_new_pseudonyms(landing, monkeypatch):
    from orchestration.defs.ingest import REKEY_TAG

    warehouse = landing / "warehouse.duckdb"
    first, second = "first-pseudonym-key-0123456789", "second-pseudonym-key-0123456789"
    ours = {"identity_key": KEY.encode(), "demo": False}
    assert ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=first.encode(), **ours).success
    settings = settings_for(landing, CSSD_IDENTITY_KEY=KEY)
    returns = [("cla", "2016-17", "W06000001"), ("cla", "2016-17", "W06000015")]
    before = read_identities(settings, returns)
    result = ingest_in_process(
        monkeypatch, landing, warehouse, tags={REKEY_TAG: "1"}, pseudonym_key=second.encode(), **ours
    )
    assert result.success
    after = read_identities(settings, returns)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stored = {r[0] for r in con.execute("select child_pid from raw.cla_children where year = '2016-17'").fetchall()}
    finally:
        con.close()
    assert stored <= set(after["child_pid"]) and not stored & set(before["child_pid"])
    # the same children, UPNs and dates of birth, under the new pseudonyms
    columns = ["la_code", "upn", "date_of_birth", "sex"]
    assert sorted(map(tuple, before[columns].fillna("-").values)) == sorted(
        map(tuple, after[columns].fillna("-").values)
    )
