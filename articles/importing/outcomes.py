"""What happened to each file of an import, and the run's report."""

from __future__ import annotations

from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED, DUPLICATE = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
    "duplicate",
)


@dataclass
class FileOutcome:
    path: str
    outcome: str
    source_key: str = ""
    reason: str = ""
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        data = {"path": self.path, "outcome": self.outcome}
        if self.source_key:
            data["source_key"] = self.source_key
        if self.reason:
            data["reason"] = self.reason
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data


@dataclass
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    not_articles: list[str] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            [CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED, DUPLICATE], 0
        )
        for outcome in self.outcomes:
            counts[outcome.outcome] += 1
        counts["not_articles"] = len(self.not_articles)
        counts["warnings"] = sum(1 for o in self.outcomes if o.warnings)
        return counts

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.outcome == FAILED]

    def summary(self) -> str:
        c = self.counts
        return (
            f"created {c[CREATED]}, updated {c[UPDATED]}, unchanged {c[UNCHANGED]}, "
            f"skipped {c[SKIPPED]}, duplicates {c[DUPLICATE]}, failed {c[FAILED]}, "
            f"not articles {c['not_articles']}"
        )

    def as_dict(self) -> dict:
        return {
            "counts": self.counts,
            "files": [o.as_dict() for o in sorted(self.outcomes, key=lambda o: o.path)],
            "not_articles": self.not_articles,
        }


def duplicate_outcome(path, source_key, article_id, warnings=()) -> FileOutcome:
    return FileOutcome(
        path,
        DUPLICATE,
        source_key,
        f"the same story (headline, date and body) as article {article_id}; "
        "imported once, and this file's number redirects to it",
        tuple(warnings),
    )
