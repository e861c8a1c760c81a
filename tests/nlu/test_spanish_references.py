"""A submission's reference is found inside Spanish sentences as inside English ones
(nlu/patterns.yml through the trained model's RegexEntityExtractor), with the
conversation's language beside it."""

import pytest

from tests.support.nlu_graph import parsed


@pytest.mark.parametrize(
    "text",
    [
        "¿qué pasó con SC-2026-00042?",
        "que paso con sc-2026-00042",
        "mi propuesta es la SC-2026-00042, ¿ya la revisaron?",
        "el estado de SC-2026-00042 por favor",
    ],
)
def test_a_reference_inside_a_spanish_sentence_is_found(text) -> None:
    parse = parsed(text)
    references = [e["value"] for e in parse["entities"] if e["entity"] == "reference"]
    assert references and all(value.endswith("2026-00042") for value in references), parse
    languages = [e["value"] for e in parse["entities"] if e["entity"] == "language"]
    assert languages == ["es"], parse
