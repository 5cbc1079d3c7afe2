"""How much labelling buys: train on random subsets of the training notes, score on the test split.

    python scripts/learning_curve.py [--sizes 250,500,1000,2000,all] [--seeds 1,2] [--output-dir docs]

Writes ``learning_curve.json`` (per size and seed: macro-F1 and per-label F1 on the test
split) and ``learning_curve.svg`` (a line chart of the same) into the output directory.
For each seed the notes are shuffled once and each size takes the first notes of that
order, so a larger subset holds every note of a smaller one: the curve shows what more
notes add, not the luck of a new draw. The full set is trained once; a seed changes nothing
there. Training uses ``TrainingSettings(folds=5)``, as the shipped model does.
"""

import argparse
import json
import math
import random
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.labels import LABELS  # noqa: E402

ALL = "all"
DEFAULT_SIZES = "250,500,1000,2000,all"
DEFAULT_SEEDS = "1,2"
LABEL_COLOURS = {"skill_gap": "#1b9e77", "fit_doubt": "#d95f02", "arrogance": "#7570b3",
                 "alternate_role": "#e7298a"}
MACRO_COLOUR = "#222222"


def parse_sizes(text, available):
    """``"250,500,all"`` → sorted distinct sizes; ``all`` and sizes beyond the corpus mean every note."""
    sizes = set()
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        size = available if part == ALL else int(part)
        if size <= 0:
            raise ValueError(f"--sizes: {part!r} is not a positive number of notes")
        sizes.add(min(size, available))
    return sorted(sizes)


def parse_seeds(text):
    return [int(part) for part in text.split(",") if part.strip()]


def learning_curve(records, sizes, seeds, *, progress=None):
    """Train and score one model per (size, seed); the full set once. Returns a list of runs."""
    from analyzer.model import TrainingSettings, train
    from analyzer.training import evaluate_model

    settings = TrainingSettings(folds=5)
    report = progress or (lambda message: None)
    orders = {seed: random.Random(seed).sample(records, len(records)) for seed in seeds}
    runs = []
    for size in sizes:
        for seed in (seeds if size < len(records) else [None]):
            subset = records if seed is None else orders[seed][:size]
            started = time.perf_counter()
            report(f"size {size}, seed {seed if seed is not None else '-'}: training")
            model = train(subset, settings)
            metrics = evaluate_model(model)
            run = {"size": size, "seed": seed, "macro_f1": metrics["macro_f1"],
                   "per_label_f1": {label: metrics["per_label"][label]["f1"] for label in LABELS},
                   "seconds": round(time.perf_counter() - started, 1)}
            report(f"size {size}, seed {seed if seed is not None else '-'}: macro-F1 {run['macro_f1']:.3f} "
                   f"({run['seconds']:.0f} s)")
            runs.append(run)
    return runs, settings


def summarise(runs):
    """Per size: the mean macro-F1 and per-label F1 over seeds, and each seed's macro-F1."""
    summary = []
    for size in sorted({run["size"] for run in runs}):
        at_size = [run for run in runs if run["size"] == size]
        summary.append({
            "size": size,
            "macro_f1_mean": round(statistics.mean(run["macro_f1"] for run in at_size), 4),
            "macro_f1_by_seed": {str(run["seed"]) if run["seed"] is not None else ALL: run["macro_f1"]
                                 for run in at_size},
            "per_label_f1_mean": {label: round(statistics.mean(run["per_label_f1"][label] for run in at_size), 4)
                                  for label in LABELS},
        })
    return summary


# -- the chart ---------------------------------------------------------------------------
WIDTH, HEIGHT = 780, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 200, 30, 60


def _y_range(values):
    """Bounds on a 0.05 grid around the values, so the ticks fall on round numbers."""
    low = math.floor(min(values) / 0.05) * 0.05
    high = math.ceil(max(values) / 0.05) * 0.05
    return max(0.0, low), min(1.0, high if high > low else low + 0.05)


