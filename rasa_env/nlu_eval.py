"""`make nlu-eval`: how well the assistant understands people, against Rasa's default.

Runs in the Rasa environment. For Entryway's config.yml and for Rasa's default
pipeline (what `rasa init` leaves in config.yml: DIET, ResponseSelector, ...), each
trained on the same data, English and Spanish together, as the assistant is:

1. 5-fold stratified cross-validation over nlu/ (every example is scored by a
   model that never saw it), scored per language: a file named `*_es.yml` holds
   Spanish examples, every other English ones. Each language is split into folds on
   its own, so that editing one language's examples leaves the other's folds as they
   were;
2. a model trained on all of nlu/, scored on bench/nlu_unseen.yml (English) and
   bench/nlu_unseen_es.yml (Spanish), phrasings written for evaluation only.

Prints per-intent precision/recall, the most frequent confusions and FAQ key
accuracy per language, then a summary table. Exits non-zero if Entryway misses 0.95
intent accuracy in either language (cross-validated, or English on the unseen
phrasings), if Spanish on the unseen phrasings is more than 0.03 below English, or if
it does not beat the default pipeline in each language.

`--entryway-only` skips the default pipeline (nearly all of the half hour) and
the extra fold seeds, for comparing variants of Entryway's own pipeline in a few
minutes; `--config PATH` evaluates another config file in place of config.yml.
The checks against the default pipeline are then left out.
`--cv-errors` also prints every training example the cross-validation got wrong
(never a held-out phrasing), for whoever writes training data.
"""

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import rasa.shared.data
import structlog
from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import classification_report
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
# The comparison uses one fold split for both pipelines; Entryway is also
# cross-validated on the other seeds, to show how much the split alone moves it.
SEED = 42
OTHER_SEEDS = (7, 2026)
TARGET = 0.95
# Spanish on the unseen phrasings may trail English by at most this much (issue 19).
LANGUAGE_GAP = 0.03
LANGUAGES = ("en", "es")
UNSEEN = {"en": "nlu_unseen.yml", "es": "nlu_unseen_es.yml"}
DEFAULT_CONFIG = "recipe: default.v1\nassistant_id: default\nlanguage: en\npipeline:\npolicies:\n"


def label(example) -> str:
    return example.get("intent_response_key") or example.get("intent")


def base_intent(full: str) -> str:
    return full.split("/")[0]


def language_of_file(path: str) -> str:
    return "es" if Path(path).stem.endswith("_es") else "en"


def train(config: Path, data: TrainingData, work: Path) -> tuple[Agent, float]:
    work.mkdir(parents=True, exist_ok=True)
    data_file = work / "nlu.yml"
    data_file.write_text(RasaYAMLWriter().dumps(data))
    started = time.monotonic()
    model = train_nlu(
        str(config), str(data_file), str(work / "models"), domain=str(ROOT / "domain.yml")
    )
    return Agent.load(model), time.monotonic() - started


async def predict(agent: Agent, texts: list[str]) -> list[str]:
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = (parsed.get("intent") or {}).get("name") or "none"
        if intent == "faq":
            selectors = parsed.get("response_selector") or {}
            # Rasa's own ResponseSelector files its answer under "default" unless it is
            # configured with a retrieval_intent; Entryway's FaqSelector uses "faq".
            selected = selectors.get("faq") or selectors.get("default") or {}
            key = (selected.get("response") or {}).get("intent_response_key")
            intent = key or "faq"
        predictions.append(intent)
    return predictions


def scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    intent_hits = sum(
        base_intent(t) == base_intent(p) for t, p in zip(truth, predicted, strict=True)
    )
    faq = [(t, p) for t, p in zip(truth, predicted, strict=True) if t.startswith("faq/")]
    return {
        "intent_accuracy": intent_hits / len(truth),
        "faq_key_accuracy": sum(t == p for t, p in faq) / len(faq) if faq else float("nan"),
    }


