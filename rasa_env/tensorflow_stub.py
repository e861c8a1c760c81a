"""Stand-ins for `tensorflow` and `keras` in a Rasa server that runs no TensorFlow model.

Rasa 3.6.21 imports TensorFlow at import time (its policy and extractor base
modules import its training utilities), which with Keras and JAX is most of each
worker's memory and start-up time (docs/performance/2026-11-28-memory.md). rasa_env/launch.py
calls `install()` before importing Rasa when the model it serves has only
components checked for it (rasa_env/components.py); `python -m rasa_env.patches`, which
only reads Rasa's sources, always does. The stub modules offer only the
names Rasa's modules read while being imported (class bases, type hints); any
other name is an AttributeError and calling anything raises TensorFlowNotLoaded,
so a code path that did need TensorFlow fails loudly rather than quietly.
"""

import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rasa_env import components

# What Rasa 3.6.21's modules read from the stub modules while being imported.
_STUB_NAMES = {
    "tensorflow": {"keras", "types", "Tensor", "TensorSpec", "TensorShape", "SparseTensor"},
    "tensorflow.keras": {"layers", "metrics", "utils", "backend", "callbacks", "Model"},
    "tensorflow.keras.utils": {"Sequence"},
    "tensorflow.types": {"experimental"},
    "tensorflow.types.experimental": {"TensorLike"},
    "keras": {"Model", "utils"},
    "keras.utils": {"tf_utils", "control_flow_util"},
    "keras.utils.control_flow_util": {"smart_cond"},
}
_STUBBED_PACKAGES = ("tensorflow", "keras")


class TensorFlowNotLoaded(RuntimeError):
    pass


class _StubType(type):
    """A stand-in class: subclassable, usable in type hints, never callable."""

    def __getattr__(cls, name: str) -> "_StubType":
        if name.startswith("__"):
            raise AttributeError(name)
        child = _StubType(name, (), {"__module__": cls.__module__})
        child.__qualname__ = f"{cls.__qualname__}.{name}"
        type.__setattr__(cls, name, child)
        return child

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TensorFlowNotLoaded(
            f"{cls.__module__}.{cls.__qualname__} was called, but this Rasa server runs "
            "without TensorFlow (rasa_env/tensorflow_stub.py)"
        )


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name not in _STUB_NAMES.get(self.__name__, ()):
            raise AttributeError(f"module {self.__name__!r} (stub) has no attribute {name!r}")
        stub = _StubType(name, (), {"__module__": self.__name__})
        setattr(self, name, stub)
        return stub


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname.partition(".")[0] not in _STUBBED_PACKAGES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def served_model(argv: Sequence[str]) -> Path | None:
    """The model file `rasa run` would serve, if named on the command line."""
    if not argv or argv[0] != "run":
        return None
    for index, argument in enumerate(argv):
        if argument in ("--model", "-m") and index + 1 < len(argv):
            return Path(argv[index + 1])
        if argument.startswith("--model="):
            return Path(argument.split("=", 1)[1])
    return None


def model_needs_tensorflow(model: Path) -> bool:
    """False only for a model file whose prediction graph is all TensorFlow-free."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("/") == "metadata.json":
                    metadata = json.load(archive.extractfile(member))
                    break
            else:
                return True
    except (OSError, tarfile.TarError, ValueError):
        return True
    nodes = metadata.get("predict_schema", {}).get("nodes", {}).values()
    return not nodes or not components.all_have(
        (node.get("uses") for node in nodes), components.NO_TENSORFLOW
    )


def install() -> None:
    if any(isinstance(finder, _StubFinder) for finder in sys.meta_path):
        return
    loaded = [name for name in sys.modules if name.partition(".")[0] in _STUBBED_PACKAGES]
    if loaded:
        raise RuntimeError(f"TensorFlow is already imported ({loaded[0]}); too late to stub")
    sys.meta_path.insert(0, _StubFinder())
