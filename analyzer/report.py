"""Rendering for people: one note's analysis in the terminal, metric tables in Markdown,
and a batch's notes, panels and requisition rankings as Markdown or one self-contained HTML page.

No spaCy, scikit-learn or numpy here, so rendering a report never waits on them.
"""

import base64
import hashlib
import html
import re
from datetime import datetime

from .labels import LABELS, RECOMMENDATIONS

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
    for label in analysis.scores or LABELS:  # the model's labels: a team's own categories too
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


# Batch reports: a batch's notes, panels and requisition rankings as Markdown or HTML.

LABEL_NAMES = {
    "skill_gap": "Skill gap",
    "fit_doubt": "Fit doubt",
    "arrogance": "Confidence or cockiness",
    "alternate_role": "Better fit for another role",
}

# The article section each label comes from (LABELS.md), shown beside the name in the chart.
LABEL_SOURCES = {
    "skill_gap": "A nagging concern",
    "fit_doubt": "Personality and fit",
    "arrogance": "Confidence versus cockiness",
    "alternate_role": "In contention for a different position",
}

CLEAR = "clear"

RECOMMENDATION_NAMES = {
    "strong_no": "Strong no",
    "no": "No",
    "yes": "Yes",
    "strong_yes": "Strong yes",
    "none": "None given",
}

DECISION_NAMES = {
    "call back": "Call back",
    "advance": "Advance",
    "decline": "Decline",
    "undecided": "Undecided",
}

FLAG_NAMES = {"protected_characteristic": "Mentions a protected characteristic",
              "html_removed": "HTML tags removed before reading"}

_RECOMMENDATION_KEYS = (*RECOMMENDATIONS, "none")


def label_name(label):
    """The name a hiring team reads for a label.

    >>> label_name("arrogance")
    'Confidence or cockiness'
    """
    if label == CLEAR:
        return "Clear"
    if label is None:
        return "Follow-up"  # a plan item the interviewer left open, with no label
    return LABEL_NAMES.get(label) or str(label).replace("_", " ").capitalize()


def _recommendation_name(value):
    return RECOMMENDATION_NAMES.get(value or "none") or str(value).replace("_", " ").capitalize()


def _flag_name(flag):
    return FLAG_NAMES.get(flag) or str(flag).replace("_", " ").capitalize()


def _decision_name(decision):
    return DECISION_NAMES.get(decision or "undecided") or str(decision).capitalize()


def _score(value):
    if isinstance(value, (int, float)):
        return f"{value:+.2f}"
    return "—"


def _compact_note(note):
    """The few fields a report shows, so that a long export costs little memory."""
    recommendation = note.get("recommendation") or {}
    evidence = note.get("evidence") or {}
    return {
        "row": note.get("row"),
        "id": note.get("id"),
        "status": note.get("status") or "ok",
        "error": note.get("error"),
        "candidate": note.get("candidate"),
        "interviewer": note.get("interviewer"),
        "labels": list(note.get("labels") or []),
        "stated": recommendation.get("stated"),
        "inferred": recommendation.get("inferred"),
        "mismatch": bool(recommendation.get("mismatch")),
        "evidence": [(label, (item or {}).get("text") or "")
                     for label, items in evidence.items() for item in (items or [])],
        "flags": list(note.get("flags") or []),
    }


def _tally(rows):
    """Notes per label (and clear) and per recommendation, over the notes analysed."""
    labels = {label: 0 for label in (*LABELS, CLEAR)}
    recommendations = {key: 0 for key in _RECOMMENDATION_KEYS}
    counts = {"analysed": 0, "errored": 0, "flagged": 0, "mismatch": 0}
    for row in rows:
        if row["status"] == "error":
            counts["errored"] += 1
            continue
        counts["analysed"] += 1
        for label in row["labels"] or [CLEAR]:
            labels[label] = labels.get(label, 0) + 1
        recommendation = row["stated"] or row["inferred"] or "none"
        recommendations[recommendation] = recommendations.get(recommendation, 0) + 1
        counts["flagged"] += bool(row["flags"])
        counts["mismatch"] += row["mismatch"]
    # Clear goes last, after any label the contract does not know.
    labels[CLEAR] = labels.pop(CLEAR)
    return {"labels": labels, "recommendations": recommendations, **counts}


def _second_in_line(requisitions):
    """(candidate, requisition) -> what the runner-up's callback must re-check."""
    marked = {}
    for requisition in requisitions:
        for entry in requisition.get("ranking") or []:
            if entry.get("status") == "second in line":
                key = (entry.get("candidate"), requisition.get("requisition"))
                marked[key] = list(entry.get("recheck") or [])
    return marked


def _point(text):
    """'skill_gap: no SQL depth' -> 'Skill gap: no SQL depth'; other text as given."""
    text = "" if text is None else str(text)
    label, colon, rest = text.partition(":")
    return f"{label_name(label)}:{rest}" if colon and label in LABELS else text


def _rows_text(rows):
    rows = [str(row) for row in rows or []]
    if not rows:
        return ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows)


def _batch(notes, panels, requisitions, summary):
    """What both batch renderers need, reading ``notes`` (which may be a generator) once."""
    rows = [_compact_note(note) for note in notes]
    tally = _tally(rows)
    panels, requisitions = list(panels or []), list(requisitions or [])
    summary = summary or {}

    def figure(key, fallback):
        value = summary.get(key)
        return fallback if value is None else value

    return {
        "rows": rows, "tally": tally, "panels": panels, "requisitions": requisitions,
        "second_in_line": _second_in_line(requisitions),
        "conflicts": sum(bool((panel.get("conflicting_reports") or {}).get("conflict")) for panel in panels),
        "read": figure("rows", len(rows)), "analysed": figure("analysed", tally["analysed"]),
        "errored": figure("errored", tally["errored"]),
        "source": summary.get("source") or "—", "model": summary.get("model") or "—",
        "generated": summary.get("generated"),
    }


def _percent(count, total):
    return f"{100 * count / total:.0f}%" if total else "—"


# Markdown

def _md(value):
    """Text made safe for one Markdown line or table cell: no newlines, pipes, links or HTML."""
    text = " ".join(("" if value is None else str(value)).split())
    text = text.replace("\\", "\\\\")
    for character in "|[]`*":
        text = text.replace(character, "\\" + character)
    # Only `&name;` is an entity to Markdown, so a plain "R&D" stays readable.
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md_names(names):
    return ", ".join(_md(name) for name in names or []) or "—"


