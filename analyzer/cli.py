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
LABELLED_FORMATS = ("jsonl", "csv", "doccano-jsonl", "doccano-csv", "label-studio", "label-studio-min", "prodigy")
EXIT_NOT_PROMOTED = 4  # the new version was saved but the gate kept the current one

model_option = click.option(
    "--model", "model_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Model directory (default: the current version; see: callback-analyzer models list).")
corpus_option = click.option(
    "--corpus", "corpus_path", type=click.Path(exists=True, path_type=Path), default=None,
    help="Corpus directory or JSONL file (default: the shipped corpus).")


def _fail(error):
    raise click.ClickException(str(error))


def _model_name(model_path, model):
    """How reports name a model: its path, its version, or the shipped model."""
    if model_path is not None:
        return str(model_path)
    version = model.info.get("version")
    return f"model {version}" if version and version != "shipped" else "shipped model"


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


class StageBars:
    """A progress bar on stderr for each stage of a long step: ``progress(stage, done, total)``."""

    def __init__(self):
        self.stage, self.bar, self.done = None, None, 0

    def __call__(self, stage, done, total):
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=f"{stage:<20}", file=sys.stderr,
                                         show_pos=True, show_eta=False)
            self.bar.render_progress()
        self.bar.update(done - self.done)
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


def _read_label_descriptions(path):
    """A labels file: JSON or TOML, each new category's name mapped to a one-line description."""
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            descriptions = tomllib.loads(text)
        else:
            descriptions = json.loads(text)
    except ValueError as error:
        raise click.BadParameter(f"{path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'} "
                                 f"({error})", param_hint="--labels-file") from None
    if not isinstance(descriptions, dict) or not all(isinstance(v, str) for v in descriptions.values()):
        raise click.BadParameter(f"{path}: expected a mapping of label name to description, e.g. "
                                 '{"leadership_gap": "doubt about leading a team"}', param_hint="--labels-file")
    return descriptions


@main.command()
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled notes to add (repeatable): our JSONL/CSV, doccano, Label Studio or Prodigy exports.")
@click.option("--input-format", type=click.Choice(LABELLED_FORMATS), default=None,
              help="Format of the --data files (detected from their content by default).")
@click.option("--no-base", is_flag=True, help="Train on the --data notes alone, without the base corpus.")
@click.option("--allow-new-labels", is_flag=True, help="Accept categories that are not in the current label set.")
@click.option("--labels-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSON or TOML mapping each new category to a description, used in next-round plans.")
@click.option("--on-conflict", type=click.Choice(["error", "prefer-last", "drop"]), default="error",
              show_default=True, help="What to do when the same text carries different labels.")
@click.option("--holdout", type=click.FloatRange(0, 0.5), default=0.2, show_default=True,
              help="Share of the new notes' candidates held out to compare the models on.")
@click.option("--tolerance", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="How much lower macro-F1 may be and the new model still be promoted.")
@click.option("--force", is_flag=True, help="Make the new model current even if the gate refuses it.")
@corpus_option
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a plain model directory here instead of a new version (how models/default is rebuilt).")
@click.option("--seed", type=int, default=None, help="Random seed for the cross-validation folds.")
def train(data_paths, input_format, no_base, allow_new_labels, labels_file, on_conflict, holdout, tolerance, force,
          corpus_path, output, seed):
    """Train a new model version, compare it with the current one, and promote it if not worse.

    With --data, your labelled notes are merged with the base corpus (see --no-base). Both
    models are scored on the corpus test split plus a held-out share of your notes; the new
    version is saved either way, and becomes current only if its macro-F1 is no more than
    --tolerance below the current model's (or with --force). See: callback-analyzer models list

    \b
    Examples:
      callback-analyzer train --data labelled.jsonl
      callback-analyzer train --data project.json --input-format label-studio --allow-new-labels
      callback-analyzer train --output models/default      # rebuild the shipped model from corpus/
    """
    bars = StageBars()
    if output is not None:
        if data_paths:
            raise click.UsageError("--output rebuilds a model from the corpus alone; to add --data, leave "
                                   "--output out and the new model becomes a version: callback-analyzer models list")
        from .training import train_and_save

        try:
            directory, metrics = train_and_save(corpus_path, output, seed=seed, progress=bars)
        except AnalyzerError as error:
            _fail(error)
        finally:
            bars.close()
        click.echo(f"Saved the model to {directory}")
        click.echo(f"Test split: macro-F1 {metrics['macro_f1']:.3f}, negation false-positive rate "
                   f"{metrics['negation']['rate']:.3f}, recommendation accuracy "
                   f"{metrics['recommendation']['accuracy']:.3f}")
        return

    from .retraining import retrain
    from .retraining_report import render_retraining
    from .training import training_settings

    try:
        result = retrain(data_paths, corpus_path=corpus_path, use_base=not no_base, input_format=input_format,
                         allow_new_labels=allow_new_labels, label_descriptions=_read_label_descriptions(labels_file),
                         holdout=holdout, tolerance=tolerance, force=force, on_conflict=on_conflict,
                         settings=training_settings(seed), progress=bars)
    except AnalyzerError as error:
        _fail(error)
    finally:
        bars.close()
    click.echo(render_retraining(result))
    if not result.promoted:
        sys.exit(EXIT_NOT_PROMOTED)


