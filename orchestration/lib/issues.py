"""What is wrong with a return: one ``Issue`` per file, row, field and rule.

Issues never carry personal data: the value is kept only for fields that are not
personal (a code, a flag), and a child id is never shown — the row number is enough
for the LA to find the record.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Issue:
    file: str  # path relative to the landing folder, e.g. cla/2019-20/W06000015/episodes.csv
    row: int | None  # line in the file (the header is line 1); None for a whole-file problem
    field: str | None  # the column as the LA's file names it
    rule: str  # rule id, e.g. format.code
    message: str  # what is wrong and what to do, in words an LA officer understands
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict:
        return asdict(self)


class SubmissionError(Exception):
    """One or more returns failed their gate; the message lists every issue."""

    def __init__(self, issues: list[Issue], context: str = "", max_listed: int = 200):
        self.issues = sorted(issues, key=lambda i: (i.file, i.row or 0, i.field or "", i.rule))
        errors = [i for i in self.issues if i.severity == "error"]
        files = sorted({i.file for i in errors})
        head = f"{context}: " if context else ""
        lines = [
            f"{head}{len(errors)} error(s) in {len(files)} file(s); a return with an error is not stored, "
            "and the data already stored for it is unchanged."
        ]
        lines += [f"  - {i}" for i in errors[:max_listed]]
        if len(errors) > max_listed:
            lines.append(f"  … and {len(errors) - max_listed} more (see the validation report)")
        super().__init__("\n".join(lines))
