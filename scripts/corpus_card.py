"""Write the corpus data card, corpus/README.md, from the corpus and the agreement rounds.

    python scripts/corpus_card.py

Every number in the card comes from this script; edit the prose here, not the card.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.agreement import agreement  # noqa: E402
from analyzer.corpus import fingerprint, read_records  # noqa: E402
from analyzer.corpus_stats import corpus_statistics, near_duplicate_pairs  # noqa: E402
from analyzer.labels import LABELS  # noqa: E402

CORPUS = ROOT / "corpus"
ANNOTATION = CORPUS / "annotation"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def read_annotations(path):
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            labels[item["id"]] = set(item["labels"])
    return labels


ROUND_DESCRIPTIONS = {
    "round1": "with the first guidelines",
    "round2": "after the guideline fixes of round 1",
    "round3": "on fourteen writer slices added later (d3–d8, e1–e8), against their own writers' labels",
    "round4": "on the six writer slices f1–f6, written to the hardest boundaries",
    "round5": "on the sixteen writer slices g1–g8 and h1–h8, new industries and messier formats",
    "round6": "on the eight writer slices i1–i8: trades, public service, sales, data outside tech, care, law, creative and hospitality, operations",
    "round7": "on the eight writer slices (j1–j8): schools, built environment, finance, retail and contact centres, software, executives and graduates, science and clinicians, hourly work",
    "round8": "on the seven writer slices added last (k1, k2, k4–k8): public safety and justice, land and animals, writers whose first language is not English, allied health and care, startups, transport and logistics, professional services",
    "round9": "on the four writer slices l1–l4: media and culture, frontline trades where gaps are waved through in a few words, science and engineering outside software, office and corporate functions",
}


def agreement_section(records):
    rounds = sorted(ANNOTATION.glob("round*_second_annotator.jsonl")) if ANNOTATION.exists() else []
    if not rounds:
        return "No double annotation recorded yet."
    parts = []
    for path in rounds:
        # The corpus labels as they stood when the sample was drawn, before adjudication.
        first = read_annotations(path.with_name(path.name.replace("second", "first")))
        result = agreement(first, read_annotations(path))
        rows = [(label, result["labels"][label]["kappa"], f"{result['labels'][label]['agreement']:.1%}",
                 len(result["labels"][label]["disagreements"])) for label in LABELS]
        name = path.stem.split("_")[0]
        when = ROUND_DESCRIPTIONS.get(name, "")
        parts.append(f"**{name}**, {when} ({result['notes']} notes; corpus labels before adjudication in "
                     f"`{path.name.replace('second', 'first')}`, second annotator in `{path.name}`):\n\n"
                     + table(["label", "Cohen's κ", "raw agreement", "disagreements"], rows))
    return "\n\n".join(parts)


def main():
    records = list(read_records(CORPUS))
    stats = corpus_statistics(records)
    near_duplicates = near_duplicate_pairs(records)
    n = stats["notes"]
    label_rows = [(label, stats["labels"][label], f"{stats['labels'][label] / n:.1%}",
                   *[stats["splits"][s]["labels"][label] for s in ("train", "dev", "test")]) for label in LABELS]
    label_rows.append(("clear (no label)", stats["clear"], f"{stats['clear'] / n:.1%}",
                       *[stats["splits"][s]["clear"] for s in ("train", "dev", "test")]))
    adjudication = (ANNOTATION / "ADJUDICATION.md")
    card = f"""# Data card: interview-note callback corpus

`notes.jsonl` holds {n} interviewers' notes about job candidates, each labelled with the
callback categories of the project's label contract (`skill_gap`, `fit_doubt`, `arrogance`,
`alternate_role`; none = clear), the interviewer's recommendation, the topics the next
round must cover and the follow-ups the interviewer left open. How to label is in
[`GUIDELINES.md`](GUIDELINES.md). This card is written by `python scripts/corpus_card.py`;
every figure below comes from the files.

Corpus fingerprint (sha256 over the `.jsonl` files): `{fingerprint(CORPUS)}`

## Provenance
- Written by the project team for this project, one note at a time, in the voice of many
  different interviewers: industries, seniorities, interview stages, formats (prose, bullets,
  Pros/Cons, scorecards, one-liners, hurried shorthand), British and American spelling, and
  writers whose first language is not English. No templates or generator scripts produced
  note text.
- No real candidates, interviewers, employers or notes: every name and employer is invented,
  and no text was copied from real notes or the web.
