"""How much of what annotators said the next round must cover do the plans name?

For each note of a corpus split, the shipped model analyses the text and the planner builds
the note's plan. An annotated topic (per label) or follow-up counts as named when the plan
quotes it: the phrase appears within the text of one of the plan's items. Topics are counted
over all annotated labels, so a label the model misses costs its topics.

    python scripts/plan_coverage.py [--split test] [--model DIR] [--json PATH]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.corpus import read_records  # noqa: E402
from analyzer.model import load_model  # noqa: E402
from analyzer.summary import plan_for_analysis  # noqa: E402


def quoted_texts(plan):
    return [detail["text"] for item in plan for detail in item["details"]]


def coverage(records, model):
    topics = named_topics = topics_of_raised = named_of_raised = 0
    followups = named_followups = items = 0
    analyses = model.analyze_many([record["text"] for record in records])
    for record, analysis in zip(records, analyses):
        plan = plan_for_analysis(record["text"], analysis)
        items += len(plan)
        by_label = {item["label"]: quoted_texts([item]) for item in plan if item["kind"] in ("concern", "possible")}
        everything = quoted_texts(plan)
        for label, phrases in record["topics"].items():
            for phrase in phrases:
                topics += 1
                hit = any(phrase in text for text in by_label.get(label, []))
                named_topics += hit
                if label in analysis.labels:
                    topics_of_raised += 1
                    named_of_raised += hit
        for phrase in record["followups"]:
            followups += 1
            named_followups += any(phrase in text for text in everything)
    return {
        "notes": len(records),
        "plan_items": items,
        "topics": topics, "topics_named": named_topics,
        "topics_of_raised_labels": topics_of_raised, "topics_of_raised_labels_named": named_of_raised,
        "followups": followups, "followups_named": named_followups,
        "named_rate": round((named_topics + named_followups) / max(topics + followups, 1), 4),
        "topic_rate": round(named_topics / max(topics, 1), 4),
        "topic_rate_given_label": round(named_of_raised / max(topics_of_raised, 1), 4),
        "followup_rate": round(named_followups / max(followups, 1), 4),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    result = coverage(list(read_records(split=args.split)), load_model(args.model))
    print(f"{args.split} split, {result['notes']} notes, {result['plan_items']} plan items")
    print(f"topics named:    {result['topics_named']}/{result['topics']} ({result['topic_rate']:.1%}); "
          f"for labels the model raised: {result['topic_rate_given_label']:.1%}")
    print(f"follow-ups named: {result['followups_named']}/{result['followups']} ({result['followup_rate']:.1%})")
    print(f"together:        {result['named_rate']:.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