def _md_panel(panel, second_in_line):
    candidate, requisition = panel.get("candidate"), panel.get("requisition")
    lines = [f"### {_md(candidate)} — {_md(panel.get('role'))} ({_md(requisition)}): "
             f"{_decision_name(panel.get('decision'))}", ""]
    spread = panel.get("spread") or {}
    split = ", ".join(f"{_recommendation_name(key).lower()} {spread[key]}"
                      for key in _RECOMMENDATION_KEYS if spread.get(key))
    lines.append(f"{panel.get('notes') or 0} notes · outcome score {_score(panel.get('outcome_score'))}"
                 f" · recommendations: {split or 'none'}")
    lines.append("")
    for item in panel.get("recommendations") or []:
        source = "stated" if item.get("source") == "stated" else "read from the text"
        lines.append(f"- {_md(item.get('interviewer'))}: {_recommendation_name(item.get('recommendation')).lower()}"
                     f" ({source}, row {_md(item.get('row'))})")
    if (candidate, requisition) in second_in_line:
        lines += ["", f"**Second in line for {_md(requisition)}.** The callback must re-check:"]
        lines += [f"- {_md(_point(point))}" for point in second_in_line[(candidate, requisition)]] or ["- —"]
    conflict = panel.get("conflicting_reports") or {}
    if conflict.get("conflict"):
        lines += ["", f"**Conflicting reports.** Yes: {_md_names(conflict.get('yes_side'))} · "
                      f"No: {_md_names(conflict.get('no_side'))}"]
        lines += [f"- {_md(_point(point))}" for point in conflict.get("points") or []]
    concerns = panel.get("concerns") or []
    if concerns:
        lines += ["", "**Concerns**", ""]
        for concern in concerns:
            lines.append(f"- {label_name(concern.get('label'))} ×{concern.get('count') or 0}, "
                         f"raised by {_md_names(concern.get('raised_by'))}")
            for mention in concern.get("mentions") or []:
                lines.append(f"  - “{_md(mention.get('text'))}” ({_md(mention.get('interviewer'))}, "
                             f"row {_md(mention.get('row'))})")
    plan = sorted(panel.get("next_round") or [], key=lambda item: item.get("priority") or 0)
    if plan:
        lines += ["", "**Next round**", ""]
        for number, item in enumerate(plan, 1):
            rows = _rows_text(item.get("rows"))
            lines.append(f"{number}. {label_name(item.get('label'))}: cover “{_md(item.get('cover'))}”. "
                         f"Format: {_md(item.get('format'))}. In the room: {_md(item.get('who'))}. "
                         f"Raised by {_md_names(item.get('raised_by'))}" + (f" ({rows})." if rows else "."))
    return lines


def _md_requisition(requisition):
    lines = [f"### {_md(requisition.get('requisition'))} — {_md(requisition.get('role'))}", "",
             "| rank | candidate | outcome score | status | callback must re-check |",
             "|---:|---|---:|---|---|"]
    for entry in requisition.get("ranking") or []:
        status = entry.get("status")
        shown = "**second in line**" if status == "second in line" else _md(status or "—")
        recheck = "; ".join(_md(_point(point)) for point in entry.get("recheck") or []) or "—"
        lines.append(f"| {_md(entry.get('rank'))} | {_md(entry.get('candidate'))} | "
                     f"{_score(entry.get('outcome_score'))} | {shown} | {recheck} |")
    return lines


def _md_note_row(row):
    if row["status"] == "error":
        labels, status = "—", f"error: {_md(row['error'])}"
    else:
        labels = ", ".join(label_name(label) for label in row["labels"]) or "Clear"
        status = "ok"
    if row["flags"]:
        status += "; " + "; ".join(_md(_flag_name(flag)).lower() for flag in row["flags"])
    if row["status"] == "error" and not (row["stated"] or row["inferred"]):
        recommendation = "—"
    else:
        recommendation = (f"{_recommendation_name(row['stated']).lower()} / "
                          f"{_recommendation_name(row['inferred']).lower()}")
    if row["mismatch"]:
        recommendation += " ≠ mismatch"
    evidence = "; ".join(f"{label_name(label)}: “{_md(text)}”" for label, text in row["evidence"]) or "—"
    cells = [_md(row["row"]), _md(row["id"]), _md(row["candidate"]), _md(row["interviewer"]),
             labels, recommendation, evidence, status]
    return "| " + " | ".join(cell or "—" for cell in cells) + " |"


def render_markdown(notes, panels, requisitions, summary):
    """A batch as Markdown: summary, category mix, panels, rankings and every note.

    ``notes`` may be a generator; it is read once.

    >>> text = render_markdown([], [], [], {"rows": 0, "analysed": 0, "errored": 0})
    >>> text.splitlines()[0]
    '# Callback report'
    """
    batch = _batch(notes, panels, requisitions, summary)
    rows, tally, panels, requisitions = batch["rows"], batch["tally"], batch["panels"], batch["requisitions"]
    second_in_line = batch["second_in_line"]
    analysed = tally["analysed"]

    lines = ["# Callback report", "",
             f"Source: {_md(batch['source'])} · model: {_md(batch['model'])}"
             f" · generated: {_md(batch['generated'] or '—')}", "",
             f"- Rows read: {_md(batch['read'])}; analysed: {_md(batch['analysed'])};"
             f" errored: {_md(batch['errored'])}",
             f"- Candidates: {len(panels)} ({batch['conflicts']} with conflicting reports);"
             f" requisitions: {len(requisitions)}",
             f"- Notes whose stated recommendation differs from the text: {tally['mismatch']};"
             f" notes flagged for review: {tally['flagged']}", "",
             "Decision support for the hiring team, never a reason to reject anyone automatically.", "",
             "## Category mix", "",
             f"Over the {analysed} notes analysed; a note may carry several categories.", "",
             "| category | notes | share |", "|---|---:|---:|"]
    for label, count in tally["labels"].items():
        lines.append(f"| {label_name(label)} | {count} | {_percent(count, analysed)} |")
    lines += ["", "Recommendations (stated, else read from the text): "
              + " · ".join(f"{_recommendation_name(key).lower()} {count}"
                           for key, count in tally["recommendations"].items()), ""]

    lines += ["## Candidates", ""]
    for panel in panels:
        lines += _md_panel(panel, second_in_line) + [""]
    if not panels:
        lines += ["No candidate panels in this batch.", ""]

    lines += ["## Requisitions", ""]
    for requisition in requisitions:
        lines += _md_requisition(requisition) + [""]
    if not requisitions:
        lines += ["No requisitions in this batch.", ""]

    lines += ["## Notes", "",
              "| row | id | candidate | interviewer | labels | recommendation (stated / read) | evidence | status |",
              "|---:|---|---|---|---|---|---|---|"]
    lines += [_md_note_row(row) for row in rows]
    return "\n".join(lines) + "\n"


