"""`cssd extract --for research`: two parts, a random system id per extract, no identifier in the content part.

Synthetic returns of both censuses (two years, two LAs) with distinctive child ids are stored through the
raw assets with an identity key (tests/security/research_data.py); extracts are then made of them."""

import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import orchestration.lib.extract as extract
from orchestration.cli import main
from orchestration.lib.extract import ExtractError, make_extract, parse_request, week_of
from tests.security.research_data import (
    LAS,
    YEARS,
    all_bytes,
    generate,
    identity_secret,
    ingest,
    landing_values,
    private,
    settings_for,
)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    data = tmp_path_factory.mktemp("research") / "data"
    generate(data)
    secret = identity_secret()
    ingest(data, data / "warehouse.duckdb", identity_key=secret.encode())
    return data, secret


def _extract(data: Path, secret: str, out: Path, census="cla,crcs", years=f"{YEARS[0]}:{YEARS[-1]}"):
    settings = settings_for(data, CSSD_IDENTITY_KEY=secret)
    request = parse_request("research", census, years, out)
    return make_extract(settings, lambda: duckdb.connect(str(settings.warehouse), read_only=True), request)


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def made(stored, tmp_path_factory):
    data, secret = stored
    out = tmp_path_factory.mktemp("extracts") / "first"
    result = _extract(data, secret, out)
    return data, secret, out, result


def test_the_parts_are_private_with_manifests_and_an_audit_line(made):
    data, _, out, result = made
    assert sorted(p.name for p in out.iterdir()) == ["content", "identifiers"]
    for path in [out, *out.rglob("*")]:
        assert private(path), path
    content = _read(out / "content")
    assert sorted(content) == ["cla_adoptions", "cla_care_leavers", "cla_children", "cla_episodes", "crcs_children"]
    for part in ("identifiers", "content"):
        manifest = json.loads((out / part / "manifest.json").read_text())
        assert manifest["part"] == part and manifest["cssd_version"] and manifest["years"] == list(YEARS)
        for f in manifest["files"]:
            path = out / part / f["file"]
            assert f["sha256"] == extract._sha256(path)
            assert f["rows"] == len(pd.read_csv(path)) > 0
    audit = [json.loads(line) for line in settings_for(data).extracts_log.read_text().splitlines()]
    assert audit[-1]["extract_id"] == result.extract_id and audit[-1]["out"] == str(out)
    assert audit[-1]["rows"]["identifiers/identifiers.csv"] == result.children
    assert private(settings_for(data).extracts_log)


def test_joining_the_parts_gives_back_every_child_once_across_censuses_and_years(made):
    data, _, out, _ = made
    identifiers = pd.read_csv(out / "identifiers" / "identifiers.csv", dtype=str, keep_default_na=False)
    content = _read(out / "content")
    assert identifiers["system_id"].is_unique
    # the era's codes mapped by the code list; none for a care leaver found only in that table (no sex there)
    assert {"male", "female"} <= set(identifiers["sex"]) <= {"male", "female", "other", ""}
    in_content = set().union(*(set(f["system_id"]) for f in content.values()))
    assert in_content == set(identifiers["system_id"])
    # The landing files' children: one per (LA, child id), whichever census and year they are in.
    landing = {}
    for path in sorted((data / "landing").rglob("*.csv")):
        census, year, la = path.parts[-4:-1]
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).assign(census=census, year=year, la_code=la)
        landing[f"{census}_{path.stem}"] = pd.concat([landing.get(f"{census}_{path.stem}"), frame])
    children = pd.concat([f[["la_code", "child_id"]] for f in landing.values()]).drop_duplicates()
    assert len(identifiers) == len(children)
    # Map each landing child to its system id through its UPN (children whose UPN is theirs alone), then
    # every table's records of the child, year by year, are the content's records of that system id.
    upns = pd.concat([landing["cla_children"], landing["crcs_children"]])[["la_code", "child_id", "upn"]]
    upns = upns[upns["upn"].str.len() == 13].drop_duplicates()  # a UPN, not UN1…UN5 (no UPN, and why)
    shared = upns.duplicated(["la_code", "upn"], keep=False) | upns.duplicated(["la_code", "child_id"], keep=False)
    upns = upns[~shared]
    known = identifiers[~identifiers.duplicated(["la_code", "upn"], keep=False)]
    sid = upns.merge(known, on=["la_code", "upn"], validate="one_to_one")[["la_code", "child_id", "system_id"]]
    assert len(sid) > 50
    for name, frame in landing.items():
        expected = frame.merge(sid, on=["la_code", "child_id"]).groupby(["year", "la_code", "system_id"]).size()
        got = content[name][content[name]["system_id"].isin(sid["system_id"])]
        got = got.groupby(["year", "la_code", "system_id"]).size()
        assert expected.sort_index().equals(got.sort_index()), name
    across = content["cla_children"]["system_id"].isin(content["crcs_children"]["system_id"]).sum()
    assert across > 0, "no child is in both censuses: the test proves nothing about linking across them"
    years_of = pd.concat(content.values())[["system_id", "year"]].drop_duplicates()
    assert (years_of.groupby("system_id").size() > 1).sum() > 0, "no child in two years"


