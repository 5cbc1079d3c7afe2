"""The ``callback-analyzer`` command line: each command is one call into the library."""

import json
import sys
import warnings
from pathlib import Path

import click

from .errors import AnalyzerError
from .note_checks import MAX_NOTE_CHARS

MAX_NOTE_BYTES = 200_000
# Kept here rather than imported, so `--help` never imports the readers.
PRESET_NAMES = ("greenhouse", "greenhouse-v3", "greenhouse-bi", "lever", "ashby")
INPUT_FORMATS = ("csv", "tsv", "jsonl", "json", "text")

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


COLUMN_FIELDS = ("text", "id", "candidate", "interviewer", "recommendation", "role", "requisition")


def column_options(command):
    """--text-column, --id-column, …: which export column holds each field."""
    for field in reversed(COLUMN_FIELDS):
        command = click.option(f"--{field}-column", f"{field}_column", metavar="NAME", default=None,
                               help=f"Column holding the {field} (detected when unambiguous).")(command)
    return command


@main.command()
@click.argument("source", metavar="INPUT")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv", "markdown", "html"]),
              default="jsonl", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of stdout.")
@click.option("--panels", "panels_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write one JSON line per candidate: the panel and its next-round plan.")
@click.option("--requisitions", "requisitions_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write one JSON line per opening: candidates ranked, second in line marked.")
@click.option("--preset", type=click.Choice(sorted(PRESET_NAMES)), default=None,
              help="Read an ATS export in its vendor's shape.")
@click.option("--input-format", type=click.Choice(sorted(INPUT_FORMATS)), default=None,
              help="Input format (detected from the name and content by default).")
@column_options
@click.option("--encoding", default=None, help="Text encoding of the input (default: UTF-8, with or without BOM).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes for the analysis.")
@click.option("--max-chars", type=click.IntRange(1), default=MAX_NOTE_CHARS, show_default=True,
              help="Longer notes are reported as errors, not analysed.")
@model_option
def batch(source, output_format, output, panels_path, requisitions_path, preset, input_format, encoding, jobs,
          max_chars, model_path, **columns):
    """Analyse every note in an export and plan each candidate's next round.

    INPUT is a CSV, TSV, JSON Lines, JSON or plain-text file (notes separated by blank
    lines), an ATS export with --preset, or '-' for stdin. Every row comes out once, in
    order, analysed or with its error. Exit status: 0 when every row was analysed,
    3 when some rows could not be (the output still holds every row), 1 when the
    input cannot be read at all.

    \b
    Examples:
      callback-analyzer batch notes.csv --panels panels.jsonl > notes.jsonl
      callback-analyzer batch scorecards.json --preset greenhouse --format html -o report.html
    """
    from contextlib import ExitStack

    from .batch import EXIT_ROWS_FAILED, PanelCollector, analyse_rows, panel_outline, rank_requisitions
    from .io import read_notes, write_csv, write_jsonl

    columns = {field: columns[f"{field}_column"] for field in COLUMN_FIELDS if columns[f"{field}_column"]}
    model = _load(model_path)
    counts = {"rows": 0, "errored": 0}
    panels = None
    show_progress = sys.stderr.isatty()
    with ExitStack() as cleanup:
        wants_panels = panels_path or requisitions_path or output_format in ("markdown", "html")
        collector = cleanup.enter_context(PanelCollector()) if wants_panels else None

        def records():
            rows = read_notes(source, input_format=input_format, preset=preset, columns=columns or None,
                              encoding=encoding)
            for record in analyse_rows(rows, model, jobs=jobs, max_chars=max_chars):
                counts["rows"] += 1
                counts["errored"] += record["status"] == "error"
                if collector is not None:
                    collector.add(record)
                if show_progress and counts["rows"] % 500 == 0:
                    click.echo(f"\r{counts['rows']:,} rows analysed…", nl=False, err=True)
                yield record

        stream = cleanup.enter_context(click.open_file(str(output), "w", encoding="utf-8")) if output else sys.stdout
        try:
            if output_format == "jsonl":
                write_jsonl(records(), stream)
            elif output_format == "csv":
                write_csv(records(), stream)
            else:
                from datetime import datetime, timezone

                from .report import render_html, render_markdown

                notes = list(records())
                panels = list(collector.panels())  # the page needs them all; the panels file reuses them
                summary = {"rows": counts["rows"], "analysed": counts["rows"] - counts["errored"],
                           "errored": counts["errored"], "source": "stdin" if source == "-" else str(source),
                           "model": str(model_path or "shipped model"),
                           "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
                render = render_html if output_format == "html" else render_markdown
                stream.write(render(notes, panels, rank_requisitions(panels), summary))
        except AnalyzerError as error:
            _fail(error)
        if show_progress:
            click.echo("\r", nl=False, err=True)
        if panels_path or requisitions_path:
            # Panels stream to their file; rankings need only each panel's outline.
            outlines = []

            def panels_outlined():
                for panel in panels if panels is not None else collector.panels():
                    outlines.append(panel_outline(panel))
                    yield panel

            if panels_path:
                with open(panels_path, "w", encoding="utf-8") as handle:
                    write_jsonl(panels_outlined(), handle)
            else:
                for _ in panels_outlined():
                    pass
            if requisitions_path:
                with open(requisitions_path, "w", encoding="utf-8") as handle:
                    write_jsonl(collector.rankings(outlines), handle)
    analysed = counts["rows"] - counts["errored"]
    click.echo(f"{counts['rows']:,} rows read: {analysed:,} analysed, {counts['errored']:,} with errors"
               + (f"; wrote {output}" if output else ""), err=True)
    if counts["errored"]:
        sys.exit(EXIT_ROWS_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