- Each batch was reviewed against the label contract before it went in; a sample was labelled
  a second time by an independent annotator who saw only the text and the guidelines (below).

## Intended use
- Training and evaluating callback-analyzer's classifier and next-round planner.
- Research on reading interview feedback: negation, hedging, panels that disagree.
- Not for judging real people, and not a picture of how often these concerns occur in real
  hiring: the label mix is deliberately rich in concerns and hard cases.

## Record fields
`id`, `text`, `labels`, `recommendation` (`strong_no`, `no`, `yes`, `strong_yes` or null),
`topics` (label → 1–3 phrases), `followups`, `flags` (`protected_characteristic`),
`kind` (`plain`, `negation`, `hedge`, `mixed`), `format`, `role`, `seniority`, `industry`,
`stage`, `candidate`, `interviewer`, `requisition`, `split`.

## Statistics

### Labels, per split
{table(["label", "notes", "share", "train", "dev", "test"], label_rows)}

Notes with two or more labels: {stats['multi_label']}.

Co-occurrence (notes carrying both):

{table(["", *LABELS], [(a, *[stats['co_occurrence'][a][b] for b in LABELS]) for a in LABELS])}

### Kinds (hard cases)
{table(["kind", "notes"], stats["kinds"].items())}

### Formats
{table(["format", "notes"], stats["formats"].items())}

### Recommendations
{table(["recommendation", "notes"], stats["recommendations"].items())}

### Industries ({len(stats['industries'])}) and roles ({stats['roles']} distinct)
{table(["industry", "notes"], stats["industries"].items())}

### Seniority and stage
{table(["seniority", "notes"], stats["seniority"].items())}

{table(["stage", "notes"], stats["stages"].items())}

### Lengths (words)
Minimum {stats['length']['min']}, median {stats['length']['median']}, maximum {stats['length']['max']};
{stats['length']['under_10']} notes under 10 words, {stats['length']['over_200']} over 200.

### Panels and openings
- {stats['candidates']} candidates; {stats['panels_2_to_5']} with 2–5 notes from different interviewers;
  {stats['single_note_candidates']} with a single note.
- {stats['conflicting_panels']} panels with conflicting recommendations (a yes side and a no side).
- {stats['requisitions']} requisitions, {stats['requisitions_3_plus']} of them with three or more candidates.
- {stats['with_followups']} notes name follow-ups the interviewer left open.

### Protected characteristics
{stats['protected_characteristic']} notes mention something no hiring note should weigh (age, family,
pregnancy, religion, nationality, accent, disability…), flagged `protected_characteristic`:
{", ".join(f"{k} {v}" for k, v in stats['protected_by_label'].items())}.

### Splits
Fixed, grouped by candidate (no candidate in two splits: {stats['candidates_in_several_splits']} violations) and
stratified by label by `scripts/assign_splits.py`:
{table(["split", "notes", "share"], [(s, row["notes"], f"{row['share']:.1%}") for s, row in stats["splits"].items()])}

### Diversity checks
- Exact duplicates: {stats['exact_duplicates']}. Pairs with word-5-gram Jaccard over 0.5: {len(near_duplicates)}.
- Most notes sharing one four-word opening: {stats['max_opening_repeats']}.
- Share of each label's notes that name the label outright ("arrogant", "cocky", "culture fit",
  "skill gap", "another role"…): {", ".join(f"{k} {v:.1%}" for k, v in stats['label_name_share'].items())}.

## Double annotation and agreement
{agreement_section(records)}

{"Adjudication and the guideline fixes it led to: [`annotation/ADJUDICATION.md`](annotation/ADJUDICATION.md)." if adjudication.exists() else ""}

## Known gaps
- Written by one team: however varied the personas, the notes share habits of phrasing that
  real interviewers would not. The hidden evaluation set, written by other hands, measures
  how far a model trained here carries.
- English only. Notes in other languages are out of scope.
- Label prevalence is far higher than in real exports, where most notes are clear.
- Recommendations are the interviewer's words, not outcomes: there is no hire/no-hire ground truth.
- Protected-characteristic mentions are flagged for review but never used as labels; the flag
  covers explicit mentions, not proxies (school names, postcodes, gaps in employment).
"""
    (CORPUS / "README.md").write_text(card, encoding="utf-8")
    print(f"wrote {CORPUS / 'README.md'}")


if __name__ == "__main__":
    main()