def test_the_content_part_holds_no_identifier(made, stored):
    data, _, out, _ = made
    values = landing_values(data)
    blob = all_bytes(out / "content")
    for column in ("child_id", "upn", "placement_postcode"):
        assert values[column], column
        found = sorted(v for v in values[column] if v.encode() in blob)
        assert not found, f"{len(found)} {column} value(s) in the content part"
    # Dates of birth: those that are not also another date of the returns, nor a Monday (a week of birth
    # that is its own date of birth), must not occur at all; and no date-of-birth column is there.
    dobs = values["date_of_birth"] | values["expected_date_of_birth"]
    needles = {d for d in dobs - values["other_dates"] if date.fromisoformat(d).weekday() != 0}
    assert len(needles) > 100
    found = sorted(d for d in needles if d.encode() in blob)
    assert not found, f"{len(found)} date(s) of birth in the content part"
    for frame in _read(out / "content").values():
        assert not set(frame.columns) & {"child_id", "child_pid", "upn", "date_of_birth", "expected_date_of_birth"}
    # nor any warehouse pseudonym, in either part
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    sql = "select child_pid from raw.cla_children union select child_pid from raw.crcs_children"
    pids = {r[0] for r in con.execute(sql).fetchall()}
    con.close()
    everything = all_bytes(out)
    assert not [p for p in pids if p.encode() in everything]
    # the identifiers part holds what the trusted third party needs, and no child id either
    ident = all_bytes(out / "identifiers")
    assert not [v for v in values["child_id"] if v.encode() in ident]
    assert any(v.encode() in ident for v in values["upn"])
    audit = settings_for(data).extracts_log.read_bytes()
    assert not [v for v in values["child_id"] | values["upn"] if v.encode() in audit]


def test_the_week_of_birth_is_the_monday_on_or_before_the_date_of_birth(made):
    cases = {
        "2024-02-29": "2024-02-26",  # a Thursday in a leap year
        "2020-02-29": "2020-02-24",  # a Saturday
        "2023-01-01": "2022-12-26",  # a Sunday: the week began in the year before
        "2025-01-05": "2024-12-30",
        "2024-12-31": "2024-12-30",
        "2024-01-01": "2024-01-01",  # a Monday: its own week
        "2021-03-01": "2021-03-01",
        "2028-03-01": "2028-02-28",  # the Wednesday after a 29 February
    }
    got = week_of(pd.Series(list(cases) + [None]))
    assert [str(d) if d is not None else None for d in got] == [*cases.values(), None]
    # in the extract: each child's week of birth is the week of the identifiers part's date of birth
    _, _, out, _ = made
    identifiers = pd.read_csv(out / "identifiers" / "identifiers.csv", dtype=str, keep_default_na=False)
    children = pd.read_csv(out / "content" / "cla_children.csv", dtype=str, keep_default_na=False)
    joined = children.merge(identifiers, on="system_id", suffixes=("", "_id"))
    assert len(joined) == len(children)
    expected = week_of(joined["date_of_birth"]).astype(str)
    assert (expected == joined["week_of_birth"]).all()