def report(title: str, truth: list[str], predicted: list[str]) -> None:
    print(f"\n### {title}\n")
    print(
        classification_report(
            [base_intent(t) for t in truth],
            [base_intent(p) for p in predicted],
            zero_division=0,
            digits=3,
        )
    )
    confusions = Counter(
        (base_intent(t), base_intent(p))
        for t, p in zip(truth, predicted, strict=True)
        if base_intent(t) != base_intent(p)
    )
    print("most frequent confusions (true -> predicted):")
    for (true, wrong), count in confusions.most_common(8):
        print(f"  {count:3d}  {true} -> {wrong}")
    faq_errors = Counter(
        (t, p) for t, p in zip(truth, predicted, strict=True) if t.startswith("faq/") and t != p
    )
    for (true, wrong), count in faq_errors.most_common(5):
        print(f"  faq key {count:3d}  {true} -> {wrong}")


def cross_validate(
    name: str,
    config: Path,
    data: TrainingData,
    languages: dict[int, str],
    work: Path,
    seed: int,
) -> tuple[list[str], list[str], list[str], list[str], list[float]]:
    """Truth, predictions, each example's language and text over the folds, and training times."""
    examples = [e for e in data.intent_examples if e.get("text")]
    labels = [label(e) for e in examples]
    truth, predicted, tested_languages, tested_texts, seconds = [], [], [], [], []
    for fold, (train_index, test_index) in enumerate(
        folds_per_language(labels, [languages[id(e)] for e in examples], seed)
    ):
        print(f"{name}: fold {fold + 1}/{FOLDS} (fold seed {seed})", flush=True)
        train_data = TrainingData(
            training_examples=[examples[i] for i in train_index],
            regex_features=data.regex_features,
            responses=data.responses,
        )
        agent, took = train(config, train_data, work / f"{name}-seed{seed}-fold{fold}")
        seconds.append(took)
        truth += [labels[i] for i in test_index]
        tested_languages += [languages[id(examples[i])] for i in test_index]
        tested_texts += [examples[i].get("text") for i in test_index]
        predicted += asyncio.run(predict(agent, [examples[i].get("text") for i in test_index]))
    return truth, predicted, tested_languages, tested_texts, seconds


def folds_per_language(
    labels: list[str], example_languages: list[str], seed: int
) -> list[tuple[list[int], list[int]]]:
    """Train and test indices of each fold: each language stratified on its own, then joined.

    One split over both languages ties each language's folds to the other's example
    counts: adding Spanish examples reshuffled every English fold and moved English
    cross-validation by as much as a change of seed does."""
    folds: list[tuple[list[int], list[int]]] = [([], []) for _ in range(FOLDS)]
    for language in LANGUAGES:
        indices = [i for i, lang in enumerate(example_languages) if lang == language]
        if not indices:
            continue
        splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        split = splitter.split(indices, [labels[i] for i in indices])
        for (train_index, test_index), (train, test) in zip(split, folds, strict=True):
            train.extend(indices[i] for i in train_index)
            test.extend(indices[i] for i in test_index)
    return folds


def of_language(
    language: str, truth: list[str], predicted: list[str], languages: list[str]
) -> tuple[list[str], list[str]]:
    kept = [
        (t, p) for t, p, lang in zip(truth, predicted, languages, strict=True) if lang == language
    ]
    return [t for t, _ in kept], [p for _, p in kept]


def print_misclassified(
    language: str,
    truth: list[str],
    predicted: list[str],
    languages: list[str],
    texts: list[str],
) -> None:
    """The training examples of one language the folds got wrong (intent or FAQ key)."""
    print(f"cross-validation misclassified, {language} (true -> predicted: text):")
    wrong = sorted(
        (t, p, text)
        for t, p, lang, text in zip(truth, predicted, languages, texts, strict=True)
        if lang == language and t != p
    )
    for true, wrong_label, text in wrong:
        print(f"  {true} -> {wrong_label}: {text}")