@main.group()
def models():
    """List, inspect and switch model versions; roll back.

    \b
    Examples:
      callback-analyzer models list
      callback-analyzer models show v2
      callback-analyzer models use v1
      callback-analyzer models rollback
    """


@models.command("list")
def models_list():
    """Every version, the current one marked, with its macro-F1 and how it was made."""
    from .registry import Registry
    from .retraining_report import render_versions

    try:
        click.echo(render_versions(Registry().versions()))
    except AnalyzerError as error:
        _fail(error)


@models.command("show")
@click.argument("version")
def models_show(version):
    """One version's record: parent, data, sources, settings, metrics and the comparison."""
    from .registry import Registry
    from .retraining_report import render_version

    try:
        click.echo(render_version(Registry().get(version)))
    except AnalyzerError as error:
        _fail(error)


@models.command("use")
@click.argument("version")
def models_use(version):
    """Make VERSION the current model (``shipped`` is the one that came with the install)."""
    from .registry import Registry

    try:
        chosen = Registry().use(version)
    except AnalyzerError as error:
        _fail(error)
    click.echo(f"{chosen.name} is now the current model.")


@models.command("rollback")
def models_rollback():
    """Go back to the model that was current before the last change."""
    from .registry import Registry

    try:
        chosen = Registry().rollback()
    except AnalyzerError as error:
        _fail(error)
    click.echo(f"Rolled back: {chosen.name} is now the current model.")


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

    bars = StageBars()
    try:
        model = _load(model_path)
        name = _model_name(model_path, model)
        results = {name: evaluate_model(model, corpus_path, split=split)}
        if baselines:
            results.update(compare_with_baselines(corpus_path, split=split, progress=bars))
    except AnalyzerError as error:
        _fail(error)
    finally:
        bars.close()
    shipped = results[name]
    click.echo(f"{name[0].upper()}{name[1:]} on the {split} split ({shipped['notes']} notes):\n")
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


def export_options(command):
    """--preset, --input-format, the --*-column options and --encoding: how to read an export."""
    command = click.option("--encoding", default=None,
                           help="Text encoding of the input (default: UTF-8, with or without BOM).")(command)
    command = column_options(command)
    command = click.option("--input-format", type=click.Choice(sorted(INPUT_FORMATS)), default=None,
                           help="Input format (detected from the name and content by default).")(command)
    return click.option("--preset", type=click.Choice(sorted(PRESET_NAMES)), default=None,
                        help="Read an ATS export in its vendor's shape.")(command)


def _columns(options):
    return {field: options[f"{field}_column"] for field in COLUMN_FIELDS if options.get(f"{field}_column")} or None


@main.command()
@click.argument("source", metavar="NOTES")
@click.option("--n", "count", type=click.IntRange(1), default=50, show_default=True, help="How many notes to pick.")
@click.option("--format", "output_format", type=click.Choice(["doccano", "label-studio", "jsonl"]),
              default="doccano", show_default=True, help="Import format of the annotation tool, or our JSONL.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of stdout.")
