"""Write docs/rules.md from the rule packs.

    python -m tools.gen_rules_doc          # write docs/rules.md
    python -m tools.gen_rules_doc --check  # exit 1 if docs/rules.md is out of date

tests/unit/rules/test_docs.py fails when the file is stale: run this after changing a rule.
"""

import sys
from pathlib import Path

from orchestration.lib.rules.cla import CLA_AREAS, CLA_RULES
from orchestration.lib.rules.crcs import CRCS_AREAS, CRCS_RULES
from orchestration.lib.rules.docs import render_rules_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def render() -> str:
    cla = render_rules_markdown(CLA_RULES, CLA_AREAS, title="CLA rules (children looked after)")
    crcs = render_rules_markdown(
        CRCS_RULES,
        CRCS_AREAS,
        title="CRCS rules (children receiving care and support; Children in Need before 2016-17)",
        header=False,
    )
    return cla + "\n" + crcs


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m tools.gen_rules_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
