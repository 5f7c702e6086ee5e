"""A standalone, bilingual HTML page of validation results that a clerk can open, read and print.

Findings of each file are grouped by (severity, rule, column); every value goes through
Jinja2's autoescaping, and a record IRI only becomes a link when it is an http(s) address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from itsutsuboshi.converters.issues import ERROR, INFO, WARNING
from itsutsuboshi.validation.findings import Finding
from itsutsuboshi.validation.validate import FileReport

#: occurrences listed per group; the rest are counted
LIMIT = 200
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass
class Group:
    """Findings of one file that share severity, rule and column; the first one speaks for all. The first
    :data:`LIMIT` are kept to be listed; the others are counted."""

    findings: list[Finding] = field(default_factory=list)
    total: int = 0
    row_set: set[tuple[str, int]] = field(default_factory=set)

    def add(self, f: Finding) -> None:
        if len(self.findings) < LIMIT:
            self.findings.append(f)
        self.total += 1
        if f.row > 0:
            self.row_set.add((f.file, f.row))

    @property
    def severity(self) -> str:
        return self.findings[0].severity

    @property
    def rule(self) -> str:
        return self.findings[0].rule

    @property
    def message_ja(self) -> str:
        return self.findings[0].message_ja

    @property
    def message_en(self) -> str:
        return self.findings[0].message_en

    @property
    def fix_ja(self) -> str:
        return self.findings[0].fix_ja

    @property
    def fix_en(self) -> str:
        return self.findings[0].fix_en

    @property
    def column(self) -> str:
        return self.findings[0].column

    @property
    def count(self) -> int:
        return self.total

    @property
    def rows(self) -> int:
        """Distinct spreadsheet rows affected (the whole file not counted)."""
        return len(self.row_set)

    @property
    def shown(self) -> list[Finding]:
        return self.findings[:LIMIT]

    @property
    def more(self) -> int:
        return max(0, self.count - LIMIT)


@dataclass
class FileView:
    """What the page shows for one file."""

    report: FileReport
    anchor: str
    groups: list[Group]

    @property
    def counts(self) -> dict[str, int]:
        counts = self.report.counts()
        return {s: counts.get(s, 0) for s in SEVERITY_ORDER}

    @property
    def conforms(self) -> bool:
        return not self.report.error and self.counts[ERROR] == 0

    @property
    def failure(self) -> Finding | None:
        """The finding that says why the file could not be read, if it could not."""
        if not self.report.error:
            return None
        own = [f for f in self.report.findings if f.rule == self.report.error]
        return next(iter(own or [f for f in self.report.findings if f.severity == ERROR]), None)


def group_findings(findings: Iterable[Finding]) -> list[Group]:
    """Groups sorted error → warning → info, then by size (largest first), then by rule."""
    groups: dict[tuple[str, str, str], Group] = {}
    for f in findings:
        key = (f.severity, f.rule, f.column)  # messages may carry the value; the first one stands for all
        groups.setdefault(key, Group()).add(f)
    return sorted(groups.values(), key=lambda g: (SEVERITY_ORDER.get(g.severity, 3), -g.count, g.rule))


def is_link(iri: str) -> bool:
    """Only web addresses are linked; anything else (``javascript:``, blank nodes…) stays text."""
    return iri.lower().startswith(("http://", "https://"))


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("itsutsuboshi", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.tests["link"] = is_link
    return env.get_template("validation-report.html")


def render_html(reports: list[FileReport], *, generated: datetime | None = None) -> str:
    """The validation report of ``reports`` as one self-contained HTML page."""
    generated = generated or datetime.now().astimezone()
    files = [FileView(r, f"file-{i}", group_findings(r.all_findings())) for i, r in enumerate(reports, 1)]
    return _template().render(
        files=files,
        conforms=all(f.conforms for f in files),
        generated=generated.isoformat(sep=" ", timespec="minutes"),
        generated_iso=generated.isoformat(timespec="seconds"),
        error=ERROR, warning=WARNING, info=INFO,
    )
