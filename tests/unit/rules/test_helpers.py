"""The vectorised helpers the rules are built from."""

from datetime import date

import pandas as pd
import pytest

from orchestration.lib.rules import RuleContext
from orchestration.lib.rules import helpers as h
from orchestration.lib.synthetic.cla_reference import upn_check_letter
from orchestration.lib.years import CollectionYear
from tests.unit.rules.returns import HandReturn


def S(values, dtype="str"):
    return pd.Series(values, dtype=dtype)


def test_parse_dates_is_strict_about_the_format():
    iso = h.parse_dates(
        S(["2019-04-01", "2019-4-1", "01/04/2019", "2019-02-29", "2020-02-29", None, "garbage"]), "%Y-%m-%d"
    )
    assert iso.isna().tolist() == [False, True, True, True, False, True, True]
    assert iso[0] == pd.Timestamp(2019, 4, 1)
    uk = h.parse_dates(
        S(["01/04/2019", "1/4/2019", "2019-04-01", "31/04/2019", "31/12/1066", "01/01/9999"]), "%d/%m/%Y"
    )
    assert uk.isna().tolist() == [False, True, True, True, True, True]
    assert str(uk.dtype) == "datetime64[ns]"


def test_age_in_completed_years_with_29_february():
    dob = pd.Series(pd.to_datetime(["2008-02-29", "2008-02-29", "2008-02-29", "2010-03-31", "2010-03-31", None]))
    on = pd.Series(pd.to_datetime(["2026-02-28", "2026-03-01", "2024-02-29", "2028-03-30", "2028-03-31", "2020-01-01"]))
    assert h.age_on(dob, on).tolist()[:5] == [17, 18, 16, 17, 18]
    assert pd.isna(h.age_on(dob, on).iloc[5])
    assert h.age_on(dob.iloc[:1], pd.Timestamp(2027, 3, 1)).tolist() == [19]


def test_birthday_on_29_february_falls_on_1_march():
    dob = pd.Series(pd.to_datetime(["2004-02-29", "2004-02-29", "2005-06-30", None]))
    assert h.birthday(dob, 19).tolist()[:3] == [
        pd.Timestamp(2023, 3, 1),
        pd.Timestamp(2023, 3, 1),
        pd.Timestamp(2024, 6, 30),
    ]
    assert h.birthday(dob, 20)[0] == pd.Timestamp(2024, 2, 29)
    assert pd.isna(h.birthday(dob, 19).iloc[3])


@pytest.mark.parametrize("digits", ["681123456789", "000000000000", "660170009123", "999999999999"])
def test_upn_check_letter_matches_the_dfe_algorithm(digits):
    good = upn_check_letter(digits) + digits
    bad = ("A" if good[0] != "A" else "B") + digits
    s = S([good, bad, None, "UN3", "A12345"])
    assert h.upn_check_letter_ok(s).tolist() == [True, False, True, True, True]
    assert h.upn_form_ok(s).tolist() == [True, True, True, True, False]


def test_temporary_upn_with_a_final_letter():
    # the final letter counts as its place in the check-letter alphabet (A = 0 ... Z = 22)
    body = "68112345678"
    for last in ("A", "K", "Z"):
        value = h.UPN_LETTERS.index(last)
        total = sum(int(c) * w for c, w in zip(body, range(2, 13), strict=True)) + value * 13
        upn = h.UPN_LETTERS[total % 23] + body + last
        assert h.upn_form_ok(S([upn])).all() and h.upn_check_letter_ok(S([upn])).all(), upn
    assert not h.upn_form_ok(S(["A68112345678I", "a681123456789", "UN6", "UN1 "])).any()


def test_episode_chain_orders_each_childs_episodes_and_skips_unreadable_children():
    r = HandReturn(2023)
    r.tables["episodes"].reverse()  # file order must not matter
    r.set("episodes", "C7", "episode_start_date", "nonsense")
    ctx = r.ctx()
    chain = h.episode_chain(ctx)
    assert "C7" not in set(chain["child"])
    c1 = chain[chain["child"] == "C1"]
    assert c1["start"].is_monotonic_increasing
    assert c1["first"].tolist() == [True, False] and c1["last"].tolist() == [False, True]
    assert c1["next_start"].iloc[0] == c1["start"].iloc[1]
    assert c1["prev_reason_episode_ceased"].iloc[1] == "X1"
    assert h.episode_chain(ctx) is chain  # cached per context


def test_cache_follows_the_frame_not_just_the_context():
    r = HandReturn(2023)
    ctx = r.ctx()
    first = h.dates(ctx, "children", "date_of_birth")
    ctx.tables["children"] = ctx.tables["children"].assign(date_of_birth=None)
    assert h.dates(ctx, "children", "date_of_birth").isna().all()
    assert first.notna().all()


def test_member_and_lookup():
    ids = S(["a", "b", None, "z"])
    pool = S(["b", "a", "a", None])
    assert h.member(ids, pool).tolist() == [True, True, False, False]
    mapping = pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"]), index=["a", "b"])
    got = h.lookup(ids, mapping)
    assert got.iloc[0] == pd.Timestamp(2020, 1, 1) and got.iloc[1] == pd.Timestamp(2021, 1, 1)
    assert got.iloc[2:].isna().all()
    text = h.lookup(ids, pd.Series(["x", "y"], index=["a", "b"]))
    assert text.iloc[:2].tolist() == ["x", "y"] and text.iloc[2:].isna().all()


def test_codes_by_era():
    assert h.codes("cla", "sex", "SSDA903") == {"1", "2"}
    assert h.codes("cla", "sex", "CLA") == {"M", "F"}
    ctx = RuleContext("cla", CollectionYear(2022), "W06000015", {})
    assert h.other_era_codes(ctx, "placement_type") == {"Q1", "Q2"}
    assert "E10" in h.codes("cla", "reason_episode_ceased", "LAC")
    assert "E10" not in h.codes("cla", "reason_episode_ceased", "SSDA903")
    assert h.year_start(ctx) == pd.Timestamp(date(2022, 4, 1)) and h.census_date(ctx) == pd.Timestamp(2023, 3, 31)
