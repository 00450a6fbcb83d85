"""Disclosure control of the published tables, with a linear-programming audit (docs/disclosure.md).

apply_policy(frame, table_id, policy="round5") -> DisclosureResult(frame, audit)
audit(published, table_id, policy) -> AuditResult
check_publishable(published, table_id, policy) -> list[str]
"""

from orchestration.lib.disclosure.core import (
    HIDING_CODES,
    NOTE_CODES,
    POLICIES,
    ROUND5_MIN_VALUES,
    SUPPRESS_MIN_WIDTH,
    AuditResult,
    CellInterval,
    DisclosureResult,
    apply_policy,
    audit,
    check_publishable,
    check_relations,
)
from orchestration.lib.disclosure.structure import STRUCTURES, Ratio, Relation, TableStructure

__all__ = [
    "HIDING_CODES",
    "NOTE_CODES",
    "POLICIES",
    "ROUND5_MIN_VALUES",
    "STRUCTURES",
    "SUPPRESS_MIN_WIDTH",
    "AuditResult",
    "CellInterval",
    "DisclosureResult",
    "Ratio",
    "Relation",
    "TableStructure",
    "apply_policy",
    "audit",
    "check_publishable",
    "check_relations",
]
