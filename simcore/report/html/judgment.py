"""The report's section on whose judgment a scenario's inputs are (``smasim elicit``).

A scenario written by ``smasim elicit`` carries its elicitation record in its configuration,
so every result file run from it does: the experts, their weights and dates, what each gave
for each judgment, the law fitted to it (with its sum of squares) and the pool. This section
lays that record out, one table per scenario.
"""

from __future__ import annotations

from collections.abc import Mapping

from simcore.config.schema import ElicitationRecord, ElicitedAnswer
from simcore.report.html.document import Section, paragraph, table_html


def _given(answer: ElicitedAnswer) -> str:
    """What the expert gave: quantiles at their levels, or probabilities."""
    if answer.quantiles is not None and answer.levels is not None:
        levels = "/".join(f"P{100 * p:g}" for p in answer.levels)
        return "; ".join(f"{label} {levels} {' / '.join(f'{v:.3g}' for v in values)}"
                         for label, values in answer.quantiles.items())
    if answer.values is not None and answer.levels is not None:
        return (" / ".join(f"P{100 * p:g}" for p in answer.levels) + ": "
                + " / ".join(f"{v:.4g}" for v in answer.values))
    return ", ".join(f"{label} {p:.3g}" for label, p in (answer.probabilities or {}).items())


def _fitted(answer: ElicitedAnswer) -> str:
    """The law made of it: a family and parameters, or a Dirichlet, or nothing (as given)."""
    if answer.family is not None and answer.parameters is not None:
        inner = ", ".join(f"{k}={v:.4g}" for k, v in answer.parameters.items())
        fitted = " / ".join(f"{v:.4g}" for v in answer.fitted or [])
        return f"{answer.family}({inner}); fitted {fitted}"
    if answer.dirichlet is not None:
        return "Dirichlet(" + ", ".join(f"{a:.4g}" for a in answer.dirichlet.values()) + ")"
    return "as given"


def judgment_section(records: Mapping[str, ElicitationRecord]) -> Section | None:
    """The section for the scenarios (by label) whose inputs were elicited; None if none."""
    if not records:
        return None
    parts = [paragraph(
        "These scenarios' negotiation inputs are pooled expert judgment (smasim elicit). Each "
        "quantile judgment was fitted by least squares on the expert's CDF points (SHELF), "
        "the sum of squares (SSE) saying how closely; the pool is what the model samples. "
        "The same record is stored in the result file's configuration.")]
    for label, record in records.items():
        experts = ", ".join(
            f"{e.name} (weight {e.weight:.3g}" + (f", {e.date}" if e.date else "")
            + (f"; {e.note}" if e.note else "") + ")" for e in record.experts)
        parts.append(paragraph(
            f"{label}: {record.title}" + (f", {record.date}" if record.date else "")
            + f". {record.pool.capitalize()} pool of {len(record.experts)} experts: "
            f"{experts}. Elicitation file {record.source} (SHA-256 {record.sha256[:16]}…)."))
        rows = []
        for judgment in record.judgments:
            for answer in judgment.experts:
                sse = "" if answer.sse is None else f"{answer.sse:.2g}"
                rows.append([judgment.judgment, answer.expert, f"{answer.weight:.3g}",
                             _given(answer), _fitted(answer), sse])
            rows.append([judgment.judgment, "pool", "1", "", judgment.pooled, ""])
        parts.append(table_html(
            f"Whose judgment: {label}", ["judgment", "expert", "weight", "gave",
                                         "fitted law", "SSE"], rows,
            "Amounts in USD, fractions and probabilities as fractions. A linear pool is a "
            "mixture of the experts' laws, sampled by its exact inverse CDF; a log pool is "
            "their normalized weighted product.", numeric=False))
    return Section("judgment", "Whose judgment", "".join(parts), new_page=False)