def test_two_extracts_of_the_same_data_share_no_system_id(made, tmp_path):
    data, secret, out, _ = made
    second = tmp_path / "second"
    _extract(data, secret, second)
    first_ids = set(pd.read_csv(out / "identifiers" / "identifiers.csv", dtype=str)["system_id"])
    second_ids = set(pd.read_csv(second / "identifiers" / "identifiers.csv", dtype=str)["system_id"])
    assert len(first_ids) == len(second_ids) > 100
    assert not first_ids & second_ids
    # and the same children: the same identifiers, under other ids
    a = pd.read_csv(out / "identifiers" / "identifiers.csv", dtype=str).drop(columns="system_id")
    b = pd.read_csv(second / "identifiers" / "identifiers.csv", dtype=str).drop(columns="system_id")
    key = ["la_code", "upn", "date_of_birth", "sex"]
    assert a.sort_values(key, ignore_index=True).equals(b.sort_values(key, ignore_index=True))


def test_the_scan_blocks_an_extract_whose_content_holds_an_identifier(stored, tmp_path, monkeypatch):
    data, secret = stored
    leaky = extract._content

    def content_with_upns(frame, mapping):
        out = leaky(frame, mapping)
        return out.assign(note=frame["child_pid"].to_numpy())  # a pseudonym under another name

    monkeypatch.setattr(extract, "_content", content_with_upns)
    before = settings_for(data).extracts_log.read_bytes() if settings_for(data).extracts_log.exists() else b""
    with pytest.raises(ExtractError, match="failed the scan for identifiers.*warehouse pseudonym"):
        _extract(data, secret, tmp_path / "leaky")
    assert list(tmp_path.iterdir()) == []  # neither the extract nor its temporary folder
    after = settings_for(data).extracts_log.read_bytes() if settings_for(data).extracts_log.exists() else b""
    assert after == before


def test_the_scan_finds_upns_postcodes_identifier_columns_and_dates_that_are_not_mondays(tmp_path):
    (tmp_path / "a.csv").write_text("system_id,upn\nab,E681691911722\n")
    (tmp_path / "b.csv").write_text("system_id,where\nab,CF10 3NQ\n")
    (tmp_path / "c.csv").write_text("system_id,week_of_birth\nab,2024-02-29\n")
    (tmp_path / "d.csv").write_text("system_id,week_of_birth,category\nab,2024-02-26,N1\n")
    problems = extract.scan_content(tmp_path, {"E681691911722"}, set())
    assert any(p.startswith("a.csv: identifier column") for p in problems)
    assert "a.csv: holds a UPN" in problems
    assert "b.csv: holds what looks like a postcode" in problems
    assert any(p.startswith("c.csv") and "Monday" in p for p in problems)
    assert not [p for p in problems if p.startswith("d.csv")]
    assert not [p for p in problems if "E681691911722" in p]  # the problem never shows the value


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error, nothing written


def _nothing_written(data: Path, parent: Path, before: set, log_before: bytes) -> None:
    assert {p.name for p in parent.iterdir()} == before
    log = settings_for(data).extracts_log
    assert (log.read_bytes() if log.exists() else b"") == log_before


