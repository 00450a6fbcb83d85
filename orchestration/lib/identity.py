"""The identity store: the child's UPN, date of birth and sex by pseudonym, encrypted, apart from the warehouse.

Research extracts (``orchestration/lib/extract.py``, docs/research.md) send a trusted third party the
identifiers of the children in an extract, so that it can link them to other data. The warehouse
drops UPNs on ingest and must keep doing so; the identifiers are kept here instead, only when
``CSSD_IDENTITY_KEY`` is set:

- one file per stored return, ``<data>/identity/<census>/<year>/<gss>.cssdid``, holding for each child
  of the return its pseudonym (``child_pid``, the warehouse's), LA, UPN, date of birth and sex, and
  nothing else. A return stored again replaces its file, as it replaces its raw rows; a return stored
  while the key is not set loses its file (it would be out of date).
- each file is a Parquet table encrypted with AES-256-GCM (``cryptography``) under a key derived from
  ``CSSD_IDENTITY_KEY`` by HKDF-SHA256. The header carries the key's fingerprint (which key, not the
  key); the census, year and LA are authenticated with it, so a file moved to another return's place
  does not decrypt. Without the key, or with another key, nothing can be read.
- files 0600, folders 0700, whatever the umask. Only the extract reads them.

The identity key is not the pseudonym key: the pseudonym key links records, this one unlocks
identifiers; holding one gives nothing of the other. ``cssd rekey --identity`` re-encrypts the store
when the identity key is rotated (docs/security.md).
"""

import hashlib
import hmac
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.lib.pseudonymise import pseudonymise_series

log = logging.getLogger("cssd.identity")

IDENTITY_COLUMNS = ["child_pid", "la_code", "upn", "date_of_birth", "sex"]
SUFFIX = ".cssdid"
MAGIC = b"CSSDID1\n"
FINGERPRINT_LENGTH = 16
NONCE_LENGTH = 12
MIN_KEY_LENGTH = 32  # 32 random characters or more: `secrets.token_hex(32)` gives 64
FINGERPRINT_LABEL = b"cssd identity key fingerprint v1"
HKDF_INFO = b"cssd identity store v1"

KEY_HOW = (
    "set CSSD_IDENTITY_KEY to a long random secret kept apart from the pseudonym key, the repository and the "
    "data folder, e.g. export CSSD_IDENTITY_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\" "
    "(docs/security.md)"
)

_NO_STORE_SAID: list[bool] = []


class IdentityError(Exception):
    """The identity store cannot be written or read with the key given (or without one)."""


# ---------------------------------------------------------------------------------------------
# The key


def checked_key(secret: "bytes | None", name: str = "CSSD_IDENTITY_KEY", pseudonym_key: "bytes | None" = None) -> bytes:
    """``secret`` if it may be used as the identity key, else IdentityError saying why and what to do."""
    if not secret:
        raise IdentityError(f"{name} is not set, so the identity store cannot be used: {KEY_HOW}")
    if len(secret) < MIN_KEY_LENGTH:
        raise IdentityError(
            f"{name} is {len(secret)} characters long: use at least {MIN_KEY_LENGTH} random characters: {KEY_HOW}"
        )
    if pseudonym_key is not None and hmac.compare_digest(secret, pseudonym_key):
        raise IdentityError(
            f"{name} is the pseudonym key: the identity store needs a key of its own, so that whoever holds "
            f"the pseudonym key cannot read identifiers: {KEY_HOW}"
        )
    return secret


def identity_key(settings) -> bytes:
    """The identity key of ``settings``, checked; IdentityError if it is missing or unusable."""
    return checked_key(settings.identity_key, pseudonym_key=settings.pseudonym_key)


def fingerprint(secret: bytes) -> str:
    """Which identity key encrypted a file, without revealing it: HMAC-SHA256(key, a fixed label)."""
    return hmac.new(secret, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:FINGERPRINT_LENGTH]


def _aead(secret: bytes):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret))


# ---------------------------------------------------------------------------------------------
# Files


def return_path(root: Path, census: str, year: str, la_code: str) -> Path:
    return root / census / year / f"{la_code}{SUFFIX}"


