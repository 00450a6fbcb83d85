"""The one place that reads the environment.

Everything else takes a ``Settings`` value. Variables:

CSSD_DATA_DIR       data folder (default ./data): landing/, output/, warehouse, dagster_home/
CSSD_WAREHOUSE      DuckDB warehouse file (default <data>/warehouse.duckdb)
CSSD_PSEUDONYM_KEY  secret key for child-id pseudonyms; required to ingest returns, unless in demo mode
CSSD_DEMO           1: demo mode. With no CSSD_PSEUDONYM_KEY, returns are pseudonymised with the public demo
                    key, and only if the landing folder is marked synthetic (by `cssd generate`);
                    `cssd demo` turns it on (docs/security.md)
CSSD_TODAY          ISO date used instead of today to decide the latest collection year (tests, reruns)
CSSD_DISCLOSURE     disclosure control policy: round5 (default) or suppress (publication.md)
CSSD_FINAL_THROUGH  the last collection year whose figures are final (YYYY-YY); later years are
                    provisional, [p]. Default: every year but the latest
CSSD_PUBLICATION_DATES  month-day of each census's annual publication build (default cla=09-01,crcs=10-01)
CSSD_INGEST_WORKERS processes that validate returns at once (default: the machine's cores; 1 = in the
                    build's own process). Used from 24 returns a run on
CSSD_DUCKDB_MEMORY_LIMIT  memory DuckDB may use in a dbt build before it spills to disk (default 1GB;
                    read by dbt_project/profiles.yml)
CSSD_QUALITY_THRESHOLDS  the QA thresholds file of the plausibility checks (default the repository's
                    quality_thresholds.toml; docs/quality.md)
CSSD_SCHEDULES      on: the schedules and the annual chain sensor start switched on (default off)
CSSD_IDENTITY_KEY   secret key of the identity store (UPN, date of birth, sex by pseudonym, for research
                    extracts; docs/security.md, docs/research.md). Unset: no identity store is kept
CSSD_IDENTITY_KEY_PREVIOUS  the identity key being replaced, for `cssd rekey --identity` only
CSSD_RETAIN_LANDING, CSSD_RETAIN_IDENTITY, CSSD_RETAIN_RAW  how many collection years after a year is
                    final its landing files, identity records and raw rows are kept (a whole number, or
                    `forever`); defaults 1, 2 and forever (`cssd retention`, orchestration/lib/retention.py)
CSSD_CONTACT        the release's contact (statistician's name or team, and email address), written in
                    both languages of the workbook, release.html and StatsWales metadata. Unset: the
                    release says no contact is configured, and the StatsWales check reports it

Production on PostgreSQL (docs/deploy.md); unset, cssd runs on DuckDB + SQLite as before:
CSSD_DBT_TARGET     duckdb (default) or postgres: the warehouse the raw schema is written to and the
                    dbt target (dbt_project/profiles.yml) the models are built in
CSSD_PG_HOST        PostgreSQL server of the warehouse (default 127.0.0.1)
CSSD_PG_PORT        its port (default 5432)
CSSD_PG_USER        role (default postgres)
CSSD_PG_PASSWORD    password (default none: trust, peer or ~/.pgpass); never written to a file
CSSD_PG_DATABASE    warehouse database (default test)
CSSD_DAGSTER_STORAGE  sqlite (default: files under <data>/dagster_home) or postgres: runs, events and
                    schedules in PostgreSQL (dagster-postgres), on the CSSD_PG_* server
CSSD_DAGSTER_PG_DATABASE  database of the Dagster storage (default: CSSD_PG_DATABASE)

Fault injection, for the crash-safety tests only (orchestration/lib/crash.py; read there, at the
moment a crash point is reached, not here):
CSSD_CRASH_AT       ingest|dbt|outputs|swap[:N]: SIGKILL this process at that point (the N-th time)
"""

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.lib.years import CollectionYear, census_years, latest_complete_year

