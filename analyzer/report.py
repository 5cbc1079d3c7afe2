"""Rendering for people: one note's analysis in the terminal, metric tables in Markdown."""

from .labels import LABELS

BAR_WIDTH = 20


def _bar(score):
    filled = int(round(score * BAR_WIDTH))
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def render_analysis(analysis, *, color=False):
    """A few lines a recruiter can read at a glance: labels, scores, evidence, recommendation."""
    def style(text, **kwargs):
        if not color:
            return text
        import click

        return click.style(text, **kwargs)

    lines = []
    if analysis.labels:
        lines.append(style("Callback reasons: " + ", ".join(analysis.labels), bold=True))
    else:
        lines.append(style("Clear: no callback reason found", bold=True))
    lines.append("")
    for label in LABELS:
        score = analysis.scores.get(label, 0.0)
        raised = label in analysis.labels
        marker = style("●", fg="red") if raised else " "
        lines.append(f"{marker} {label:<15} {score:5.2f}  {_bar(score)}")
        for item in analysis.evidence.get(label, []):
            lines.append(f"      “{item.text}”  [{item.start}:{item.end}]")
    lines.append("")
    if analysis.recommendation is None:
        lines.append("Recommendation (read from the text): none given")
    else:
        confidence = analysis.recommendation_scores.get(analysis.recommendation)
        suffix = f" ({confidence:.2f})" if confidence is not None else ""
        lines.append(f"Recommendation (read from the text): {analysis.recommendation}{suffix}")
    return "\n".join(lines)


def render_comparison(results):
    """A Markdown table: one row per system, per-label F1, macro-F1, negation FP rate."""
    header = ["system", *[f"{label} F1" for label in LABELS], "macro-F1", "negation FP rate", "recommendation acc."]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, metrics in results.items():
        recommendation = metrics.get("recommendation", {}).get("accuracy")
        cells = [name, *[f"{metrics['per_label'][label]['f1']:.3f}" for label in LABELS],
                 f"**{metrics['macro_f1']:.3f}**", f"{metrics['negation']['rate']:.3f}",
                 "—" if recommendation is None else f"{recommendation:.3f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def render_label_table(metrics):
    """Per-label precision, recall, F1 and support, as Markdown."""
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in LABELS:
        m = metrics["per_label"][label]
        rows.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    return "\n".join(rows)
