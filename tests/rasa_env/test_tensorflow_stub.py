"""rasa_env/tensorflow_stub.py: a model whose every component runs without TensorFlow is
served without importing it; any other model, or one that cannot be read, gets the real
TensorFlow."""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from rasa_env import tensorflow_stub
from tests.support.patched_rasa import MODEL, ROOT


def model_file(path: Path, nodes: dict) -> Path:
    metadata = json.dumps({"predict_schema": {"nodes": nodes}}).encode()
    with tarfile.open(path, "w:gz") as archive:
        entry = tarfile.TarInfo("metadata.json")
        entry.size = len(metadata)
        archive.addfile(entry, io.BytesIO(metadata))
    return path


def test_the_model_rasa_run_serves_is_read_from_its_command_line() -> None:
    assert tensorflow_stub.served_model(["run", "--enable-api", "--model", str(MODEL)]) == MODEL
    assert tensorflow_stub.served_model(["run", f"--model={MODEL}"]) == MODEL
    assert tensorflow_stub.served_model(["train", "--out", "models"]) is None
    assert tensorflow_stub.served_model(["run"]) is None  # Rasa would pick a model itself


def test_only_a_model_of_components_checked_for_it_goes_without_tensorflow(tmp_path) -> None:
    assert not tensorflow_stub.model_needs_tensorflow(MODEL)
    with_diet = {
        "a": {"uses": "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer"},
        "b": {"uses": "rasa.nlu.classifiers.diet_classifier.DIETClassifier"},
    }
    assert tensorflow_stub.model_needs_tensorflow(model_file(tmp_path / "a.tar.gz", with_diet))
    assert tensorflow_stub.model_needs_tensorflow(tmp_path / "no-such-model.tar.gz")
    (tmp_path / "broken.tar.gz").write_bytes(b"not a tar file")
    assert tensorflow_stub.model_needs_tensorflow(tmp_path / "broken.tar.gz")
    assert tensorflow_stub.model_needs_tensorflow(model_file(tmp_path / "empty.tar.gz", {}))


def test_entryways_model_is_served_without_loading_tensorflow_keras_or_jax() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.served_without_tensorflow"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    faq = served["parses"]["how long does the evaluation take?"]
    assert faq["intent"]["name"] == "faq", faq["intent"]
    assert faq["response_selector"]["faq"]["response"]["intent_response_key"].startswith("faq/")
    assert served["parses"]["hello"]["intent"]["name"] == "greet"
    assert served["heavy_modules"] == []
    assert served["calling_a_stand_in_raised"] == "TensorFlowNotLoaded"
    assert served["has_constant"] is False
