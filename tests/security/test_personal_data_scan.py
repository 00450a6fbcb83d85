"""No child id, UPN, date of birth or postcode from the landing files anywhere the platform writes.

One small end-to-end build (CLA and CRCS for two LAs whose ids are distinctive, 2015-16 with full
placement postcodes and DD/MM/YYYY dates, 2016-17 with outward codes and ISO dates), then every
file it wrote is scanned as bytes and inside zips: the outputs, the Dagster home (event log, run
and compute logs), the dbt target/ folders and dbt.log of the build, and the warehouse (child ids,
UPNs and postcodes only: it holds dates of birth by design). Every error message of the bad-input
corpus is scanned too. Pseudonyms cannot be linked back without the key."""

import hashlib
import hmac
import re

import duckdb
import pytest

from orchestration.lib.ingest import validate_return
from orchestration.lib.pseudonymise import PSEUDONYM_LENGTH, pseudonym
from orchestration.lib.synthetic import generate_cla, generate_crcs
from orchestration.lib.years import CollectionYear
from orchestration.paths import DBT_PROJECT_DIR
from tests.integration.helpers import run_cssd
from tests.security.corpus import cases, personal_values
from tests.security.scan import describe, scan

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("scan")]

KEY = "scan-test-key-0123456789"
IDENTITY_KEY = "scan-test-identity-key-0123456789abcdef"
LAS = ["W06000002", "W06000012"]  # Gwynedd GWN000123, Neath Port Talbot NPT000123 (CRCS: GWNS…, NPTS…)
YEARS = [CollectionYear.parse("2015-16"), CollectionYear.parse("2016-17")]
ID_SHAPE = re.compile(r"[A-Z]{3}S?\d{6}")


DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")


def project_dates() -> set[str]:
    """Dates written in the dbt project's own files (unit-test fixtures, seeds): dbt copies them into
    its manifests, so a generated date of birth that equals one is not evidence of a leak."""
    out: set[str] = set()
    for sub in ("models", "tests", "macros", "seeds", "dbt_project.yml"):
        root = DBT_PROJECT_DIR / sub
        for f in [root] if root.is_file() else root.rglob("*"):
            if f.is_file() and f.suffix in (".yml", ".yaml", ".sql", ".csv"):
                out |= set(DATE_TEXT.findall(f.read_text(encoding="utf-8", errors="replace")))
    return out


def landing_needles(landing) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for census_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        for year_dir in sorted(census_dir.iterdir()):
            for la_dir in sorted(year_dir.iterdir()):
                for kind, values in personal_values(la_dir, census_dir.name, year_dir.name).items():
                    out.setdefault(kind, set()).update(values)
    out["dob"] = out.get("dob", set()) - project_dates()
    return out


@pytest.fixture(scope="module")
def build(tmp_path_factory, seeded_warehouse):
    data = tmp_path_factory.mktemp("scan") / "data"
    seeded_warehouse(data)
    generate_cla(data / "landing", YEARS, seed=21, scale=0.15, la_codes=LAS)
    generate_crcs(data / "landing", YEARS, seed=21, scale=0.15, las=LAS)
    target = DBT_PROJECT_DIR / "target"
    before = {p.name for p in target.iterdir()} if target.is_dir() else set()
    result = run_cssd(
        ["build", "--census", "all", "--years", "2015-16:2016-17"],
        data,
        CSSD_PSEUDONYM_KEY=KEY,
        CSSD_IDENTITY_KEY=IDENTITY_KEY,  # the identity store is written too, and scanned with the rest
        CSSD_FINAL_THROUGH="2015-16",
    )
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    new_target = [p for p in target.iterdir() if p.name not in before] if target.is_dir() else []
    return data, new_target, result


def test_the_needles_are_distinctive_and_the_scanner_finds_them(build):
    data, _, _ = build
    needles = landing_needles(data / "landing")
    assert all(needles[k] for k in ("child_id", "upn", "dob", "postcode")), {k: len(v) for k, v in needles.items()}
    # ids that cannot be mistaken for a count, a year or a code in an output
    assert all(ID_SHAPE.fullmatch(v) for v in needles["child_id"]), sorted(needles["child_id"])[:10]
    assert any(" " in v for v in needles["postcode"]), "2015-16 holds full postcodes"
    assert any("/" in v for v in needles["dob"]) and any("-" in v for v in needles["dob"])
    # the scanner itself: every kind is found in the landing files, in a zip and as UTF-16
    found = {k for _, k, _ in scan([data / "landing"], needles)}
    assert found == {"child_id", "upn", "dob", "postcode"}
    one = sorted(needles["child_id"])[0]
    sample = data.parent / "sample.bin"
    sample.write_bytes(b"\x00junk" + one.encode("utf-16-le") + b"x" + one.encode() + b"9")
    assert [(k, o) for _, k, o in scan([sample], {"child_id": [one]})] == [("child_id", 5)]  # not in "…9"


