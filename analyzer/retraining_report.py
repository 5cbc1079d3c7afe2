"""Rendering for retraining: the comparison behind a promotion, and the model versions.

Plain text for the terminal; no spaCy, scikit-learn or numpy.
"""


def _number(value, signed=False):
    if value is None:
        return "—"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _interval(ci):
    return f"[{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else ""


def render_comparison_table(comparison):
    """Per-label F1 of the current and new model, the deltas with their 95% bootstrap
    intervals, then macro-F1, the negation false-positive rate and recommendation accuracy."""
    # Saved comparisons come back with their keys sorted; the shared labels keep our order.
    order = [*comparison.get("shared_labels", []),
             *sorted(label for label in comparison["labels"] if label not in comparison.get("shared_labels", []))]
    width = max(16, *(len(label) + 2 for label in order))
    lines = [f"{'':<{width}}{'current':>9}{'new':>9}{'delta':>9}   95% CI"]
    for label in order:
        row = comparison["labels"][label]
        note = "  (new category: judged on your held-out notes only)" if row.get("new") else ""
        lines.append(f"{label:<{width}}{_number(row['current']):>9}{_number(row['candidate']):>9}"
                     f"{_number(row.get('delta'), signed=True):>9}   {_interval(row.get('ci'))}{note}")
    macro = comparison["macro_f1"]
    lines.append(f"{'macro-F1':<{width}}{_number(macro.get('current')):>9}{_number(macro['candidate']):>9}"
                 f"{_number(macro.get('delta'), signed=True):>9}   {_interval(macro.get('ci'))}")
    for key, name in (("negation_false_positive_rate", "negation FP rate"),
                      ("recommendation_accuracy", "recommendation")):
        values = comparison.get(key, {})
        lines.append(f"{name:<{width}}{_number(values.get('current')):>9}{_number(values.get('candidate')):>9}")
    return "\n".join(lines)


def render_retraining(result):
    """What ``callback-analyzer train`` prints: the data, the comparison and the decision."""
    meta = result.version.meta
    data = meta.get("new_notes", {})
    base = meta.get("base", {})
    lines = [f"Trained {result.version.name} (parent: {result.current_before}) on "
             f"{base.get('notes', 0):,} base-corpus notes and {data.get('trained_on', 0):,} new notes."]
    details = []
    if data.get("read"):
        details.append(f"{data['read']:,} new notes read, {data.get('held_out', 0):,} held out for the comparison")
    if data.get("duplicates_merged"):
        details.append(f"{data['duplicates_merged']:,} exact duplicates merged")
    if data.get("conflicts"):
        details.append(f"{data['conflicts']:,} conflicting duplicates resolved by --on-conflict")
    if data.get("skipped"):
        details.append(f"{data['skipped']:,} rows skipped (rejected, ignored or unannotated in the export)")
    if meta.get("labels_added"):
        details.append("new categories: " + ", ".join(meta["labels_added"]))
    lines += [f"  {detail}" for detail in details]
    lines += ["", f"Both models scored on the same {result.comparison['notes']:,} held-out notes "
                  "(the corpus test split and the held-out new notes):", "",
              render_comparison_table(result.comparison), ""]
    not_learned = meta.get("labels_not_learned", {})
    if not_learned:
        named = ", ".join(f"{label} ({count:,} training notes)" for label, count in not_learned.items())
        lines += [f"Not learned: {named}. On held-out folds the model ranked these notes no higher than the "
                  "others, so it never raises the category; label more notes that carry it (a few dozen at "
                  "least) and train again.", ""]
    if result.forced:
        lines.append(f"Promoted with --force: {result.version.name} is now the current model, although the gate "
                     f"refused it ({result.reason}).")
    elif result.promoted:
        lines.append(f"Promoted: {result.version.name} is now the current model; {result.reason}.")
    else:
        lines.append(f"Not promoted: {result.reason}.")
        lines.append(f"{result.version.name} is saved; {result.current_before} stays current. "
                     f"To use it anyway: callback-analyzer models use {result.version.name}")
    if result.promoted:
        lines.append("To go back: callback-analyzer models rollback")
    return "\n".join(lines)


def _summary(version):
    meta = version.meta
    if version.name == "shipped":
        test = meta.get("metrics", {}).get("test", {})
        return f"the model that came with the install; test macro-F1 {_number(test.get('macro_f1'))}"
    if "comparison" not in meta:
        test = meta.get("metrics", {}).get("test", {})
        made = f"  test macro-F1 {_number(test['macro_f1'])}" if "macro_f1" in test else ""
        return f"{meta.get('created', '')}  from {meta.get('parent') or '?'}  saved without a comparison{made}".strip()
    macro = meta["comparison"].get("macro_f1", {})
    promotion = meta.get("promotion", {})
    status = "forced" if promotion.get("forced") else "promoted" if promotion.get("promoted") else "refused by the gate"
    new = meta.get("new_notes", {})
    return (f"{meta.get('created', '?')}  from {meta.get('parent', '?')}  +{new.get('trained_on', 0):,} new notes  "
            f"held-out macro-F1 {_number(macro.get('candidate'))} (delta {_number(macro.get('delta'), signed=True)})"
            f"  {status}")


def render_versions(versions):
    """One line per version, the current one marked with ``*``."""
    width = max(len(v.name) for v in versions)
    return "\n".join(f"{'*' if v.current else ' '} {v.name:<{width}}  {_summary(v)}" for v in versions)


def render_version(version):
    """A version's record, for ``callback-analyzer models show``."""
    meta = version.meta
    lines = [f"{version.name}{'  (current)' if version.current else ''}", f"  path: {version.path}"]
    for key in ("created", "parent", "data_fingerprint", "corpus_fingerprint"):
        if meta.get(key):
            lines.append(f"  {key.replace('_', ' ')}: {meta[key]}")
    lines.append(f"  labels: {', '.join(meta.get('labels', []))}")
    if meta.get("label_descriptions"):
        lines += [f"    {label}: {text}" for label, text in meta["label_descriptions"].items()]
    lines.append("  thresholds: " + ", ".join(f"{label} {value:.2f}"
                                              for label, value in meta.get("thresholds", {}).items()))
    if meta.get("base"):
        base = meta["base"]
        lines.append(f"  base corpus: {base.get('corpus')} ({'used' if base.get('used') else 'not used'}, "
                     f"{base.get('notes', 0):,} notes)")
    for source in meta.get("sources", []):
        lines.append(f"  source: {source['path']} (sha256 {source['sha256'][:12]}…)")
    settings = meta.get("settings", {})
    if settings:
        lines.append("  settings: " + ", ".join(f"{key}={value}" for key, value in sorted(settings.items())))
    if meta.get("comparison"):
        lines += ["", render_comparison_table(meta["comparison"])]
        promotion = meta.get("promotion", {})
        if promotion:
            lines += ["", f"  promotion: {'forced' if promotion.get('forced') else 'yes' if promotion.get('promoted') else 'no'}"
                          f" — {promotion.get('reason')}"]
    elif meta.get("metrics", {}).get("test"):
        lines.append(f"  test macro-F1: {_number(meta['metrics']['test'].get('macro_f1'))}")
    return "\n".join(lines)