def _private_dir(path: Path, root: Path) -> None:
    """Make ``path`` and the folders between it and ``root`` (included), each 0700 whatever the umask."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    current = path
    while True:
        os.chmod(current, 0o700)
        if current == root or current.parent == current:
            break
        current = current.parent


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a new file, 0600, renamed over the old one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _aad(census: str, year: str, la_code: str) -> bytes:
    return MAGIC + f"{census}/{year}/{la_code}".encode()


def encrypt(secret: bytes, census: str, year: str, la_code: str, frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame[IDENTITY_COLUMNS].to_parquet(buffer, index=False)
    nonce = os.urandom(NONCE_LENGTH)
    fp = fingerprint(secret).encode()
    body = _aead(secret).encrypt(nonce, buffer.getvalue(), _aad(census, year, la_code) + fp)
    return MAGIC + fp + nonce + body


def file_fingerprint(path: Path) -> str:
    head = path.read_bytes()[: len(MAGIC) + FINGERPRINT_LENGTH]
    if not head.startswith(MAGIC):
        raise IdentityError(f"{path} is not an identity store file")
    return head[len(MAGIC) :].decode("ascii", errors="replace")


def decrypt(secret: bytes, census: str, year: str, la_code: str, data: bytes, where: str) -> pd.DataFrame:
    from cryptography.exceptions import InvalidTag

    if not data.startswith(MAGIC):
        raise IdentityError(f"{where} is not an identity store file")
    start = len(MAGIC)
    fp = data[start : start + FINGERPRINT_LENGTH]
    nonce = data[start + FINGERPRINT_LENGTH : start + FINGERPRINT_LENGTH + NONCE_LENGTH]
    body = data[start + FINGERPRINT_LENGTH + NONCE_LENGTH :]
    if fp.decode("ascii", errors="replace") != fingerprint(secret):
        raise IdentityError(
            f"{where} was encrypted with another identity key (fingerprint {fp.decode('ascii', errors='replace')}; "
            f"CSSD_IDENTITY_KEY has fingerprint {fingerprint(secret)}): set CSSD_IDENTITY_KEY to the key the "
            "store was made with, or finish its rotation with `cssd rekey --identity` (docs/security.md)"
        )
    try:
        plain = _aead(secret).decrypt(nonce, body, _aad(census, year, la_code) + fp)
    except InvalidTag:
        raise IdentityError(
            f"{where} does not decrypt with CSSD_IDENTITY_KEY: the file was altered, damaged or moved from "
            "another return's place; store that return again (cssd build) to rewrite it"
        ) from None
    return pd.read_parquet(io.BytesIO(plain))


# ---------------------------------------------------------------------------------------------
# Writing (ingestion)


def _iso_dates(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values, errors="coerce")
    return dates.dt.strftime("%Y-%m-%d").astype("object").where(dates.notna(), None)


def identity_frame(tables: "dict[str, pd.DataFrame]", la_code: str, key: bytes) -> pd.DataFrame:
    """One row per child of a validated return (typed tables, child ids not yet replaced): pseudonym, LA,
    UPN, date of birth, sex. Every table with a child id contributes, so a child found only in one (a care
    leaver) is there too; a field a table lacks is taken from another (the first value given)."""
    parts = []
    for frame in tables.values():
        if "child_id" not in frame.columns:
            continue
        part = pd.DataFrame({"child_id": frame["child_id"].astype("object")})
        for column in ("upn", "date_of_birth", "sex"):
            if column in frame.columns:
                part[column] = _iso_dates(frame[column]) if column == "date_of_birth" else frame[column]
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=IDENTITY_COLUMNS)
    rows = pd.concat(parts, ignore_index=True).reindex(columns=["child_id", "upn", "date_of_birth", "sex"])
    upn = rows["upn"].astype("object").str.strip()
    rows["upn"] = upn.where(upn.str.len() > 0, None)
    rows["child_pid"] = pseudonymise_series(key, la_code, rows["child_id"])
    out = rows.drop(columns=["child_id"]).groupby("child_pid", sort=True).first().reset_index()
    out["la_code"] = la_code
    return out[IDENTITY_COLUMNS].astype("object").where(out[IDENTITY_COLUMNS].notna(), None)


def store_identities(settings, census: str, year: str, la_code: str, identities: "pd.DataFrame | None") -> bool:
    """THE hook of ingestion (issue 17): called once for each return stored in the warehouse, with the
    return's ``identity_frame``. Replaces the return's identity file; without ``CSSD_IDENTITY_KEY``
    removes it instead (it would describe a return no longer stored) and says once that no identity
    store is kept. True if a file was written."""
    path = return_path(settings.identity_dir, census, year, la_code)
    if settings.identity_key is None:
        path.unlink(missing_ok=True)
        if not _NO_STORE_SAID:
            _NO_STORE_SAID.append(True)
            log.warning(
                "CSSD_IDENTITY_KEY is not set: no identity store is kept, so no research extract can be made of "
                "the returns stored now (docs/research.md)"
            )
        return False
    secret = identity_key(settings)
    frame = identities if identities is not None else pd.DataFrame(columns=IDENTITY_COLUMNS)
    _private_dir(path.parent, settings.identity_dir)
    _write_private(path, encrypt(secret, census, year, la_code, frame))
    return True


def identity_current(settings, census: str, year: str, la_code: str) -> bool:
    """Whether a stored return needs no identity file written: there is one, or no identity store is kept."""
    return settings.identity_key is None or return_path(settings.identity_dir, census, year, la_code).is_file()


# ---------------------------------------------------------------------------------------------
# Reading (the extract only)


@dataclass(frozen=True)
class StoredIdentity:
    census: str
    year: str
    la_code: str
    path: Path


def stored_files(settings) -> list[StoredIdentity]:
    root = settings.identity_dir
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.glob(f"*/*/*{SUFFIX}")):
        out.append(StoredIdentity(path.parent.parent.name, path.parent.name, path.name[: -len(SUFFIX)], path))
    return out


def read_identities(settings, returns: "list[tuple[str, str, str]]") -> pd.DataFrame:
    """The identity rows of the given stored returns (census, year, LA), with census and year columns.
    IdentityError if the key is missing or wrong, or a return has no identity file."""
    secret = identity_key(settings)
    missing = [r for r in returns if not return_path(settings.identity_dir, *r).is_file()]
    if missing:
        shown = ", ".join("/".join(r) for r in missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise IdentityError(
            f"the identity store has no record of {len(missing)} stored return(s): {shown}. They were stored while "
            "CSSD_IDENTITY_KEY was not set; with the key set, run `cssd build` for those years to store them again"
        )
    frames = []
    for census, year, la in returns:
        path = return_path(settings.identity_dir, census, year, la)
        frame = decrypt(secret, census, year, la, path.read_bytes(), f"the identity file of {census}/{year}/{la}")
        frames.append(frame.assign(census=census, year=year))
    if not frames:
        return pd.DataFrame(columns=[*IDENTITY_COLUMNS, "census", "year"])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Rotation


def rotate(settings) -> dict[str, int]:
    """Re-encrypt every identity file under CSSD_IDENTITY_KEY that is under CSSD_IDENTITY_KEY_PREVIOUS.

    Every file is checked first: if one is under neither key, nothing is changed. Each file is replaced
    atomically, so a rotation that stops half way is finished by running it again."""
    new = identity_key(settings)
    old = checked_key(settings.previous_identity_key, "CSSD_IDENTITY_KEY_PREVIOUS", settings.pseudonym_key)
    if hmac.compare_digest(new, old):
        raise IdentityError("CSSD_IDENTITY_KEY_PREVIOUS is CSSD_IDENTITY_KEY: set the new key in CSSD_IDENTITY_KEY")
    new_fp, old_fp = fingerprint(new), fingerprint(old)
    files = stored_files(settings)
    fps = {f: file_fingerprint(f.path) for f in files}
    strangers = [f for f in files if fps[f] not in (new_fp, old_fp)]
    if strangers:
        raise IdentityError(
            f"{len(strangers)} identity file(s) are under neither key (e.g. {strangers[0].census}/{strangers[0].year}/"
            f"{strangers[0].la_code}, fingerprint {fps[strangers[0]]}): nothing was changed"
        )
    counts = {"re-encrypted": 0, "already under the new key": 0}
    for f in files:
        if fps[f] == new_fp:
            counts["already under the new key"] += 1
            continue
        where = f"the identity file of {f.census}/{f.year}/{f.la_code}"
        frame = decrypt(old, f.census, f.year, f.la_code, f.path.read_bytes(), where)
        _write_private(f.path, encrypt(new, f.census, f.year, f.la_code, frame))
        counts["re-encrypted"] += 1
    return counts


def delete_return(settings, census: str, year: str, la_code: str) -> bool:
    path = return_path(settings.identity_dir, census, year, la_code)
    if path.is_file():
        path.unlink()
        return True
    return False


def rekey_command() -> int:
    """`cssd rekey --identity`: re-encrypt the identity store under the new key."""
    import sys

    from orchestration.settings import load_settings

    settings = load_settings()
    try:
        counts = rotate(settings)
    except IdentityError as exc:
        print(f"cssd rekey --identity: {exc}", file=sys.stderr)
        return 2
    print(
        f"cssd rekey --identity: {counts['re-encrypted']} identity file(s) re-encrypted under the key of fingerprint "
        f"{fingerprint(identity_key(settings))}, {counts['already under the new key']} already under it. "
        "Now destroy the previous key and unset CSSD_IDENTITY_KEY_PREVIOUS"
    )
    return 0