def render_svg(summary, runs, available=None):
    """A line chart: macro-F1 per size (thick, with each seed's point), each label's F1 (thin), a legend.

    The x axis is logarithmic, because each size roughly doubles the one before; the size
    equal to ``available`` is marked "(all)".
    """
    sizes = [row["size"] for row in summary]
    drawn = [run["macro_f1"] for run in runs] + [row["per_label_f1_mean"][label] for row in summary for label in LABELS]
    y_low, y_high = _y_range(drawn + [row["macro_f1_mean"] for row in summary])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x_low, x_high = math.log(min(sizes)), math.log(max(sizes))

    def x(size):
        if x_high == x_low:
            return LEFT + plot_width / 2
        return LEFT + (math.log(size) - x_low) / (x_high - x_low) * plot_width

    def y(value):
        return TOP + (y_high - value) / (y_high - y_low) * plot_height

    def polyline(points, colour, width):
        coordinates = " ".join(f"{x(size):.1f},{y(value):.1f}" for size, value in points)
        return (f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="{width}"'
                ' stroke-linejoin="round"/>')

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<title>Learning curve: macro-F1 on the test split by number of training notes</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # Grid and y ticks every 0.05.
    steps = round((y_high - y_low) / 0.05)
    for step in range(steps + 1):
        value = y_low + step * 0.05
        parts.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{LEFT + plot_width}" y2="{y(value):.1f}" '
                     'stroke="#e6e6e6" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#444">{value:.2f}</text>')
    for size in sizes:
        parts.append(f'<line x1="{x(size):.1f}" y1="{TOP + plot_height}" x2="{x(size):.1f}" '
                     f'y2="{TOP + plot_height + 5}" stroke="#444" stroke-width="1"/>')
        parts.append(f'<text x="{x(size):.1f}" y="{TOP + plot_height + 19}" text-anchor="middle" '
                     f'fill="#444">{size:,}{" (all)" if size == available else ""}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{LEFT + plot_width}" y2="{TOP + plot_height}" '
                 'stroke="#444" stroke-width="1"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_height}" stroke="#444" stroke-width="1"/>')
    parts.append(f'<text x="{LEFT + plot_width / 2:.1f}" y="{HEIGHT - 16}" text-anchor="middle" '
                 'font-size="13" fill="#222">training notes</text>')
    parts.append(f'<text transform="translate(18 {TOP + plot_height / 2:.1f}) rotate(-90)" text-anchor="middle" '
                 'font-size="13" fill="#222">macro-F1 on the test split</text>')

    for label in LABELS:
        points = [(row["size"], row["per_label_f1_mean"][label]) for row in summary]
        parts.append(polyline(points, LABEL_COLOURS.get(label, "#888"), 1.2))
    parts.append(polyline([(row["size"], row["macro_f1_mean"]) for row in summary], MACRO_COLOUR, 2.5))
    for run in runs:
        parts.append(f'<circle cx="{x(run["size"]):.1f}" cy="{y(run["macro_f1"]):.1f}" r="3.5" fill="#ffffff" '
                     f'stroke="{MACRO_COLOUR}" stroke-width="1.5"/>')

    legend_x, legend_y = LEFT + plot_width + 20, TOP + 10
    entries = [("macro-F1, mean of seeds", MACRO_COLOUR, 2.5),
               *((f"{label} F1", LABEL_COLOURS.get(label, "#888"), 1.2) for label in LABELS)]
    for row, (name, colour, width) in enumerate(entries):
        top = legend_y + row * 20
        parts.append(f'<line x1="{legend_x}" y1="{top}" x2="{legend_x + 24}" y2="{top}" stroke="{colour}" '
                     f'stroke-width="{width}"/>')
        parts.append(f'<text x="{legend_x + 30}" y="{top + 4}" fill="#222">{escape(name)}</text>')
    top = legend_y + len(entries) * 20
    parts.append(f'<circle cx="{legend_x + 12}" cy="{top}" r="3.5" fill="#ffffff" stroke="{MACRO_COLOUR}" '
                 'stroke-width="1.5"/>')
    parts.append(f'<text x="{legend_x + 30}" y="{top + 4}" fill="#222">macro-F1, one seed</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated numbers of training notes; 'all' for every note "
                             f"(default: {DEFAULT_SIZES})")
    parser.add_argument("--seeds", default=DEFAULT_SEEDS,
                        help=f"comma-separated seeds for drawing the subsets (default: {DEFAULT_SEEDS})")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "docs",
                        help="where to write learning_curve.json and learning_curve.svg (default: docs/)")
    args = parser.parse_args()
    from analyzer.corpus import fingerprint
    from analyzer.training import TRAINING_SPLITS, training_records

    records = training_records()
    sizes, seeds = parse_sizes(args.sizes, len(records)), parse_seeds(args.seeds)
    if not seeds:
        parser.error("--seeds: give at least one seed")

    def progress(message):
        print(message, file=sys.stderr, flush=True)

    runs, settings = learning_curve(records, sizes, seeds, progress=progress)
    summary = summarise(runs)
    result = {"corpus_fingerprint": fingerprint(), "trained_on_splits": list(TRAINING_SPLITS),
              "scored_on_split": "test", "available_notes": len(records), "sizes": sizes, "seeds": seeds,
              "settings": asdict(settings), "summary": summary, "runs": runs}
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "learning_curve.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.output_dir / "learning_curve.svg").write_text(render_svg(summary, runs, len(records)))
    progress(f"wrote {args.output_dir / 'learning_curve.json'} and {args.output_dir / 'learning_curve.svg'}")


if __name__ == "__main__":
    main()