# Public on purpose: it is in the repository. Pseudonyms made with it protect nothing, which is
# fine for synthetic data and wrong for real returns: it is used only in demo mode (CSSD_DEMO=1,
# `cssd demo`) on a landing folder that `cssd generate` marked synthetic (orchestration/lib/keys.py).
DEMO_PSEUDONYM_KEY = "cssd-demo-key-synthetic-data-only"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse: Path
    pseudonym_key: "bytes | None" = field(repr=False)  # CSSD_PSEUDONYM_KEY; None when it is not set
    today: date
    demo: bool = False  # CSSD_DEMO: synthetic data, the public demo key allowed (orchestration/lib/keys.py)
    disclosure_policy: str = "round5"
    publication_dates: dict = field(default_factory=lambda: dict(DEFAULT_PUBLICATION_DATES))
    schedules_on: bool = False
    final_through: CollectionYear | None = None  # None: every year but the latest is final
    warehouse_target: str = "duckdb"  # or "postgres" (CSSD_DBT_TARGET)
    postgres: "PostgresSettings | None" = None
    dagster_storage: str = "sqlite"  # or "postgres" (CSSD_DAGSTER_STORAGE)
    ingest_workers: int = 1
    quality_thresholds: "Path | None" = None  # CSSD_QUALITY_THRESHOLDS; None: the repository's quality_thresholds.toml
    identity_key: "bytes | None" = field(default=None, repr=False)  # CSSD_IDENTITY_KEY (lib/identity.py)
    previous_identity_key: "bytes | None" = field(default=None, repr=False)  # CSSD_IDENTITY_KEY_PREVIOUS
    # Years after a collection year is final that its landing files, identity records and raw rows are
    # kept (None: forever); lib/retention.py explains the defaults.
    retain_landing: "int | None" = 1
    retain_identity: "int | None" = 2
    retain_raw: "int | None" = None
    contact: str = ""  # CSSD_CONTACT; empty: none configured (the release says so, never a placeholder)

    def is_provisional(self, year: CollectionYear) -> bool:
        final = self.final_through or self.latest_year.previous()
        return year.start_year > final.start_year

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def output_dir(self) -> Path:
        return self.data_dir / "output"

    @property
    def identity_dir(self) -> Path:
        return self.data_dir / "identity"

    @property
    def extracts_log(self) -> Path:
        return self.data_dir / "extracts" / "audit.log"

    @property
    def retention_log(self) -> Path:
        return self.data_dir / "retention" / "retention.log"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def latest_year(self) -> CollectionYear:
        return latest_complete_year(self.today)

    def years(self, census: str) -> list[CollectionYear]:
        return census_years(census, self.today)


@dataclass(frozen=True)
class PostgresSettings:
    """The PostgreSQL server of a production deployment (CSSD_PG_*)."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    database: str = "test"
    dagster_database: str = "test"
    password: str = field(default="", repr=False)

    def connect_kwargs(self, database: "str | None" = None) -> dict:
        kwargs = {"host": self.host, "port": self.port, "user": self.user, "dbname": database or self.database}
        if self.password:
            kwargs["password"] = self.password
        return kwargs

    def describe(self, database: "str | None" = None) -> str:
        """host:port/database as user — no password, safe for logs and metadata."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database or self.database}"


def postgres_settings(env) -> PostgresSettings:
    port_text = env.get("CSSD_PG_PORT") or "5432"
    try:
        port = int(port_text)
    except ValueError as exc:
        raise ValueError(f"CSSD_PG_PORT={port_text!r} is not a port number") from exc
    database = env.get("CSSD_PG_DATABASE") or "test"
    return PostgresSettings(
        host=env.get("CSSD_PG_HOST") or "127.0.0.1",
        port=port,
        user=env.get("CSSD_PG_USER") or "postgres",
        database=database,
        dagster_database=env.get("CSSD_DAGSTER_PG_DATABASE") or database,
        password=env.get("CSSD_PG_PASSWORD") or "",
    )


def is_on(value: "str | None") -> bool:
    return (value or "").strip().lower() in ("on", "1", "true", "yes")


