"""The LA officer's validator: `cssd validate` and `cssd rules`, with nothing but the small install.

Plain Python on the same gate the platform runs on receipt (``orchestration.lib.ingest``), with no
Dagster, dbt, Great Expectations or DuckDB import anywhere below this package (a test checks it):

- ``selection``: the rules to run (``--rules`` / ``--skip``) and the rule pack as data (``cssd rules``);
- ``report``: one return's issues grouped by the LA's own child id, with the value where it is not
  personal data, what to do and where the child's other rows are;
- ``compare``: the return against the LA's last accepted return (counts and year-on-year checks);
- ``html`` / ``xlsx``: the report as one self-contained page and as an accessible workbook, in
  English or Welsh (texts from ``orchestration.lib.translations``).

The report holds the LA's own child ids: it is written only where the officer asks (``--report``),
on their own machine. The platform's central reports (``output/<year>/validation/``) never do.
"""
