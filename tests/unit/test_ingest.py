"""prepare_year: the raw gate over a whole year of LA returns."""

import shutil

import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.issues import SubmissionError
from orchestration.lib.pseudonymise import pseudonym
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.years import CollectionYear
from tests.conftest import TEST_KEY

Y1617 = CollectionYear.parse("2016-17")
TABLES = ("children", "episodes", "adoptions", "care_leavers")


def test_good_year_is_gated_pseudonymised_and_stripped_of_upn_and_postcode(small_landing):
    p = prepare_year(small_landing / "landing", "cla", Y1617, TEST_KEY, welsh_la_codes(), TABLES)
    assert sorted(p.returns) == ["W06000001", "W06000015"]
    children = p.table("children")
    assert len(children) == 10
    assert "child_id" not in children.columns and "upn" not in children.columns
    assert pseudonym(TEST_KEY, "W06000015", "C001") in set(children["child_pid"])
    episodes = p.table("episodes")
    assert "placement_postcode" not in episodes.columns
    assert set(episodes["year"]) == {"2016-17"}
    assert sorted(episodes.loc[episodes["la_code"] == "W06000015", "source_line"])[:2] == [2, 3]


def test_every_bad_file_row_field_and_rule_in_one_error(small_landing):
    landing = small_landing / "landing"
    eps = landing / "cla/2016-17/W06000015/episodes.csv"
    eps.write_text(eps.read_text().replace("C001,2014-06-15,S,C2", "C001,2014-06-15,S,Z9"))
    kids = landing / "cla/2016-17/W06000001/children.csv"
    kids.write_text(kids.read_text().replace("A2,M,2005-01-01", "A2,M,01/01/2005"))
    with pytest.raises(SubmissionError) as exc:
        prepare_year(landing, "cla", Y1617, TEST_KEY, welsh_la_codes(), TABLES)
    msg = str(exc.value)
    assert "cla/2016-17/W06000015/episodes.csv row 2, field legal_status" in msg
    assert "legal status is not a recognised code" in msg and "[CLA-027]" in msg
    assert "cla/2016-17/W06000001/children.csv row 3, field date_of_birth" in msg and "[CLA-009]" in msg
    assert "01/01/2005" not in msg  # a date of birth is personal data
    assert "2 error(s) in 2 file(s)" in msg


def test_episode_of_unknown_child_and_dates_after_census(small_landing):
    landing = small_landing / "landing"
    eps = landing / "cla/2016-17/W06000015/episodes.csv"
    eps.write_text(
        eps.read_text() + "C999,2016-05-01,S,C1,N1,Q1,,W06000015,,\nC001,2017-04-02,P,C2,N1,Q2,,W06000015,,\n"
    )
    with pytest.raises(SubmissionError) as exc:
        prepare_year(landing, "cla", Y1617, TEST_KEY, welsh_la_codes(), TABLES)
    msg = str(exc.value)
    assert "row 13, field episode_start_date: The episode starts after the census date" in msg
    assert "row 12, field child_id: The episode's child is not in the children file" in msg
    assert "C999" not in msg


def test_folder_that_is_not_a_welsh_la(small_landing):
    landing = small_landing / "landing"
    shutil.copytree(landing / "cla/2016-17/W06000015", landing / "cla/2016-17/E09000001")
    with pytest.raises(SubmissionError, match="'E09000001' is not the GSS code of a Welsh local authority"):
        prepare_year(landing, "cla", Y1617, TEST_KEY, welsh_la_codes(), TABLES)


def test_missing_file(small_landing):
    landing = small_landing / "landing"
    (landing / "cla/2016-17/W06000001/episodes.csv").unlink()
    with pytest.raises(SubmissionError, match="episodes file is missing"):
        prepare_year(landing, "cla", Y1617, TEST_KEY, welsh_la_codes(), TABLES)


def test_the_digest_changes_with_the_return_last_years_return_the_linked_return_and_the_key(small_landing):
    from orchestration.lib.ingest import validation_digest

    landing = small_landing / "landing"
    cardiff = landing / "cla" / "2016-17" / "W06000015"
    first = validation_digest(cardiff, "cla", Y1617, TEST_KEY)
    assert validation_digest(cardiff, "cla", Y1617, TEST_KEY) == first  # the same inputs
    assert validation_digest(cardiff, "cla", Y1617, b"another key") != first
    # last year's return (continuity rules read it)
    last_year = landing / "cla" / "2015-16" / "W06000015" / "episodes.csv"
    last_year.write_text(last_year.read_text() + "\n")
    second = validation_digest(cardiff, "cla", Y1617, TEST_KEY)
    assert second != first
    # the other census's return of the LA and year (the cross-census rule reads it)
    linked = landing / "crcs" / "2016-17" / "W06000015"
    linked.mkdir(parents=True)
    (linked / "children.csv").write_text("child_id\n")
    third = validation_digest(cardiff, "cla", Y1617, TEST_KEY)
    assert third != second
    (cardiff / "episodes.csv").write_bytes((cardiff / "episodes.csv").read_bytes().replace(b"\n", b"\r\n"))
    assert validation_digest(cardiff, "cla", Y1617, TEST_KEY) != third
    # another LA's files are not an input
    anglesey = landing / "cla" / "2016-17" / "W06000001"
    before = validation_digest(anglesey, "cla", Y1617, TEST_KEY)
    (cardiff / "children.csv").write_text("changed")
    assert validation_digest(anglesey, "cla", Y1617, TEST_KEY) == before


def test_a_pool_of_workers_gives_the_serial_results_in_order(small_landing, monkeypatch):
    from orchestration.lib import ingest

    landing = small_landing / "landing"
    jobs = [
        (landing / "cla" / y / la, "cla", CollectionYear.parse(y), la)
        for y, la in [("2016-17", "W06000015"), ("2015-16", "W06000015"), ("2016-17", "W06000001")] * 2
    ]
    serial = list(ingest.validate_many(jobs, TEST_KEY, workers=1))
    monkeypatch.setattr(ingest, "POOL_FROM_RETURNS", 2)
    pooled = list(ingest.validate_many(jobs, TEST_KEY, workers=2))
    assert [j for j, _ in pooled] == jobs
    for (_, a), (_, b) in zip(serial, pooled, strict=True):
        assert a.issues == b.issues and a.files == b.files
        assert sorted(a.tables) == sorted(b.tables)
        for name in a.tables:
            assert a.tables[name].equals(b.tables[name])