# HTML

def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


def _class(value, known):
    """A CSS class for a value, or "other": record values never reach the stylesheet."""
    return value.replace(" ", "-") if value in known else "other"


def _when(generated):
    """'2026-11-26T01:00:00Z' -> '26 Nov 2026, 01:00 UTC'; anything else as given."""
    if not generated:
        return "—"
    try:
        moment = datetime.fromisoformat(str(generated).replace("Z", "+00:00"))
    except ValueError:
        return str(generated)
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else moment.strftime(" %z")
    return moment.strftime("%d %b %Y, %H:%M").lstrip("0") + zone.rstrip()


_STYLE = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --page: #f4f6f9; --accent: #1f3a5f;
  --amber: #8a4b08; --amber-bg: #fff4e0; --amber-line: #f0b762; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--page); }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
a { color: #1c4f91; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { font-size: 21px; margin: 0 0 14px; padding-bottom: 8px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 0; }
h4 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 16px 0 6px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

header.page { background: var(--accent); color: #fff; padding: 28px 0 26px; }
header.page h1 { margin: 0 0 6px; font-size: 28px; letter-spacing: -.01em; }
header.page .meta { color: #dbe4ef; font-size: 14px; margin: 0; }
header.page .meta b { color: #fff; font-weight: 600; }
header.page .caveat { color: #c7d3e3; font-size: 13px; margin: 10px 0 0; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 20px 0 0;
  padding: 0; list-style: none; }
.stats li { background: rgba(255, 255, 255, .1); border: 1px solid rgba(255, 255, 255, .18); border-radius: 10px;
  padding: 10px 14px; }
.stats b { display: block; font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stats span { font-size: 13px; color: #e1e8f0; }
.stats li.warn { background: rgba(240, 183, 98, .16); border-color: #f0b762; box-shadow: inset 0 3px 0 #f0b762; }
.stats li.warn b { color: #ffd995; }

nav.sections { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line); }
nav.sections ul { display: flex; gap: 22px; margin: 0; padding: 10px 0; list-style: none; flex-wrap: wrap; }
nav.sections a { text-decoration: none; font-weight: 600; font-size: 14px; color: var(--accent); }
nav.sections a:hover, nav.sections a:focus { text-decoration: underline; }

main section { margin: 30px 0 36px; scroll-margin-top: 52px; }
.box { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; }
.charts { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
.charts h3 { font-size: 15px; margin-bottom: 4px; }
.charts .note { margin: 0 0 10px; }
.charts h3.next { margin-top: 22px; }
svg text { font-family: inherit; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .name { font-size: 13px; fill: var(--ink); }
svg .hint { font-size: 11px; fill: var(--muted); }
svg .value { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg .seg-label { font-size: 12px; font-weight: 600; }

/* Category colours: always paired with the category's name, never the only signal. */
.fill-skill_gap { fill: #2f6fde; } .fill-fit_doubt { fill: #7c4ddb; } .fill-arrogance { fill: #d0611d; }
.fill-alternate_role { fill: #14897f; } .fill-clear { fill: #8795a6; } .fill-other { fill: #a0a9b4; }
.fill-strong_no { fill: #9b1c1c; } .fill-no { fill: #e58a8a; } .fill-none { fill: #d5dbe2; }
.fill-yes { fill: #7cc896; } .fill-strong_yes { fill: #1d6b3a; }
.fill-call-back { fill: #e0a030; } .fill-advance { fill: #3f9d62; } .fill-decline { fill: #b9484a; }
.fill-undecided { fill: #a7b1bc; }
.on-dark { fill: #fff; } .on-light { fill: #1f2933; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.swatch.fill-strong_no { background: #9b1c1c; } .swatch.fill-no { background: #e58a8a; }
.swatch.fill-none { background: #d5dbe2; } .swatch.fill-yes { background: #7cc896; }
.swatch.fill-strong_yes { background: #1d6b3a; } .swatch.fill-call-back { background: #e0a030; }
.swatch.fill-advance { background: #3f9d62; } .swatch.fill-decline { background: #b9484a; }
.swatch.fill-undecided { background: #a7b1bc; } .swatch.fill-other { background: #a0a9b4; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0 0; padding: 0; list-style: none; font-size: 13px; }
.legend b { font-variant-numeric: tabular-nums; }

.chip { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12.5px; font-weight: 600;
  border: 1px solid; white-space: nowrap; line-height: 1.6; }
.chip.skill_gap { background: #e3edff; color: #1a3f8f; border-color: #a9c4f5; }
.chip.fit_doubt { background: #efe8ff; color: #4b2596; border-color: #c7b4f2; }
.chip.arrogance { background: #ffeddf; color: #86380b; border-color: #f3bf95; }
.chip.alternate_role { background: #dcf5f1; color: #0c5750; border-color: #92d6cc; }
.chip.clear, .chip.other { background: #eef1f4; color: #3e4c59; border-color: #cbd2d9; }
.rec { display: inline-block; min-width: 76px; padding: 0 8px; border-radius: 5px; font-size: 12.5px; font-weight: 650;
  text-align: center; border: 1px solid; }
.rec.strong_no { background: #9b1c1c; color: #fff; border-color: #9b1c1c; }
.rec.no { background: #fde8e8; color: #8a1c1c; border-color: #f0b2b2; }
.rec.yes { background: #e3f6e9; color: #1d5e34; border-color: #a8dcb9; }
.rec.strong_yes { background: #1d6b3a; color: #fff; border-color: #1d6b3a; }
.rec.none, .rec.other { background: #f1f3f5; color: #52606d; border-color: #d5dbe2; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 6px; font-size: 12.5px; font-weight: 650;
  border: 1px solid; white-space: nowrap; }
.badge.conflict { background: var(--amber-bg); color: var(--amber); border-color: var(--amber-line); }
.badge.second { background: #e8f0fd; color: #1a3f8f; border-color: #a9c4f5; }
.badge.preferred { background: #e3f6e9; color: #1d5e34; border-color: #a8dcb9; }
.badge.flag { background: #fff0f0; color: #8a1c1c; border-color: #f0b2b2; }
.badge.error { background: #fde8e8; color: #8a1c1c; border-color: #e99b9b; }
.badge.mismatch { background: var(--amber-bg); color: var(--amber); border-color: var(--amber-line); }
.decision { display: inline-block; padding: 3px 11px; border-radius: 999px; font-size: 13px; font-weight: 700;
  border: 1px solid; white-space: nowrap; }
.decision.call-back { background: #fff4e0; color: #7a4306; border-color: #f0b762; }
.decision.advance { background: #e3f6e9; color: #1d5e34; border-color: #a8dcb9; }
.decision.decline { background: #fde8e8; color: #8a1c1c; border-color: #f0b2b2; }
.decision.undecided, .decision.other { background: #f1f3f5; color: #3e4c59; border-color: #cbd2d9; }

.controls { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; margin: 0 0 12px; }
.controls label { font-size: 14px; font-weight: 600; }
.controls input[type=search], .controls select { font: inherit; font-size: 14px; padding: 6px 10px;
  border: 1px solid #9aa5b1; border-radius: 6px; background: #fff; color: var(--ink); }
.controls input[type=search] { width: 280px; max-width: 100%; }
.controls .count { margin-left: auto; font-size: 13px; color: var(--muted); }
:focus-visible { outline: 3px solid #4c8bf5; outline-offset: 2px; }

.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; align-items: start; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 16px 20px 18px;
  content-visibility: auto; contain-intrinsic-size: auto 560px; }
.card.has-conflict { border-left: 5px solid #e09b2d; }
.card-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 12px; }
.card-head h3 { font-size: 19px; }
.card-head .sub { margin: 2px 0 0; font-size: 13.5px; color: var(--muted); }
.card .badges { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0 0; }
.split-list { margin: 10px 0 0; padding: 0; list-style: none; font-size: 14px; }
.split-list li { display: flex; align-items: baseline; gap: 10px; padding: 3px 0; border-top: 1px dashed #e4e9ef; }
.split-list li:first-child { border-top: 0; }
.split-list .who { flex: 1; font-weight: 600; }
.callout { border-radius: 8px; padding: 10px 14px; margin-top: 14px; font-size: 14px; }
.callout h4 { margin: 0 0 6px; }
.callout.conflict { background: var(--amber-bg); border: 1px solid var(--amber-line); }
.callout.conflict h4 { color: var(--amber); }
.callout.second { background: #eef4fe; border: 1px solid #a9c4f5; }
.callout.second h4 { color: #1a3f8f; }
.sides { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0 0 6px; }
.sides dt { font-weight: 700; }
.sides dd { margin: 0; }
.callout ul { margin: 4px 0 0; padding-left: 20px; }
.concerns { margin: 0; padding: 0; list-style: none; }
.concerns > li { padding: 7px 0; border-top: 1px solid #edf0f3; }
.concerns > li:first-child { border-top: 0; padding-top: 2px; }
.concerns .count { font-weight: 700; margin: 0 6px; font-variant-numeric: tabular-nums; }
.quotes { margin: 4px 0 0; padding-left: 18px; font-size: 14px; }
.quotes q { quotes: "\\201C" "\\201D"; }
.plan { margin: 0; padding: 0; list-style: none; counter-reset: step; }
.plan > li { position: relative; padding: 8px 0 8px 36px; border-top: 1px solid #edf0f3; counter-increment: step; }
.plan > li:first-child { border-top: 0; }
.plan > li::before { content: counter(step); position: absolute; left: 0; top: 9px; width: 24px; height: 24px;
  border-radius: 50%; background: var(--accent); color: #fff; font-size: 13px; font-weight: 700; text-align: center;
  line-height: 24px; }
.plan .cover { font-weight: 600; }
.plan dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 4px 0 0; font-size: 14px; }
.plan dt { color: var(--muted); }
.plan dd { margin: 0; }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; font-size: 14px; }

.requisitions { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
.requisitions h3 { margin-bottom: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid #e4e9ef; }
thead th { background: #eef2f7; color: #243b53; font-size: 13px; font-weight: 700; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.second td { background: #f2f7ff; }
tr.second td:first-child { box-shadow: inset 4px 0 0 #2f6fde; }
.ranking td ul { margin: 0; padding-left: 18px; }
.table-wide { overflow-x: auto; }
.score { display: inline-flex; align-items: center; gap: 8px; font-variant-numeric: tabular-nums; }
.score .track { position: relative; width: 90px; height: 8px; background: #edf0f3; border-radius: 4px; }
.score .track::after { content: ""; position: absolute; left: 50%; top: -2px; bottom: -2px; width: 1px; background: #9aa5b1; }
.score .fill { position: absolute; top: 0; bottom: 0; border-radius: 4px; }
.score .fill.up { background: #3f9d62; } .score .fill.down { background: #b9484a; }

.table-scroll { max-height: 78vh; overflow: auto; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
.notes-table thead th { position: sticky; top: 0; z-index: 1; box-shadow: 0 1px 0 var(--line); }
.notes-table th button { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
.notes-table th button:focus-visible { outline: 3px solid #4c8bf5; outline-offset: 2px; }
.notes-table th button::after { content: "\\2195"; color: #9aa5b1; font-size: 12px; }
.notes-table th[aria-sort=ascending] button::after { content: "\\25B2"; color: #243b53; font-size: 10px; }
.notes-table th[aria-sort=descending] button::after { content: "\\25BC"; color: #243b53; font-size: 10px; }
.notes-table tbody tr:nth-child(even) td { background: #fafbfc; }
.notes-table tbody tr:hover td { background: #f2f7ff; }
.notes-table tr.errored td { background: #fff6f6; }
.notes-table td.evidence { min-width: 240px; width: 34%; }
.notes-table .badge { white-space: normal; }
.notes-table td.labels { min-width: 196px; }
.notes-table td.evidence p { margin: 0 0 4px; }
.notes-table td .chip { margin: 0 3px 3px 0; }
.notes-table td.status { min-width: 140px; max-width: 240px; }
.notes-table .error-text { display: block; color: #8a1c1c; margin-top: 3px; font-size: 13px; }
.recs-cell { white-space: nowrap; }
.recs-cell span.k { color: var(--muted); font-size: 12px; display: inline-block; width: 44px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
footer { color: var(--muted); font-size: 13px; padding: 10px 0 40px; }

@media (max-width: 760px) {
  .charts { grid-template-columns: 1fr; }
  .cards { grid-template-columns: minmax(0, 1fr); }
  .card { padding: 14px; }
  .card-head { flex-wrap: wrap; }
  .controls .count { margin-left: 0; }
}
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { background: #fff; font-size: 11pt; }
  nav.sections, .controls { display: none; }
  header.page { background: #fff; color: var(--ink); padding: 0 0 12px; border-bottom: 2px solid var(--ink); }
  header.page .meta, header.page .caveat, .stats span { color: var(--ink); }
  header.page .meta b, .stats li.warn b { color: var(--ink); }
  .stats li { border-color: #9aa5b1; }
  .cards { display: block; }
  .card { content-visibility: visible; break-inside: avoid; margin-bottom: 12px; }
  .charts, .box, .requisitions > div { break-inside: avoid; }
  .table-scroll { max-height: none; overflow: visible; border: 0; }
  .notes-table thead th { position: static; }
  .notes-table th button::after { content: none; }
  tr { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .notes-table { font-size: 9pt; }
  .notes-table td.labels, .notes-table td.evidence { min-width: 0; }
  .notes-table .chip { white-space: normal; border-radius: 6px; }
}
"""

_SCRIPT = """
(function () {
  "use strict";
  var collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
  function each(list, callback) { Array.prototype.forEach.call(list, callback); }

  function sortKey(row, column) {
    var cell = row.cells[column];
    if (!cell) { return ""; }
    var key = cell.getAttribute("data-key");
    return key !== null ? key : cell.textContent.trim();
  }
  function compareKeys(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return collator.compare(a, b);
  }
  function sortTable(table, column, ascending) {
    var body = table.tBodies[0];
    var items = Array.prototype.map.call(body.rows, function (row, index) {
      return {row: row, key: sortKey(row, column), index: index};
    });
    items.sort(function (p, q) {
      var order = compareKeys(p.key, q.key);
      return (ascending ? order : -order) || p.index - q.index;
    });
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
    each(table.tHead.rows[0].cells, function (th, index) {
      if (th.querySelector("button")) {
        th.setAttribute("aria-sort", index === column ? (ascending ? "ascending" : "descending") : "none");
      }
    });
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    each(table.tHead.rows[0].cells, function (th, column) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        sortTable(table, column, th.getAttribute("aria-sort") !== "ascending");
      });
    });
  });

  function hasTag(element, tag) {
    return !tag || (" " + element.getAttribute("data-tags") + " ").indexOf(" " + tag + " ") >= 0;
  }
  function debounce(callback) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(callback, 120); };
  }
  function filterer(items, text, select, count, noun, textOf) {
    var apply = function () {
      var query = text.value.trim().toLowerCase(), tag = select.value, shown = 0;
      items.forEach(function (item) {
        if (item._text === undefined) { item._text = textOf(item).toLowerCase(); }
        var visible = hasTag(item, tag) && (!query || item._text.indexOf(query) >= 0);
        item.hidden = !visible;
        shown += visible ? 1 : 0;
      });
      count.textContent = "Showing " + shown + " of " + items.length + " " + noun;
    };
    text.addEventListener("input", debounce(apply));
    select.addEventListener("change", apply);
    apply();
  }
  var notes = document.getElementById("notes-table");
  if (notes) {
    filterer(Array.prototype.slice.call(notes.tBodies[0].rows), document.getElementById("notes-filter"),
             document.getElementById("notes-show"), document.getElementById("notes-count"), "notes",
             function (row) { return row.textContent; });
  }
  var cards = document.querySelectorAll(".cards > .card");
  if (cards.length) {
    filterer(Array.prototype.slice.call(cards), document.getElementById("cards-filter"),
             document.getElementById("cards-show"), document.getElementById("cards-count"), "candidates",
             function (card) { return card.getAttribute("data-search"); });
  }
})();
"""


def _label_chart(tally):
    """Inline SVG: a horizontal bar per category, with its name and count always in text."""
    items = list(tally["labels"].items())
    analysed = tally["analysed"]
    width, name_width, row_height, top = 660, 230, 44, 6
    bar_room = width - name_width - 110
    largest = max([count for _, count in items] + [1])
    height = top + row_height * len(items) + 6
    described = "; ".join(f"{label_name(label)}: {count} notes" for label, count in items)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="mix-title mix-desc">',
             '<title id="mix-title">Notes per category</title>',
             f'<desc id="mix-desc">{_e(described)}</desc>']
    for index, (label, count) in enumerate(items):
        y = top + index * row_height
        known = label in LABELS or label == CLEAR
        length = bar_room * count / largest
        hint = LABEL_SOURCES.get(label, "nothing calls for another round" if label == CLEAR else "")
        parts.append(f'<text class="name" x="{name_width - 12}" y="{y + 18}" text-anchor="end">{_e(label_name(label))}</text>')
        if hint:
            parts.append(f'<text class="hint" x="{name_width - 12}" y="{y + 33}" text-anchor="end">{_e(hint)}</text>')
        parts.append(f'<rect class="fill-{label if known else "other"}" x="{name_width}" y="{y + 8}" '
                     f'width="{max(length, 2 if count else 0):.1f}" height="{row_height - 18}" rx="4"></rect>')
        parts.append(f'<text class="value" x="{name_width + length + 8:.1f}" y="{y + 27}">{count}'
                     f'<tspan class="hint" dx="6">{_percent(count, analysed)}</tspan></text>')
    parts.append(f'<line class="axis" x1="{name_width}" x2="{name_width}" y1="{top}" y2="{height - 6}"></line>')
    parts.append("</svg>")
    return "".join(parts)


_DARK_FILLS = {"strong_no", "strong_yes", "advance", "decline"}


def _stacked_bar(ident, title, segments, *, height=30, show_zero=True):
    """Inline SVG: one bar split into segments, plus a legend that names every segment with its count.

    ``segments`` is a list of (css key, name, count).
    """
    total = sum(count for _, _, count in segments)
    width = 600
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" height="{height}" preserveAspectRatio="none" '
             f'role="img" aria-labelledby="{ident}">',
             f'<title id="{ident}">{_e(title)}: '
             + _e(", ".join(f"{name} {count}" for _, name, count in segments)) + "</title>"]
    x = 0.0
    if not total:
        parts.append(f'<rect class="fill-none" x="0" y="0" width="{width}" height="{height}" rx="5"></rect>')
    for key, name, count in segments:
        if not count:
            continue
        length = width * count / total
        parts.append(f'<rect class="fill-{key}" x="{x:.2f}" y="0" width="{length:.2f}" height="{height}">'
                     f'<title>{_e(name)}: {count}</title></rect>')
        x += length
    parts.append("</svg>")
    legend = "".join(f'<li><span class="swatch fill-{key}" aria-hidden="true"></span>{_e(name)} <b>{count}</b></li>'
                     for key, name, count in segments if count or show_zero)
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'


def _chip(label):
    known = label in LABELS or label == CLEAR
    return f'<span class="chip {label if known else "other"}">{_e(label_name(label))}</span>'


def _rec(value):
    key = value or "none"
    return f'<span class="rec {_class(key, _RECOMMENDATION_KEYS)}">{_e(_recommendation_name(value))}</span>'


def _names(names):
    return _e(", ".join(str(name) for name in names or []) or "—")


def _score_bar(value):
    if not isinstance(value, (int, float)):
        return '<span class="muted">—</span>'
    share = min(abs(value), 1) * 50
    side = f"left:50%;width:{share:.0f}%" if value >= 0 else f"left:{50 - share:.0f}%;width:{share:.0f}%"
    return (f'<span class="score"><span class="track" aria-hidden="true"><span class="fill '
            f'{"up" if value >= 0 else "down"}" style="{side}"></span></span>{_score(value)}</span>')


def _card(index, panel, second_in_line):
    candidate, requisition = panel.get("candidate"), panel.get("requisition")
    conflict = panel.get("conflicting_reports") or {}
    has_conflict = bool(conflict.get("conflict"))
    decision = panel.get("decision") or "undecided"
    recheck = second_in_line.get((candidate, requisition))
    tags = [decision.replace(" ", "-")] + (["conflict"] if has_conflict else []) \
        + (["second"] if recheck is not None else [])
    people = [item.get("interviewer") for item in panel.get("recommendations") or []]
    search = " ".join(str(part) for part in [candidate, requisition, panel.get("role"), *people] if part)
    notes = panel.get("notes") or 0
    out = [f'<article class="card{" has-conflict" if has_conflict else ""}" id="panel-{index}" '
           f'data-tags="{_e(" ".join(tags))}" data-search="{_e(search)}" aria-labelledby="panel-{index}-name">',
           '<div class="card-head"><div>',
           f'<h3 id="panel-{index}-name">{_e(candidate)}</h3>',
           f'<p class="sub">{_e(panel.get("role") or "—")} · {_e(requisition or "—")} · '
           f'{notes} note{"" if notes == 1 else "s"} · outcome score {_score(panel.get("outcome_score"))}</p>',
           f'</div><span class="decision {_class(decision, DECISION_NAMES)}">{_e(_decision_name(decision))}</span></div>']
    badges = []
    if has_conflict:
        badges.append('<span class="badge conflict">⚠ Conflicting reports</span>')
    if recheck is not None:
        badges.append(f'<span class="badge second">★ Second in line · {_e(requisition)}</span>')
    if badges:
        out.append(f'<div class="badges">{"".join(badges)}</div>')

    spread = panel.get("spread") or {}
    out.append("<h4>Recommendations</h4>")
    out.append(_stacked_bar(f"panel-{index}-split", "Recommendation split",
                            [(key, _recommendation_name(key), spread.get(key) or 0) for key in _RECOMMENDATION_KEYS],
                            height=14, show_zero=False))
    items = []
    for item in panel.get("recommendations") or []:
        source = "stated" if item.get("source") == "stated" else "read from the text"
        items.append(f'<li>{_rec(item.get("recommendation"))}<span class="who">{_e(item.get("interviewer"))}</span>'
                     f'<span class="muted small">{source} · row {_e(item.get("row"))}</span></li>')
    if items:
        out.append(f'<ul class="split-list">{"".join(items)}</ul>')

    if has_conflict:
        points = "".join(f"<li>{_e(_point(point))}</li>" for point in conflict.get("points") or [])
        out.append('<div class="callout conflict" role="note"><h4>Conflicting reports</h4><dl class="sides">'
                   f'<dt>Yes</dt><dd>{_names(conflict.get("yes_side"))}</dd>'
                   f'<dt>No</dt><dd>{_names(conflict.get("no_side"))}</dd></dl>'
                   + (f'<div class="small"><b>Point of disagreement</b><ul>{points}</ul></div>' if points else "")
                   + "</div>")
    if recheck is not None:
        points = "".join(f"<li>{_e(_point(point))}</li>" for point in recheck) or "<li>—</li>"
        out.append(f'<div class="callout second" role="note"><h4>Second in line for {_e(requisition)}</h4>'
                   '<div class="small">Re-evaluate as the preferred candidate. The callback must re-check:'
                   f"<ul>{points}</ul></div></div>")

    out.append("<h4>Concerns</h4>")
    concerns = []
    for concern in panel.get("concerns") or []:
        mentions = "".join(f'<li><q>{_e(mention.get("text"))}</q> <span class="muted small">— '
                           f'{_e(mention.get("interviewer"))}, row {_e(mention.get("row"))}</span></li>'
                           for mention in concern.get("mentions") or [])
        concerns.append(f'<li>{_chip(concern.get("label"))}<span class="count">×{_e(concern.get("count") or 0)}</span>'
                        f'<span class="small">raised by {_names(concern.get("raised_by"))}</span>'
                        + (f'<ul class="quotes">{mentions}</ul>' if mentions else "") + "</li>")
    out.append(f'<ul class="concerns">{"".join(concerns)}</ul>' if concerns
               else '<p class="empty">No concerns raised.</p>')

    out.append("<h4>Next-round plan</h4>")
    plan = sorted(panel.get("next_round") or [], key=lambda item: item.get("priority") or 0)
    steps = []
    for item in plan:
        rows = _rows_text(item.get("rows"))
        possible = ' <span class="chip other">possible</span>' if item.get("kind") == "possible" else ""
        steps.append(f'<li>{_chip(item.get("label"))}{possible} <span class="cover">{_e(item.get("cover"))}</span><dl>'
                     f'<dt>Format</dt><dd>{_e(item.get("format") or "—")}</dd>'
                     f'<dt>In the room</dt><dd>{_e(item.get("who") or "—")}</dd>'
                     f'<dt>Raised by</dt><dd>{_names(item.get("raised_by"))}'
                     + (f' <span class="muted">· {_e(rows)}</span>' if rows else "")
                     + "</dd></dl></li>")
    out.append(f'<ol class="plan">{"".join(steps)}</ol>' if steps
               else '<p class="empty">No further round needed on these notes.</p>')
    out.append("</article>")
    return "".join(out)


def _ranking(requisition, anchors):
    name = requisition.get("requisition")
    rows = []
    for entry in requisition.get("ranking") or []:
        candidate, status = entry.get("candidate"), entry.get("status")
        anchor = anchors.get((candidate, name)) or anchors.get((candidate, None))
        shown = f'<a href="#{anchor}">{_e(candidate)}</a>' if anchor else _e(candidate)
        if status == "second in line":
            status_html = '<span class="badge second">★ Second in line</span>'
        elif status == "preferred":
            status_html = '<span class="badge preferred">Preferred</span>'
        else:
            status_html = _e(status) if status else '<span class="muted">—</span>'
        recheck = "".join(f"<li>{_e(_point(point))}</li>" for point in entry.get("recheck") or [])
        css = ' class="second"' if status == "second in line" else ""
        rows.append(f"<tr{css}>"
                    f'<td class="num">{_e(entry.get("rank"))}</td><td>{shown}</td>'
                    f'<td>{_score_bar(entry.get("outcome_score"))}</td><td>{status_html}</td>'
                    f'<td>{f"<ul>{recheck}</ul>" if recheck else "<span class=muted>—</span>"}</td></tr>')
    body = "".join(rows) or '<tr><td colspan="5" class="empty">No ranked candidates.</td></tr>'
    return (f'<div class="box"><h3>{_e(name)} <span class="muted">· {_e(requisition.get("role") or "—")}</span></h3>'
            '<div class="table-wide"><table class="ranking"><thead><tr><th scope="col" class="num">Rank</th><th scope="col">Candidate</th>'
            '<th scope="col">Outcome score</th><th scope="col">Status</th>'
            '<th scope="col">Callback must re-check</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div></div>")


_NUMERIC = ' class="num"'
_NOTE_COLUMNS = ("Row", "ID", "Candidate", "Interviewer", "Labels", "Recommendation", "Evidence", "Status")


def _note_row(row):
    """One <tr> of the notes table; `data-key` cells sort by a key other than their text."""
    errored = row["status"] == "error"
    tags = ["error"] if errored else (row["labels"] or [CLEAR])
    tags = [tag for tag in tags if re.fullmatch(r"[\w-]+", str(tag))]
    if row["mismatch"]:
        tags.append("mismatch")
    if row["flags"]:
        tags.append("flagged")
    if errored:
        labels = '<span class="muted">—</span>'
    else:
        labels = "".join(_chip(label) for label in row["labels"] or [CLEAR])
    effective = row["stated"] or row["inferred"]
    order = _RECOMMENDATION_KEYS.index(effective) if effective in _RECOMMENDATION_KEYS else len(_RECOMMENDATION_KEYS)
    recommendation = "" if errored and not effective else (
        f'<span class="k">stated</span>{_rec(row["stated"])}<br>'
        f'<span class="k">read</span>{_rec(row["inferred"])}'
        + ('<br><span class="badge mismatch" title="The stated recommendation differs from the one read '
           'from the text">≠ Mismatch</span>' if row["mismatch"] else ""))
    evidence = "".join(f'<p><span class="chip {label if label in LABELS else "other"}">{_e(label_name(label))}</span>'
                       f"<q>{_e(text)}</q></p>" for label, text in row["evidence"])
    if errored:
        status = f'<span class="badge error">Error</span><span class="error-text">{_e(row["error"])}</span>'
    else:
        status = '<span class="muted">OK</span>'
    status += "".join(f'<br><span class="badge flag">⚑ {_e(_flag_name(flag))}</span>' for flag in row["flags"])
    row_key = row["row"] if isinstance(row["row"], (int, float)) else ""
    css = ' class="errored"' if errored else ""
    return (f'<tr{css} data-tags="{_e(" ".join(tags))}">'
            f'<td class="num" data-key="{_e(row_key)}">{_e(row["row"])}</td>'
            f'<td class="mono">{_e(row["id"])}</td><td>{_e(row["candidate"])}</td><td>{_e(row["interviewer"])}</td>'
            f'<td class="labels" data-key="{"~" if errored else _e(" ".join(row["labels"]) or "~clear")}">{labels}</td>'
            f'<td class="recs-cell" data-key="{order}">{recommendation}</td>'
            f'<td class="evidence">{evidence or "<span class=muted>—</span>"}</td>'
            f'<td class="status" data-key="{"0" if errored else "2"}{"1" if row["flags"] else "9"}">{status}</td></tr>')


def render_html(notes, panels, requisitions, summary):
    """A batch as one self-contained HTML page: summary, category chart, candidate cards,
    requisition rankings and a sortable, filterable table of every note.

    The page loads nothing from the network: its style and script are inline, and its
    Content-Security-Policy allows only that script. ``notes`` may be a generator; it is read once.

    >>> page = render_html([], [], [], {"rows": 0, "analysed": 0, "errored": 0})
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    batch = _batch(notes, panels, requisitions, summary)
    rows, tally, panels, requisitions = batch["rows"], batch["tally"], batch["panels"], batch["requisitions"]
    second_in_line, conflicts, source = batch["second_in_line"], batch["conflicts"], batch["source"]
    anchors = {}
    for index, panel in enumerate(panels):
        anchors.setdefault((panel.get("candidate"), panel.get("requisition")), f"panel-{index}")
        anchors.setdefault((panel.get("candidate"), None), f"panel-{index}")

    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:"
    errored = batch["errored"]
    stats = [(batch["read"], "rows read", ""),
             (batch["analysed"], "analysed", ""),
             (errored, "errored", " class=\"warn\"" if errored else ""),
             (len(panels), "candidates", ""),
             (conflicts, "with conflicting reports", " class=\"warn\"" if conflicts else ""),
             (tally["flagged"], "notes flagged for review", " class=\"warn\"" if tally["flagged"] else "")]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Callback report · {_e(source)}</title>", f"<style>{_STYLE}</style></head><body>",
           '<header class="page"><div class="wrap"><h1>Callback report</h1>',
           f'<p class="meta">Source <b>{_e(source)}</b> · model <b>{_e(batch["model"])}</b> · generated '
           f'<b><time datetime="{_e(batch["generated"] or "")}">{_e(_when(batch["generated"]))}</time></b></p>',
           '<ul class="stats">' + "".join(f"<li{css}><b>{_e(value)}</b><span>{label}</span></li>"
                                         for value, label, css in stats) + "</ul>",
           '<p class="caveat">Decision support for the hiring team, never a reason to reject anyone automatically.</p>',
           "</div></header>",
           '<nav class="sections" aria-label="Sections"><div class="wrap"><ul>'
           '<li><a href="#overview">Overview</a></li>'
           f'<li><a href="#candidates">Candidates ({len(panels)})</a></li>'
           f'<li><a href="#requisitions">Requisitions ({len(requisitions)})</a></li>'
           f'<li><a href="#notes">Notes ({len(rows)})</a></li></ul></div></nav>',
           '<main class="wrap">']

    recommendations = [(key, _recommendation_name(key), count) for key, count in tally["recommendations"].items()]
    decisions = {}
    for panel in panels:
        decision = panel.get("decision") or "undecided"
        decisions[decision] = decisions.get(decision, 0) + 1
    decision_segments = [(_class(key, DECISION_NAMES), _decision_name(key), decisions.get(key, 0))
                         for key in DECISION_NAMES]
    decision_segments += [("other", _decision_name(key), count) for key, count in decisions.items()
                          if key not in DECISION_NAMES]
    out.append('<section id="overview" aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2>'
               '<div class="charts"><div class="box"><h3>Category mix</h3>'
               f'<p class="note muted small">Notes per category over the {tally["analysed"]} notes analysed; '
               'a note may carry several.</p>'
               + _label_chart(tally) + '</div><div class="box"><h3>Recommendations</h3>'
               '<p class="note muted small">Per note: the stated recommendation, else the one read from the text.'
               + (f' {tally["mismatch"]} {"note states" if tally["mismatch"] == 1 else "notes state"} one that differs from the text.'
                  if tally["mismatch"] else "") + "</p>"
               + _stacked_bar("recommendation-mix", "Recommendations", recommendations)
               + '<h3 class="next">Decisions</h3><p class="note muted small">Per candidate panel.</p>'
               + _stacked_bar("decision-mix", "Decisions", decision_segments)
               + "</div></div></section>")

    out.append('<section id="candidates" aria-labelledby="candidates-title">'
               '<h2 id="candidates-title">Candidates</h2>')
    if panels:
        out.append('<div class="controls"><label for="cards-filter">Find a candidate</label>'
                   '<input type="search" id="cards-filter" placeholder="Candidate, role, requisition, interviewer">'
                   '<label for="cards-show">Show</label><select id="cards-show">'
                   '<option value="">All candidates</option><option value="conflict">Conflicting reports</option>'
                   '<option value="second">Second in line</option>'
                   + "".join(f'<option value="{key.replace(" ", "-")}">{name}</option>'
                             for key, name in DECISION_NAMES.items())
                   + '</select><span class="count" id="cards-count" aria-live="polite"></span></div>')
        out.append('<div class="cards">' + "".join(_card(index, panel, second_in_line)
                                                   for index, panel in enumerate(panels)) + "</div>")
    else:
        out.append('<p class="empty">No candidate panels in this batch.</p>')
    out.append("</section>")

    out.append('<section id="requisitions" aria-labelledby="requisitions-title">'
               '<h2 id="requisitions-title">Requisitions</h2><div class="requisitions">'
               + ("".join(_ranking(requisition, anchors) for requisition in requisitions)
                  or '<p class="empty">No requisitions in this batch.</p>') + "</div></section>")

    headers = "".join(f'<th scope="col" aria-sort="none"{_NUMERIC if name == "Row" else ""}>'
                      f'<button type="button">{name}</button></th>' for name in _NOTE_COLUMNS)
    # Every label the tally met, a team's own categories included, in the chart's order.
    shows = [("", "All notes"), *[(label, label_name(label)) for label in tally["labels"] if label != CLEAR],
             (CLEAR, "Clear"),
             ("error", "Errors"), ("mismatch", "Recommendation mismatch"), ("flagged", "Flagged for review")]
    out.append('<section id="notes" aria-labelledby="notes-title"><h2 id="notes-title">All notes</h2>'
               '<div class="controls"><label for="notes-filter">Filter</label>'
               '<input type="search" id="notes-filter" placeholder="Any text: candidate, interviewer, evidence…">'
               '<label for="notes-show">Show</label><select id="notes-show">'
               + "".join(f'<option value="{value}">{_e(name)}</option>' for value, name in shows)
               + '</select><span class="count" id="notes-count" aria-live="polite"></span></div>'
               '<div class="table-scroll"><table class="notes-table sortable" id="notes-table">'
               '<caption class="visually-hidden">Every note in the batch; select a column header to sort.</caption>'
               f"<thead><tr>{headers}</tr></thead><tbody>"
               + "".join(_note_row(row) for row in rows)
               + "</tbody></table></div>"
               + ("" if rows else '<p class="empty">No notes in this batch.</p>') + "</section>")

    out.append(f'</main><footer class="wrap">Generated from {_e(source)} with model {_e(batch["model"])}.'
               " Labels come from the interviewers' own words; read the evidence before acting on them.</footer>")
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"
