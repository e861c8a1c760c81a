"""What each graph component Entryway's models use was checked for.

Three choices apply to a graph only when every component in it has one property: serving
a model without TensorFlow (rasa_env/tensorflow_stub.py, NO_TENSORFLOW), keeping parses of
common texts per channel language (rasa_env/patches/shared_parse_cache.py,
TEXT_AND_CHANNEL_LANGUAGE, which every TEXT_ALONE component also has), and the count
vectorisers computing sentence features only (nlu/sentence_count_vectors.py, declared in
config.yml where every component reads no sequence features, NO_SEQUENCE_FEATURES; a test
checks the trained model). A component not listed here, or listed without the property,
leaves that choice off for the graph, so a new component is safe until it has been read
and added. Imported before Rasa (the TensorFlow stub is decided before Rasa is imported),
so names only, no classes.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the type hint only: this module is imported before Rasa
    from rasa.engine.graph import GraphSchema

NO_TENSORFLOW = "imports and calls no TensorFlow to load or predict"
NO_SEQUENCE_FEATURES = "reads no sequence (per-token) features of a message"
TEXT_ALONE = "its output for a message depends on the text alone"
TEXT_AND_CHANNEL_LANGUAGE = (
    "its output for a message depends on the text and the metadata's `language` alone"
)

_ALL = frozenset({NO_TENSORFLOW, NO_SEQUENCE_FEATURES, TEXT_ALONE, TEXT_AND_CHANNEL_LANGUAGE})
_NOT_NLU = _ALL - {TEXT_ALONE, TEXT_AND_CHANNEL_LANGUAGE}
# The classifiers and the FAQ selector read sentence features, the others no features at
# all; none reads a message's metadata or the tracker, or draws at random when predicting
# (the domain provider gives the model's own domain, the same for every message). The
# policies and the nodes feeding them are not NLU: they have no place in a parse. The
# language detector reads the metadata's `language` (its last rule), nothing else of it.
CHECKED: dict[str, frozenset[str]] = {
    "nlu.language_detector.LanguageDetector": _ALL - {TEXT_ALONE},
    "nlu.faq_selector.FaqSelector": _ALL,
    "nlu.row_scoring_classifier.RowScoringLogisticRegressionClassifier": _ALL,
    "nlu.sentence_count_vectors.SentenceCountVectorsFeaturizer": _ALL,
    "nlu.sentence_featurizer.SentenceEmbeddingFeaturizer": _ALL,
    "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble": _NOT_NLU,
    "rasa.core.policies.rule_policy.RulePolicy": _NOT_NLU,
    "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter": _ALL,
    "rasa.graph_components.providers.domain_provider.DomainProvider": _ALL,
    "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider": _NOT_NLU,
    "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier": _ALL,
    "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier": _ALL,
    "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler": _ALL,
    "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor": _ALL,
    "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer": (
        _ALL
    ),
    "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer.RegexFeaturizer": _ALL,
    "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer": _ALL,
}


def all_have(names: Iterable[str], checked_for: str) -> bool:
    """Whether every component named (module.Class) was checked for `checked_for`."""
    return all(checked_for in CHECKED.get(name, ()) for name in names)


def names_of(schema: "GraphSchema") -> list[str]:
    """The module.Class names of the graph's components."""
    return [f"{node.uses.__module__}.{node.uses.__name__}" for node in schema.nodes.values()]