@click.option("--diversity", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="0 picks purely by uncertainty; higher avoids picking notes like ones already picked.")
@export_options
@model_option
def suggest(source, count, output_format, output, diversity, preset, input_format, encoding, model_path, **columns):
    """Pick the notes worth labelling next: those the model is least sure about, varied.

    NOTES is an export in any format `batch` reads. The picks are written ready to import
    into doccano or Label Studio (or as our JSONL), the model's current guess pre-filled;
    correct the labels there, export, and train with: callback-analyzer train --data FILE

    \b
    Examples:
      callback-analyzer suggest notes.csv --n 50 -o to_label.jsonl
      callback-analyzer suggest notes.csv --format label-studio -o tasks.json
    """
    from .io import read_notes
    from .labelling import label_studio_config, suggest as pick_suggestions, write_suggestions

    model = _load(model_path)
    rows = read_notes(source, input_format=input_format, preset=preset, columns=_columns(columns), encoding=encoding)
    skipped = []

    def notes():
        for row in rows:
            if row.error or not (row.text or "").strip():
                skipped.append(row.row)
                continue
            yield {"id": row.id if row.id is not None else str(row.row), "text": row.text}

    try:
        picks = pick_suggestions(model, notes(), n=count, diversity=diversity)
    except AnalyzerError as error:
        _fail(error)
    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as stream:
        write_suggestions(picks, stream, format=output_format)
    if output_format == "label-studio" and output is not None:
        config = output.with_name(output.stem + "_config.xml")
        config.write_text(label_studio_config(model.labels), encoding="utf-8")
        click.echo(f"Wrote the Label Studio labelling config to {config}", err=True)
    click.echo(f"Picked {len(picks)} notes to label" + (f"; wrote {output}" if output else "")
               + (f"; {len(skipped)} rows without usable text skipped" if skipped else ""), err=True)


@main.command("audit-labels")
@click.argument("data_paths", metavar="DATA", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input-format", type=click.Choice(LABELLED_FORMATS), default=None,
              help="Format of DATA (detected from its content by default).")
@click.option("--corpus", "use_corpus", is_flag=True, help="Audit the base corpus (its train and dev splits).")
@click.option("--top", type=click.IntRange(1), default=None, help="Show only the most suspicious N.")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of stdout.")
@click.option("--allow-new-labels", is_flag=True, help="Accept categories that are not in the current label set.")
def audit_labels(data_paths, input_format, use_corpus, top, output_format, output, allow_new_labels):
    """Find likely label errors in labelled notes, most suspicious first, with the evidence.

    Each note is scored by a model that never saw it (cross-validation); notes it confidently
    reads otherwise than their label are listed, in the spirit of confident learning.

    \b
    Examples:
      callback-analyzer audit-labels labelled.jsonl --top 20
      callback-analyzer audit-labels --corpus --format jsonl -o suspects.jsonl
    """
    from .labelled import read_labelled
    from .labelling import audit_labels as find_suspects, write_audit

    if not data_paths and not use_corpus:
        raise click.UsageError("give the labelled files to audit, or --corpus")
    try:
        records = []
        if use_corpus:
            from .corpus import default_corpus_dir, read_records
            from .training import TRAINING_SPLITS

            records += [r for r in read_records(default_corpus_dir(), with_source=True)
                        if r.get("split") in TRAINING_SPLITS]
        if data_paths:
            records += read_labelled(data_paths, input_format=input_format,
                                     allow_new_labels=allow_new_labels).records
        click.echo(f"Cross-validating on {len(records):,} labelled notes…", err=True)
        result = find_suspects(records)
    except AnalyzerError as error:
        _fail(error)
    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as stream:
        shown = write_audit(result, stream, format=output_format, top=top)
    if output_format == "jsonl" or output is not None:
        click.echo(f"{len(result.suspects):,} likely label errors; wrote the {shown:,} most suspicious"
                   + (f" to {output}" if output else "")
                   + "".join(f"; {label} not audited: {why}" for label, why in result.skipped_labels.items()),
                   err=True)


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
@export_options
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

    columns = _columns(columns)
    model = _load(model_path)
    counts = {"rows": 0, "errored": 0}
    panels = None
    show_progress = sys.stderr.isatty()
    with ExitStack() as cleanup:
        wants_panels = panels_path or requisitions_path or output_format in ("markdown", "html")
        collector = cleanup.enter_context(PanelCollector()) if wants_panels else None

        def records():
            rows = read_notes(source, input_format=input_format, preset=preset, columns=columns, encoding=encoding)
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
                write_csv(records(), stream, labels=model.labels)
            else:
                from datetime import datetime, timezone

                from .report import render_html, render_markdown

                notes = list(records())
                panels = list(collector.panels())  # the page needs them all; the panels file reuses them
                summary = {"rows": counts["rows"], "analysed": counts["rows"] - counts["errored"],
                           "errored": counts["errored"], "source": "stdin" if source == "-" else str(source),
                           "model": _model_name(model_path, model),
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
