"""nlu/row_scoring_classifier.py: on the trained model, the intents and confidences Rasa's
own LogisticRegressionClassifier computes."""

import pytest
from rasa.engine.exceptions import GraphComponentException
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

from nlu.row_scoring_classifier import RowScoringLogisticRegressionClassifier, multinomial
from tests.support.nlu_graph import assert_same_intents, nodes_of, parsed, run_as_rasas_own
from tests.support.patched_rasa import phrasings


def test_the_trained_model_scores_with_it_on_a_multinomial_regression() -> None:
    (node,) = nodes_of(RowScoringLogisticRegressionClassifier)
    assert multinomial(node._component.clf)  # else Rasa's own path runs: nothing to compare


def test_intents_and_confidences_are_rasas(monkeypatch) -> None:
    texts = phrasings()
    assert len(texts) > 60
    ours = [parsed(text) for text in texts]
    run_as_rasas_own(
        monkeypatch, RowScoringLogisticRegressionClassifier, LogisticRegressionClassifier
    )
    for text, mine in zip(texts, ours, strict=True):
        assert_same_intents(mine, parsed(text), text)


def test_a_text_without_tokens_gets_rasas_error(monkeypatch) -> None:
    with pytest.raises(GraphComponentException) as ours:
        parsed("   ")
    run_as_rasas_own(
        monkeypatch, RowScoringLogisticRegressionClassifier, LogisticRegressionClassifier
    )
    with pytest.raises(GraphComponentException) as rasas:
        parsed("   ")
    assert "features" in str(ours.value.__cause__)
    assert str(ours.value.__cause__) == str(rasas.value.__cause__)
