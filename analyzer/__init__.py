"""callback-analyzer: read interviewers' notes and say why a candidate should be called back.

>>> from analyzer import load_model
>>> result = load_model().analyze("Strong on pricing; could not explain a cohort analysis.")  # doctest: +SKIP
>>> result.labels  # doctest: +SKIP
['skill_gap']
"""

__version__ = "0.1.0"

__all__ = ["__version__", "LABELS", "RECOMMENDATIONS", "load_model", "train", "save_model",
           "read_records", "TrainingSettings", "CallbackModel", "NoteAnalysis",
           "read_notes", "analyse_rows", "plan_note", "plan_panel", "rank_requisition",
           "read_labelled", "retrain", "Registry", "suggest", "audit_labels"]

_LAZY = {
    "read_notes": "io", "analyse_rows": "batch",
    "plan_note": "summary", "plan_panel": "summary", "rank_requisition": "summary",
    "read_labelled": "labelled", "retrain": "retraining", "Registry": "registry",
    "suggest": "labelling", "audit_labels": "labelling",
}

from .labels import LABELS, RECOMMENDATIONS


def __getattr__(name):
    # Model code pulls in numpy and joblib; import it only when asked for, so that
    # `callback-analyzer --help` and the corpus tools answer instantly.
    if name in ("load_model", "train", "save_model", "TrainingSettings", "CallbackModel", "NoteAnalysis"):
        from . import model

        return getattr(model, name)
    if name == "read_records":
        from .corpus import read_records

        return read_records
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
