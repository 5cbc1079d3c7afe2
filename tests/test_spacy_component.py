import spacy

from analyzer.labels import LABELS


def test_spacy_component_sets_doc_cats(small_model_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("callback_classifier", config={"model_path": str(small_model_dir)})
    text = "Shaky on SQL joins. Blamed his last team for every missed deadline."
    doc = nlp(text)
    assert set(doc.cats) == set(LABELS)
    assert all(0.0 <= v <= 1.0 for v in doc.cats.values())
    for span in doc.spans["callback_evidence"]:
        assert span.label_ in doc._.callback.labels


def test_spacy_component_empty_doc_scores_zero(small_model_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("callback_classifier", config={"model_path": str(small_model_dir)})
    assert set(nlp("   ").cats.values()) == {0.0}