def test_zero_personal_data_in_everything_the_build_wrote(build):
    data, new_target, result = build
    needles = landing_needles(data / "landing")
    written = [p for p in data.iterdir() if p.name != "landing"]
    logs = [DBT_PROJECT_DIR / "logs", *new_target]
    assert (data / "output").is_dir() and (data / "dagster_home").is_dir() and (data / "warehouse.duckdb").is_file()
    assert list((data / "output").rglob("*.xlsx")) and list((data / "output").rglob("release.html"))
    hits = scan([*written, *logs], needles, exclude={"dob": ["warehouse.duckdb", "warehouse.duckdb.wal"]})
    assert hits == [], describe(hits, needles)
    console = data.parent / "console.txt"
    console.write_text(result.stdout + result.stderr)
    hits = scan([console], needles)
    assert hits == [], describe(hits, needles)


def test_zero_personal_data_in_the_error_messages_of_the_corpus(tmp_path):
    hits = []
    for case in cases():
        if case.kind == "layout":
            continue
        year = CollectionYear.parse(case.year)
        result = validate_return(case.folder, case.census, year, case.gss, KEY.encode())
        text = tmp_path / f"{case.id}.txt"
        text.write_text("\n".join(f"{i}\t{i.field}\t{i.severity}" for i in result.issues), encoding="utf-8")
        hits += scan([text], personal_values(case.folder, case.census, case.year))
    assert hits == [], describe(hits, {})


def test_pseudonyms_cannot_be_linked_back_without_the_key(build):
    data, _, _ = build
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.columns where table_schema = 'raw' and column_name = 'child_pid'"
        ).fetchall()
        assert len(tables) == 5, tables  # the four CLA tables and CRCS children
        stored = {r[0] for (t,) in tables for r in con.execute(f"select distinct child_pid from raw.{t}").fetchall()}
    finally:
        con.close()
    sample = []
    for la in LAS:
        ids = sorted(personal_values(data / "landing" / "cla" / "2016-17" / la, "cla", "2016-17")["child_id"])
        sample += [(la, i) for i in ids[:15]]
    assert len(sample) >= 20
    for la, cid in sample:
        pid = pseudonym(KEY.encode(), la, cid)
        assert pid in stored, "the build used the key it was given"
        assert pseudonym(b"another-key", la, cid) != pid
        assert pseudonym(b"", la, cid) != pid
        for msg in (cid, f"{la}:{cid}", f"{la}{cid}"):
            for algo in ("sha256", "md5", "sha1", "sha512", "blake2b"):
                digest = hashlib.new(algo, msg.encode()).hexdigest()
                assert pid not in (digest, digest[:PSEUDONYM_LENGTH]), (algo, msg)
            assert pid != hmac.new(b"", msg.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    assert len({pseudonym(KEY.encode(), la, cid) for la, cid in sample}) == len(sample)
    assert not any(cid in stored for _, cid in sample)


def test_the_marts_and_publication_layers_hold_no_date_of_birth(build):
    """Data minimisation (docs/security.md): the child-level marts hold the ages the definitions need, the
    publication tables counts; neither holds a date of birth (nor an expected one, nor a UPN)."""
    data, _, _ = build
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('marts', 'publication')"
        ).fetchall()
        staged = con.execute(
            "select count(*) from information_schema.columns where table_schema = 'staging' "
            "and column_name = 'date_of_birth'"
        ).fetchone()[0]
    finally:
        con.close()
    assert {s for s, _, _ in columns} == {"marts", "publication"}
    assert staged > 0, "the staging views hold dates of birth: the check below would find one in the marts"
    held = [(s, t, c) for s, t, c in columns if "birth" in c.lower() or c.lower() in ("dob", "upn", "child_id")]
    assert held == []


def test_the_identity_store_is_written_by_the_build_and_a_research_extract_holds_no_identifier(build):
    """`cssd build` with CSSD_IDENTITY_KEY keeps one encrypted identity file per stored return (scanned with
    everything the build wrote, above); an extract of the build has no child id, UPN or postcode in its
    content part, in any encoding (dates of birth: tests/security/test_research_extract.py)."""
    data, _, _ = build
    files = sorted(p.relative_to(data / "identity").as_posix() for p in (data / "identity").rglob("*.cssdid"))
    assert files == [f"{c}/{y.label}/{la}.cssdid" for c in ("cla", "crcs") for y in YEARS for la in LAS]
    out = data.parent / "extract"
    result = run_cssd(
        ["extract", "--for", "research", "--census", "cla,crcs", "--years", "2015-16:2016-17", "--out", str(out)],
        data,
        CSSD_PSEUDONYM_KEY=KEY,
        CSSD_IDENTITY_KEY=IDENTITY_KEY,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    needles = {k: v for k, v in landing_needles(data / "landing").items() if k in ("child_id", "upn", "postcode")}
    assert scan([out / "content"], needles) == []
    assert {k for _, k, _ in scan([out / "identifiers"], needles)} == {"upn"}  # the TTP's part: UPNs, no id
