"""The ``callback-analyzer`` command line: each command is one call into the library."""

import json
import sys
import warnings
from pathlib import Path

import click

from .errors import AnalyzerError

MAX_NOTE_BYTES = 200_000

model_option = click.option(
    "--model", "model_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Model directory (default: the shipped model).")
corpus_option = click.option(
    "--corpus", "corpus_path", type=click.Path(exists=True, path_type=Path), default=None,
    help="Corpus directory or JSONL file (default: the shipped corpus).")


def _fail(error):
    raise click.ClickException(str(error))


def _load(model_path):
    from .model import load_model

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_model(model_path)
    for warning in caught:
        click.secho(f"Warning: {warning.message}", fg="yellow", err=True)
    return model


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="callback-analyzer")
def main():
    """Read interviewers' notes: why call a candidate back, and what to cover next.

    \b
    Example:
      callback-analyzer classify "Great on pricing, but couldn't explain a cohort analysis."
    """


def read_note_bytes(data, source):
    """Decode a note's bytes, refusing binary or non-UTF-8 input with a clear message."""
    if len(data) > MAX_NOTE_BYTES:
        raise click.ClickException(
            f"{source}: {len(data):,} bytes is over the {MAX_NOTE_BYTES:,}-byte limit for one note; "
            "for many notes use: callback-analyzer batch")
    if b"\x00" in data:
        raise click.ClickException(f"{source}: contains NUL bytes; this looks like a binary file, not a note")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(
            f"{source}: not valid UTF-8 (byte {error.start}); save the note as UTF-8") from None


@main.command()
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the note from a file.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Readable summary, or one JSON object.")
@model_option
def classify(text, file_path, output_format, model_path):
    """Classify one note: labels with scores, evidence, and the recommendation.

    \b
    Examples:
      callback-analyzer classify "Knew the theory, but froze on the SQL exercise."
      pbpaste | callback-analyzer classify -
      callback-analyzer classify --file note.txt --format json
    """
    if file_path is not None and text is not None:
        raise click.UsageError("give the note as TEXT or --file, not both")
    if file_path is not None:
        text = read_note_bytes(file_path.read_bytes(), str(file_path))
    elif text == "-":
        text = read_note_bytes(sys.stdin.buffer.read(), "stdin")
    elif text is None:
        raise click.UsageError("give the note as TEXT, '-' for stdin, or --file PATH")
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise click.ClickException(f"the note is over the {MAX_NOTE_BYTES:,}-byte limit for one note")
    if not text.strip():
        raise click.ClickException("the note is empty; give the interviewer's text")
    try:
        analysis = _load(model_path).analyze(text)
    except AnalyzerError as error:
        _fail(error)
    if output_format == "json":
        result = analysis.to_dict()
        click.echo(json.dumps({key: result[key] for key in ("labels", "scores", "evidence", "recommendation")},
                              ensure_ascii=False))
    else:
        from .report import render_analysis

        click.echo(render_analysis(analysis, color=sys.stdout.isatty()))


@main.command()
@corpus_option
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Model directory to write (default: the shipped model's).")
@click.option("--seed", type=int, default=None, help="Random seed for the cross-validation folds.")
def train(corpus_path, output, seed):
    """Train the classifier on the corpus's train and dev splits, score it on test, save it.

    \b
    Example:
      callback-analyzer train --output ./my-model
    """
    from .training import train_and_save

    def progress(message):
        click.echo(f"· {message}", err=True)

    try:
        directory, metrics = train_and_save(corpus_path, output, seed=seed, progress=progress)
    except AnalyzerError as error:
        _fail(error)
    click.echo(f"Saved the model to {directory}")
    click.echo(f"Test split: macro-F1 {metrics['macro_f1']:.3f}, negation false-positive rate "
               f"{metrics['negation']['rate']:.3f}, recommendation accuracy {metrics['recommendation']['accuracy']:.3f}")


@main.command()
@model_option
@corpus_option
@click.option("--split", type=click.Choice(["train", "dev", "test"]), default="test", show_default=True)
@click.option("--baselines", is_flag=True, help="Also train and score the three baselines on the same split.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the metrics as JSON to this file.")
def evaluate(model_path, corpus_path, split, baselines, output):
    """Score a model on a corpus split, optionally beside the baselines.

    \b
    Example:
      callback-analyzer evaluate --baselines --output metrics.json
    """
    from .report import render_comparison, render_label_table
    from .training import compare_with_baselines, evaluate_model

    def progress(message):
        click.echo(f"· {message}", err=True)

    try:
        model = _load(model_path)
        results = {"shipped model": evaluate_model(model, corpus_path, split=split)}
        if baselines:
            results.update(compare_with_baselines(corpus_path, split=split, progress=progress))
    except AnalyzerError as error:
        _fail(error)
    shipped = results["shipped model"]
    click.echo(f"Shipped model on the {split} split ({shipped['notes']} notes):\n")
    click.echo(render_label_table(shipped))
    click.echo(f"\nmacro-F1 {shipped['macro_f1']:.3f}; negation notes with a false positive: "
               f"{shipped['negation']['with_false_positive']}/{shipped['negation']['notes']} "
               f"({shipped['negation']['rate']:.1%}); recommendation accuracy "
               f"{shipped['recommendation']['accuracy']:.3f} over {shipped['recommendation']['notes']} notes\n")
    click.echo(render_comparison(results))
    if output is not None:
        output.write_text(json.dumps(results, indent=2) + "\n")
        click.echo(f"Wrote {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