def _choice(env, name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: use {' or '.join(allowed)} (default {default})")
    return value


DEFAULT_PUBLICATION_DATES = {"cla": (9, 1), "crcs": (10, 1)}


def parse_publication_dates(text: str) -> dict[str, tuple[int, int]]:
    """'cla=09-01,crcs=10-01' -> {'cla': (9, 1), 'crcs': (10, 1)} (a census left out keeps its default)."""
    out = dict(DEFAULT_PUBLICATION_DATES)
    for part in filter(None, (p.strip() for p in text.split(","))):
        census, _, when = part.partition("=")
        try:
            month, day = (int(x) for x in when.split("-"))
            date(2001, month, day)  # a real month and day (not 29 February: every year must have it)
        except ValueError as exc:
            raise ValueError(f"CSSD_PUBLICATION_DATES: {part!r} is not census=MM-DD") from exc
        if census.strip() not in out:
            raise ValueError(f"CSSD_PUBLICATION_DATES: {census!r} is not cla or crcs")
        out[census.strip()] = (month, day)
    return out


def _workers(text: "str | None") -> int:
    if not (text or "").strip():
        return max(1, min(os.cpu_count() or 1, 8))
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"CSSD_INGEST_WORKERS must be a whole number of processes, not {text!r}") from None
    if n < 1:
        raise ValueError(f"CSSD_INGEST_WORKERS must be 1 or more, not {n}")
    return n


def _retain(env, name: str, default: "int | None") -> "int | None":
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text == "forever":
        return None
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: a whole number of years after the year is final, or forever") from None
    if n < 0:
        raise ValueError(f"{name}={n}: a number of years cannot be negative")
    return n


def _secret(env, name: str) -> "bytes | None":
    value = env.get(name) or None
    return value.encode("utf-8") if value else None


def load_settings(environ: "dict[str, str] | None" = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("CSSD_DATA_DIR") or "./data").expanduser().resolve()
    warehouse_env = env.get("CSSD_WAREHOUSE")
    warehouse = Path(warehouse_env).expanduser().resolve() if warehouse_env else data_dir / "warehouse.duckdb"
    key = env.get("CSSD_PSEUDONYM_KEY") or None
    today_text = env.get("CSSD_TODAY")
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError as exc:
        raise ValueError(f"CSSD_TODAY={today_text!r} is not an ISO date (YYYY-MM-DD)") from exc
    policy = (env.get("CSSD_DISCLOSURE") or "round5").strip().lower()
    if policy not in ("round5", "suppress"):
        raise ValueError(f"CSSD_DISCLOSURE={policy!r}: use round5 (the default) or suppress")
    final_text = env.get("CSSD_FINAL_THROUGH")
    final_through = CollectionYear.parse(final_text) if final_text else None
    warehouse_target = _choice(env, "CSSD_DBT_TARGET", "duckdb", ("duckdb", "postgres"))
    dagster_storage = _choice(env, "CSSD_DAGSTER_STORAGE", "sqlite", ("sqlite", "postgres"))
    postgres = postgres_settings(env) if "postgres" in (warehouse_target, dagster_storage) else None
    return Settings(
        warehouse_target=warehouse_target,
        postgres=postgres,
        dagster_storage=dagster_storage,
        publication_dates=parse_publication_dates(env.get("CSSD_PUBLICATION_DATES") or ""),
        ingest_workers=_workers(env.get("CSSD_INGEST_WORKERS")),
        schedules_on=is_on(env.get("CSSD_SCHEDULES")),
        disclosure_policy=policy,
        final_through=final_through,
        data_dir=data_dir,
        warehouse=warehouse,
        pseudonym_key=key.encode("utf-8") if key else None,
        demo=is_on(env.get("CSSD_DEMO")),
        today=today,
        quality_thresholds=Path(env["CSSD_QUALITY_THRESHOLDS"]).expanduser().resolve()
        if env.get("CSSD_QUALITY_THRESHOLDS")
        else None,
        identity_key=_secret(env, "CSSD_IDENTITY_KEY"),
        previous_identity_key=_secret(env, "CSSD_IDENTITY_KEY_PREVIOUS"),
        retain_landing=_retain(env, "CSSD_RETAIN_LANDING", 1),
        retain_identity=_retain(env, "CSSD_RETAIN_IDENTITY", 2),
        retain_raw=_retain(env, "CSSD_RETAIN_RAW", None),
        contact=(env.get("CSSD_CONTACT") or "").strip(),
    )