@pytest.mark.parametrize(
    "case, env, args, message",
    [
        ("no identity key", {}, {}, "CSSD_IDENTITY_KEY is not set"),
        ("a wrong key", {"CSSD_IDENTITY_KEY": "w" * 64}, {}, "encrypted with another identity key"),
        ("years not stored", {}, {"years": "2019-20:2023-24"}, "no return is stored for CLA 2019-20"),
        ("a misspelt census", {}, {"census": "cla,crsc"}, "'crsc' is not a census"),
        ("years that are not years", {}, {"years": "2023:2024"}, "--years"),
        ("another purpose", {}, {"purpose": "marketing"}, "only purpose"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(
    stored, tmp_path, monkeypatch, capsys, case, env, args, message
):
    data, secret = stored
    env = {"CSSD_IDENTITY_KEY": secret, **env} if case != "no identity key" else env
    monkeypatch.setenv("CSSD_DATA_DIR", str(data))
    monkeypatch.setenv("CSSD_DEMO", "1")
    monkeypatch.delenv("CSSD_IDENTITY_KEY", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    log = settings_for(data).extracts_log
    log_before = log.read_bytes() if log.exists() else b""
    argv = ["extract", "--for", args.get("purpose", "research"), "--census", args.get("census", "cla,crcs")]
    argv += ["--years", args.get("years", f"{YEARS[0]}:{YEARS[-1]}"), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    _nothing_written(data, tmp_path, set(), log_before)


def test_an_output_folder_that_exists_or_is_readable_by_others_is_refused(stored, tmp_path, capsys, monkeypatch):
    data, secret = stored
    monkeypatch.setenv("CSSD_DATA_DIR", str(data))
    monkeypatch.setenv("CSSD_IDENTITY_KEY", secret)
    monkeypatch.setenv("CSSD_DEMO", "1")
    private_dir = tmp_path / "private"
    private_dir.mkdir(mode=0o700)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    log = settings_for(data).extracts_log
    log_before = log.read_bytes() if log.exists() else b""
    for out, message in ((private_dir, "already exists: an extract is written only to a new folder"),
                         (shared, "readable by other users (mode 0755)"),
                         (tmp_path / "no" / "such", "is not a folder"),
                         (data / "output" / "extract", "inside the published outputs")):  # fmt: skip
        argv = ["extract", "--for", "research", "--census", "cla", "--years", YEARS[0], "--out", str(out)]
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    assert list(private_dir.iterdir()) == [] and list(shared.iterdir()) == []
    assert not (data / "output" / "extract").exists()
    _nothing_written(data, tmp_path, {"private", "shared"}, log_before)


def test_the_cli_makes_an_extract_and_reports_it(stored, tmp_path, capsys, monkeypatch):
    data, secret = stored
    monkeypatch.setenv("CSSD_DATA_DIR", str(data))
    monkeypatch.setenv("CSSD_IDENTITY_KEY", secret)
    monkeypatch.setenv("CSSD_DEMO", "1")
    out = tmp_path / "crcs-only"
    assert main(["extract", "--for", "research", "--census", "crcs", "--years", YEARS[-1], "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "content/crcs_children.csv" in said and "cla_" not in said
    frame = pd.read_csv(out / "content" / "crcs_children.csv", dtype=str)
    assert set(frame["year"]) == {YEARS[-1]} and set(frame["la_code"]) == set(LAS)
    assert os.stat(out).st_mode & 0o777 == 0o700


def test_an_identity_store_missing_a_return_or_out_of_date_is_refused(stored, tmp_path):
    import shutil

    from orchestration.lib.identity import read_identities, return_path, store_identities

    source, secret = stored
    data = tmp_path / "data"
    shutil.copytree(source / "identity", data / "identity")
    shutil.copyfile(source / "warehouse.duckdb", data / "warehouse.duckdb")
    settings = settings_for(data, CSSD_IDENTITY_KEY=secret)
    one = ("crcs", YEARS[-1], LAS[0])
    path = return_path(settings.identity_dir, *one)
    kept = path.read_bytes()
    path.unlink()
    with pytest.raises(ExtractError, match=f"no record of 1 stored return.*crcs/{YEARS[-1]}/{LAS[0]}"):
        _extract(data, secret, tmp_path / "a")
    # an identity file that lacks a child of the return (stored before a resubmission, say)
    path.write_bytes(kept)
    rows = read_identities(settings, [one])
    store_identities(settings, *one, rows.iloc[1:].drop(columns=["census", "year"]))
    with pytest.raises(ExtractError, match=f"out of date for 1 return.*crcs/{YEARS[-1]}/{LAS[0]}"):
        _extract(data, secret, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
