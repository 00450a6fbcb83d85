"""docs/rules.md is generated from the rule pack and must be kept in step with it."""

from orchestration.lib.rules.cla import CLA_AREAS, CLA_RULES
from orchestration.lib.rules.docs import render_rules_markdown
from tools import gen_rules_doc


def test_docs_rules_md_is_up_to_date():
    current = gen_rules_doc.DOC.read_text(encoding="utf-8") if gen_rules_doc.DOC.exists() else ""
    assert current == gen_rules_doc.render(), "docs/rules.md is stale: run `python -m tools.gen_rules_doc`"
    assert gen_rules_doc.main(["--check"]) == 0


def test_every_rule_is_documented_once():
    text = render_rules_markdown(CLA_RULES, CLA_AREAS)
    for rule in CLA_RULES:
        assert text.count(f"| {rule.id} |") == 1
        assert " ".join(rule.message.split()).replace("|", "\\|") in text
    assert "(last year)" in text  # the cross-year rule that reports against last year's file


def test_render_groups_by_table_without_areas():
    text = render_rules_markdown(CLA_RULES[:3], header=False)
    assert text.startswith("## CLA rules")
    assert "### Table `children`" in text
