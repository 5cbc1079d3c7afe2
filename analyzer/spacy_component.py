"""``callback_classifier``: our model as a spaCy pipeline component that sets ``doc.cats``.

Registered through the ``spacy_factories`` entry point, so once the package is installed:

>>> import spacy
>>> nlp = spacy.blank("en")
>>> nlp.add_pipe("callback_classifier")  # doctest: +SKIP
>>> nlp("Talked over the junior engineer twice.").cats  # doctest: +SKIP
{'skill_gap': 0.08, 'fit_doubt': 0.31, 'arrogance': 0.86, 'alternate_role': 0.02}
"""

from spacy.language import Language
from spacy.tokens import Doc

Doc.set_extension("callback", default=None, force=True)

EVIDENCE_SPANS_KEY = "callback_evidence"


class CallbackClassifier:
    """Reads the whole note text with our own text pipeline, whatever tokenizer came before."""

    def __init__(self, nlp, name, model_path=None):
        self.name = name
        self.model_path = model_path
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from .model import load_model

            self._model = load_model(self.model_path)
        return self._model

    def __call__(self, doc):
        if not doc.text.strip():
            doc.cats = {label: 0.0 for label in self.model.labels}
            return doc
        analysis = self.model.analyze(doc.text)
        doc.cats = dict(analysis.scores)
        doc._.callback = analysis
        spans = []
        for label, items in analysis.evidence.items():
            for item in items:
                span = doc.char_span(item.start, item.end, label=label, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        doc.spans[EVIDENCE_SPANS_KEY] = spans
        return doc


@Language.factory("callback_classifier", default_config={"model_path": None})
def make_callback_classifier(nlp, name, model_path):
    """Build the component; ``model_path`` defaults to the shipped model."""
    return CallbackClassifier(nlp, name, model_path)