def evaluate(
    name: str,
    config: Path,
    data: TrainingData,
    languages: dict[int, str],
    unseen: dict[str, TrainingData],
    work: Path,
    cv_errors: bool = False,
) -> dict[str, dict[str, float]]:
    """Per language: cross-validated and unseen intent and FAQ key accuracy."""
    truth, predicted, tested_languages, tested_texts, seconds = cross_validate(
        name, config, data, languages, work, SEED
    )
    results: dict[str, dict[str, float]] = {}
    for language in LANGUAGES:
        language_truth, language_predicted = of_language(
            language, truth, predicted, tested_languages
        )
        if not language_truth:
            continue
        report(
            f"{name}, {language}: {FOLDS}-fold cross-validation",
            language_truth,
            language_predicted,
        )
        if cv_errors:
            print_misclassified(language, truth, predicted, tested_languages, tested_texts)
        cv = scores(language_truth, language_predicted)
        results[language] = {
            "cv_intent": cv["intent_accuracy"],
            "cv_faq": cv["faq_key_accuracy"],
            "unseen_intent": float("nan"),
            "unseen_faq": float("nan"),
            "train_seconds": sum(seconds) / len(seconds),
        }

    print(f"{name}: training on all of nlu/ for the unseen phrasings", flush=True)
    agent, _ = train(config, data, work / f"{name}-all")
    for language, phrasings in unseen.items():
        unseen_examples = [e for e in phrasings.intent_examples if e.get("text")]
        unseen_truth = [label(e) for e in unseen_examples]
        unseen_predicted = asyncio.run(predict(agent, [e.get("text") for e in unseen_examples]))
        report(
            f"{name}, {language}: unseen phrasings (bench/{UNSEEN[language]})",
            unseen_truth,
            unseen_predicted,
        )
        held_out = scores(unseen_truth, unseen_predicted)
        results[language]["unseen_intent"] = held_out["intent_accuracy"]
        results[language]["unseen_faq"] = held_out["faq_key_accuracy"]
    return results


