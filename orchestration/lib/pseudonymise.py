"""Keyed pseudonyms for child identifiers.

A pseudonym is HMAC-SHA256(key, "<gss_code>:<child_id>"), hex, truncated to 32 characters
(128 bits). The LA code is part of the message because a child id is only unique within
its LA; the census is not, so the CLA and CRCS records of one LA child get the same
pseudonym. Without the key a pseudonym cannot be linked back to an id.
"""

import hashlib
import hmac

import pandas as pd

PSEUDONYM_LENGTH = 32


def pseudonym(key: bytes, la_code: str, child_id: str) -> str:
    msg = f"{la_code}:{child_id.strip()}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def pseudonymise_series(key: bytes, la_code: str, ids: pd.Series) -> pd.Series:
    """Pseudonymise a column of ids; each distinct id is hashed once."""
    distinct = {v: pseudonym(key, la_code, v) for v in ids.dropna().unique()}
    return ids.map(distinct)
