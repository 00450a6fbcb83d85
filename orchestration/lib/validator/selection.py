"""Which rules run (``cssd validate --rules ID,… / --skip ID,…``) and the rule pack as data (``cssd rules``)."""

import csv
import io
import json

from orchestration.lib.rules import Rule
from orchestration.lib.years import eras_of

CENSUSES = ("cla", "crcs")
RULE_COLUMNS = ["id", "census", "severity", "table", "fields", "eras", "last_year", "message", "description"]


class UnknownRules(ValueError):
    """``--rules`` or ``--skip`` named a rule id that is not in the census's pack."""


def pack(census: str) -> tuple[Rule, ...]:
    if census == "cla":
        from orchestration.lib.rules.cla import CLA_RULES

        return CLA_RULES
    if census == "crcs":
        from orchestration.lib.rules.crcs import CRCS_RULES

        return CRCS_RULES
    raise ValueError(f"no rule pack for census {census!r}: use cla or crcs")


def parse_ids(text: "str | None") -> list[str]:
    """'CLA-001, cla-002' -> ['CLA-001', 'CLA-002'] (ids are case-insensitive, spaces ignored)."""
    return [part.strip().upper() for part in (text or "").split(",") if part.strip()]


def select_rules(census: str, only: "str | None" = None, skip: "str | None" = None) -> tuple[Rule, ...]:
    """The pack's rules, limited to ``only`` (if given) and without ``skip``; an unknown id is an error
    that lists it (a typo must not silently run nothing, or everything)."""
    rules = pack(census)
    known = {r.id for r in rules}
    wanted, skipped = parse_ids(only), parse_ids(skip)
    unknown = sorted({i for i in wanted + skipped if i not in known})
    if unknown:
        prefix = census.upper() + "-"
        hint = "" if all(i.startswith(prefix) for i in unknown) else f" (the {census.upper()} rules are {prefix}…)"
        raise UnknownRules(
            f"unknown rule id(s) for {census.upper()}: {', '.join(unknown)}{hint}; `cssd rules --census {census}` "
            "lists them"
        )
    chosen = [r for r in rules if (not wanted or r.id in wanted) and r.id not in skipped]
    if not chosen:
        raise UnknownRules("the selection leaves no rule to run: check --rules and --skip")
    return tuple(chosen)


def _eras(rule: Rule) -> list[str]:
    order = [e.name for e in eras_of(rule.census)]
    return order if rule.eras is None else sorted(rule.eras, key=order.index)


def rule_records(censuses: "tuple[str, ...]" = CENSUSES) -> list[dict]:
    """One record per rule: what `cssd rules` prints (and the pack's own data, nothing written by hand)."""
    return [
        {
            "id": r.id,
            "census": r.census,
            "severity": r.severity,
            "table": r.table,
            "fields": list(r.fields),
            "eras": _eras(r),
            "last_year": bool(r.previous),
            "message": r.message,
            "description": r.description,
        }
        for census in censuses
        for r in pack(census)
    ]


def render_rules(records: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=RULE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in records:
            row = {**r, "fields": ";".join(r["fields"]), "eras": ";".join(r["eras"])}
            row["last_year"] = "Y" if r["last_year"] else "N"
            writer.writerow(row)
        return buf.getvalue()
    if fmt == "md":
        from orchestration.lib.rules.docs import render_rules_markdown

        out = []
        for census in dict.fromkeys(r["census"] for r in records):
            ids = {r["id"] for r in records if r["census"] == census}
            out.append(render_rules_markdown([r for r in pack(census) if r.id in ids], header=not out))
        return "\n".join(out)
    raise ValueError(f"unknown format {fmt!r}: use csv, json or md")
