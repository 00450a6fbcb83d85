"""Sensors: a new or changed LA return in the landing folder launches its raw partition."""

import hashlib
import json

from dagster import (
    DefaultSensorStatus,
    MultiPartitionKey,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.defs.context import SETTINGS
from orchestration.defs.ingest import ignored_landing
from orchestration.defs.jobs import cla_ingest, crcs_ingest
from orchestration.defs.partitions import LA_DIM, YEAR_DIM, YEARS, local_authorities
from orchestration.lib.readers import return_files, sha256_of


def return_digest(files) -> str:
    """One hash per LA return: the names and content hashes of its files."""
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.name}:{sha256_of(p)}\n".encode())
    return h.hexdigest()


def landing_digests(landing_dir, census: str, years: list[str], las: list[str]) -> dict[str, str]:
    """'<year>|<la>' -> digest of that LA's return, for every return present."""
    out = {}
    root = landing_dir / census
    for year in years:
        for la in las:
            files = return_files(root / year / la)
            if files:
                out[f"{year}|{la}"] = return_digest(files)
    return out


def changed_partitions(current: dict[str, str], seen: dict[str, str]) -> list[str]:
    return sorted(k for k, digest in current.items() if seen.get(k) != digest)


def landing_sensor(census: str, job):
    label = census.upper()

    @sensor(
        name=f"{census}_landing_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Launches the raw partition (year × LA) of any new or changed {label} return, by content "
        "hash. On its first tick it records what is there and launches nothing; turn it on after the first build. "
        "Landing folders it cannot read (a misnamed year, a GSS code that is not a Welsh LA's) are logged as warnings.",
    )
    def _sensor(context: SensorEvaluationContext):
        current = landing_digests(
            SETTINGS.landing_dir, census, YEARS[census].get_partition_keys(), local_authorities.get_partition_keys()
        )
        ignored = ignored_landing(census, landing_dir=SETTINGS.landing_dir)
        cursor = json.loads(context.cursor) if context.cursor else None
        # The cursor: {"returns": {year|la: digest}, "ignored": [...]} (before: the digests alone)
        if isinstance(cursor, dict) and "returns" in cursor:
            seen, seen_ignored = cursor["returns"], set(cursor.get("ignored", []))
        else:
            seen, seen_ignored = cursor, set()
        for line in ignored:
            if line not in seen_ignored:  # once, not every minute
                context.log.warning(f"landing folder not read: {line}")
        context.update_cursor(json.dumps({"returns": current, "ignored": ignored}))
        not_read = f"; {len(ignored)} landing folder(s) not read (see the sensor's log)" if ignored else ""
        if seen is None:
            return SkipReason(f"recorded {len(current)} returns already in the landing folder{not_read}")
        changed = changed_partitions(current, seen)
        if not changed:
            return SkipReason(f"no new or changed returns{not_read}")
        return [
            RunRequest(
                run_key=f"{key}:{current[key][:16]}",
                partition_key=MultiPartitionKey(dict(zip((YEAR_DIM, LA_DIM), key.split("|"), strict=True))),
                tags={"cssd/trigger": "landing_sensor"},
            )
            for key in changed
        ]

    return _sensor


cla_landing_sensor = landing_sensor("cla", cla_ingest)
crcs_landing_sensor = landing_sensor("crcs", crcs_ingest)
