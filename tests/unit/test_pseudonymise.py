import hashlib
import hmac

import pandas as pd

from orchestration.lib.pseudonymise import PSEUDONYM_LENGTH, pseudonym, pseudonymise_series


def test_pseudonym_is_a_keyed_hmac_of_la_and_id():
    expected = hmac.new(b"k", b"W06000015:C001", hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    assert pseudonym(b"k", "W06000015", "C001") == expected


def test_same_child_same_pseudonym_across_calls_and_censuses():
    assert pseudonym(b"k", "W06000015", "C001") == pseudonym(b"k", "W06000015", " C001 ")


def test_pseudonym_depends_on_key_and_la():
    base = pseudonym(b"k", "W06000015", "C001")
    assert pseudonym(b"other", "W06000015", "C001") != base
    assert pseudonym(b"k", "W06000001", "C001") != base


def test_pseudonym_does_not_contain_the_id():
    p = pseudonym(b"k", "W06000015", "123456")
    assert "123456" not in p and len(p) == 32


def test_series_maps_each_id_and_keeps_missing():
    s = pd.Series(["a", "b", "a", None], dtype="object")
    out = pseudonymise_series(b"k", "W06000015", s)
    assert out[0] == out[2] != out[1]
    assert pd.isna(out[3])


def test_without_the_key_ids_cannot_be_matched_to_pseudonyms():
    # A dictionary attack with the wrong key finds nothing.
    target = pseudonym(b"real-key", "W06000015", "C001")
    guesses = {pseudonym(b"guess", "W06000015", f"C{n:03d}") for n in range(1000)}
    assert target not in guesses