def loaded_nlu() -> tuple[TrainingData, dict[int, str]]:
    """nlu/'s training data, and each intent example's language (by the id of the example)."""
    nlu_files = rasa.shared.data.get_data_files([str(ROOT / "nlu")], rasa.shared.data.is_nlu_file)
    parts = [(load_data(path), language_of_file(path)) for path in sorted(nlu_files)]
    data = TrainingData().merge(*(part for part, _ in parts))
    # merge() copies the examples: find each again by its label and text
    language_by_example = {
        (label(e), e.get("text")): language
        for part, language in parts
        for e in part.intent_examples
    }
    languages = {
        id(e): language_by_example[(label(e), e.get("text"))] for e in data.intent_examples
    }
    return data, languages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rasa_env.nlu_eval")
    parser.add_argument(
        "--entryway-only",
        action="store_true",
        help="skip Rasa's default pipeline and the extra fold seeds (minutes, not half an hour)",
    )
    parser.add_argument(
        "--config", type=Path, default=ROOT / "config.yml", help="Entryway config to evaluate"
    )
    parser.add_argument(
        "--cv-errors",
        action="store_true",
        help="print the training examples cross-validation misclassified (never held-out ones)",
    )
    args = parser.parse_args(argv)
    config = args.config.resolve()
    logging.disable(logging.WARNING)
    # Rasa 3.6 also logs each parse through structlog, held-out phrasings included:
    # whoever writes training data must never read those, so nothing below a warning.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    data, languages = loaded_nlu()
    unseen = {
        language: load_data(str(ROOT / "bench" / name))
        for language, name in UNSEEN.items()
        if (ROOT / "bench" / name).exists()
    }
    trained_texts = {e.get("text").lower() for e in data.intent_examples}
    for language, phrasings in unseen.items():
        overlap = trained_texts & {e.get("text").lower() for e in phrasings.intent_examples}
        if overlap:
            print(f"bench/{UNSEEN[language]} repeats training examples: {sorted(overlap)}")
            return 2
    with tempfile.TemporaryDirectory(prefix="entryway-nlu-eval-") as directory:
        work = Path(directory)
        default_config = work / "default-config.yml"
        default_config.write_text(DEFAULT_CONFIG)
        ours_name = f"Entryway ({config.name})"
        results = {
            ours_name: evaluate("entryway", config, data, languages, unseen, work, args.cv_errors)
        }
        by_seed = {SEED: {lang: r["cv_intent"] for lang, r in results[ours_name].items()}}
        if not args.entryway_only:
            results["Rasa default pipeline"] = evaluate(
                "default", default_config, data, languages, unseen, work
            )
            for seed in OTHER_SEEDS:
                truth, predicted, tested, _, _ = cross_validate(
                    "entryway", config, data, languages, work, seed
                )
                by_seed[seed] = {
                    lang: scores(*of_language(lang, truth, predicted, tested))["intent_accuracy"]
                    for lang in results[ours_name]
                }
    counts = Counter(languages.values())
    print(
        "\n## NLU evaluation: "
        + ", ".join(f"{counts[lang]} {lang} training examples" for lang in LANGUAGES)
        + "; unseen phrasings: "
        + ", ".join(f"{len(u.intent_examples)} {lang}" for lang, u in unseen.items())
        + "\n"
    )
    print(
        "| pipeline | language | CV intent acc | CV FAQ key acc | unseen intent acc "
        "| unseen FAQ key acc | train s (per fold) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, per_language in results.items():
        for language, r in per_language.items():
            print(
                f"| {name} | {language} | {r['cv_intent']:.3f} | {r['cv_faq']:.3f} "
                f"| {r['unseen_intent']:.3f} | {r['unseen_faq']:.3f} | {r['train_seconds']:.0f} |"
            )
    print(
        "\nEntryway CV intent accuracy by fold seed (information; the checks use seed "
        f"{SEED}): "
        + "; ".join(
            f"{seed}: " + ", ".join(f"{lang} {acc:.3f}" for lang, acc in accuracies.items())
            for seed, accuracies in by_seed.items()
        )
    )
    checks = checks_of(results[ours_name], results.get("Rasa default pipeline"))
    print()
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return 0 if all(passed for _, passed in checks) else 1


def checks_of(
    ours: dict[str, dict[str, float]], default: dict[str, dict[str, float]] | None
) -> list[tuple[str, bool]]:
    checks = []
    for language, r in ours.items():
        checks.append(
            (
                f"{language}: cross-validated intent accuracy {r['cv_intent']:.3f} >= {TARGET}",
                r["cv_intent"] >= TARGET,
            )
        )
    english = ours.get("en", {}).get("unseen_intent", float("nan"))
    checks.append((f"en: unseen intent accuracy {english:.3f} >= {TARGET}", english >= TARGET))
    if "es" in ours:
        spanish = ours["es"]["unseen_intent"]
        checks.append(
            (
                f"es: unseen intent accuracy {spanish:.3f} within {LANGUAGE_GAP} of English "
                f"({english:.3f})",
                spanish >= english - LANGUAGE_GAP,
            )
        )
    for language, r in (default or {}).items():
        mine = ours[language]
        checks += [
            (
                f"{language}: beats the default pipeline on unseen phrasings "
                f"({mine['unseen_intent']:.3f} vs {r['unseen_intent']:.3f})",
                mine["unseen_intent"] > r["unseen_intent"],
            ),
            (
                f"{language}: beats the default pipeline in cross-validation "
                f"({mine['cv_intent']:.3f} vs {r['cv_intent']:.3f})",
                mine["cv_intent"] > r["cv_intent"],
            ),
        ]
    return checks


if __name__ == "__main__":
    sys.exit(main())
