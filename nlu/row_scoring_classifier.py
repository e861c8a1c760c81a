"""Rasa's LogisticRegressionClassifier scoring a message's sentence row directly.

Rasa's classifier builds scipy matrices from the message's features and goes through
scikit-learn's input checks to score one row; its feature accessors deep-copy and stack
every feature matrix of the message, sequence ones included (5.7% of a Rasa server's busy
time at 20 users; with the domain's emptiness check, rasa_env/patches/domain_emptiness_once.py,
about 9%). Here the row's scores are the intercept plus its non-zero sparse sentence
features and its dense ones, each times its coefficients, then scikit-learn's softmax: the
same arithmetic (probabilities equal to 1e-12, the same ranking; compared with Rasa's own
on the trained model in tests/nlu/test_row_scoring_classifier.py). Training is Rasa's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import coo_matrix
from sklearn.utils.extmath import softmax


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RowScoringLogisticRegressionClassifier(LogisticRegressionClassifier):
    def process(self, messages: list[Message]) -> list[Message]:
        """Rasa's `process`, each message's scores computed from its sentence row."""
        clf = self.clf
        if not multinomial(clf):
            return super().process(messages)
        for message in messages:
            scores = row_scores(clf, message)
            if scores is None:
                super().process([message])
                continue
            probabilities = softmax(scores.reshape(1, -1), copy=False)[0]
            pairs = zip(clf.classes_, probabilities, strict=True)
            ranking = sorted(
                ({"name": name, "confidence": p} for name, p in pairs),
                key=lambda entry: -entry["confidence"],
            )
            message.set("intent", ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages


def multinomial(clf: Any) -> bool:
    """Whether scikit-learn's predict_proba takes the softmax of the decision function
    (its own test, sklearn 1.1); otherwise Rasa's path is kept."""
    return hasattr(clf, "coef_") and not (
        clf.multi_class in ("ovr", "warn")
        or (clf.multi_class == "auto" and (clf.classes_.size <= 2 or clf.solver == "liblinear"))
    )


def sentence_row(message: Message) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """The message's sentence features as `get_sparse_features` and `get_dense_features`
    lay them side by side (each kind in the order the featurizers added them): the sparse
    ones' columns and values, their width, then the dense values."""
    columns, values, dense, width = [], [], [], 0
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            block = coo_matrix(feature.features)
            columns.append(block.col + width)
            values.append(block.data)
            width += block.shape[1]
        else:
            dense.append(np.asarray(feature.features).reshape(-1))
    return _joined(columns).astype(int), _joined(values), width, _joined(dense)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


def row_scores(clf: Any, message: Message) -> np.ndarray | None:
    """The decision function for one message: its sparse sentence features, then its dense
    ones; None when they are not as many as the classifier's (no tokens in the text),
    which Rasa's refuses with its error."""
    columns, values, offset, dense = sentence_row(message)
    if offset + dense.size != clf.coef_.shape[1]:
        return None
    scores = clf.intercept_.astype(float)
    if columns.size:
        scores += clf.coef_[:, columns] @ values
    scores += clf.coef_[:, offset:] @ dense
    return scores
