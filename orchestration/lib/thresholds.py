"""The limits of the plausibility checks, read from one documented file (quality_thresholds.toml).

The file (or the copy CSSD_QUALITY_THRESHOLDS names) must hold every check of :data:`SCHEMA` with
every key, and nothing else; each value is checked against its rule. A bad file raises
:class:`ThresholdsError` naming the file, the check, the key and the rule, before anything runs.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from orchestration.paths import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "quality_thresholds.toml"


class ThresholdsError(ValueError):
    """The thresholds file cannot be used (names the file, check, key and rule)."""


@dataclass(frozen=True)
class Rule:
    kind: str  # share: 0..1; ratio: > 0; children: a whole number >= 0
    text: str


SHARE = Rule("share", "a number from 0 to 1 (a share: 0.10 = 10 %)")
RATIO = Rule("ratio", "a number above 0 (a ratio to the previous year)")
CHILDREN = Rule("children", "a whole number of children, 0 or more")

_STATUSES = ("looked_after", "child_protection_register", "neither")

SCHEMA: dict[str, dict[str, Rule]] = {
    "flow_identity": {"la_share": SHARE, "la_min_children": CHILDREN, "wales_share": SHARE},
    "cla_year_on_year": {
        "la_min_ratio": RATIO,
        "la_max_ratio": RATIO,
        "la_min_children": CHILDREN,
        "wales_min_ratio": RATIO,
        "wales_max_ratio": RATIO,
    },
    "crcs_year_on_year": {
        "la_min_ratio": RATIO,
        "la_max_ratio": RATIO,
        "la_min_children": CHILDREN,
        "wales_min_ratio": RATIO,
        "wales_max_ratio": RATIO,
    },
    "crcs_status_shares": {
        f"{status}_{area}_{end}": SHARE for status in _STATUSES for area in ("wales", "la") for end in ("min", "max")
    },
    "rec1_difference": {"la_share": SHARE, "la_min_children": CHILDREN, "wales_share": SHARE},
    "placement_la_missing": {"max_share": SHARE},
}

# (check, lower key, upper key): the lower limit may not be above the upper one
_PAIRS = [
    (check, lower, lower.replace("_min", "_max"))
    for check, keys in SCHEMA.items()
    for lower in keys
    if "_min" in lower and lower.replace("_min", "_max") in keys
]


def _valid(value: object, rule: Rule) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if rule.kind == "share":
        return 0 <= value <= 1
    if rule.kind == "ratio":
        return value > 0
    return isinstance(value, int) and value >= 0


def parse_thresholds(data: dict, source: str) -> dict[str, dict[str, float]]:
    """Check a parsed thresholds file against :data:`SCHEMA`; every problem is listed at once."""
    problems = []
    for check in sorted(set(data) - set(SCHEMA)):
        problems.append(f"[{check}] is not a check (known: {', '.join(SCHEMA)})")
    for check, keys in SCHEMA.items():
        section = data.get(check)
        if section is None:
            problems.append(f"[{check}] is missing: every check needs its limits")
            continue
        if not isinstance(section, dict):
            problems.append(f"{check} must be a [section], not a value")
            continue
        for key in sorted(set(section) - set(keys)):
            problems.append(f"[{check}] {key} is not a limit of this check (known: {', '.join(keys)})")
        for key, rule in keys.items():
            if key not in section:
                problems.append(f"[{check}] {key} is missing: it must be {rule.text}")
            elif not _valid(section[key], rule):
                problems.append(f"[{check}] {key} = {section[key]!r}: it must be {rule.text}")
    if not problems:
        for check, lower, upper in _PAIRS:
            if data[check][lower] > data[check][upper]:
                problems.append(f"[{check}] {lower} = {data[check][lower]} is above {upper} = {data[check][upper]}")
    if problems:
        raise ThresholdsError(f"{source}: " + "; ".join(problems))
    return {check: {key: data[check][key] for key in keys} for check, keys in SCHEMA.items()}


def load_thresholds(path: "Path | None" = None) -> dict[str, dict[str, float]]:
    """The thresholds in ``path`` (default: the repository's quality_thresholds.toml)."""
    path = Path(path) if path else DEFAULT_PATH
    if not path.is_file():
        raise ThresholdsError(f"{path}: the QA thresholds file does not exist (set CSSD_QUALITY_THRESHOLDS to a file)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdsError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ThresholdsError(f"{path}: not UTF-8 text") from None
    return parse_thresholds(data, str(path))
