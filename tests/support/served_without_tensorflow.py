"""`python -m tests.support.served_without_tensorflow`: Entryway's model loaded and asked as
the launcher serves it (TensorFlow stubbed, the patches applied), printing as JSON two
parses, the modules of the real TensorFlow, Keras or JAX that were loaded, and what
calling a stand-in raised."""

import asyncio
import json
import sys

from rasa_env import tensorflow_stub
from tests.support.patched_rasa import MODEL

HEAVY = ("tensorflow", "keras", "jax", "jaxlib")


def main() -> None:
    tensorflow_stub.install()
    from rasa.core.agent import Agent

    import rasa_env.launch  # noqa: F401  (imports Rasa and applies the patches, as served)

    agent = Agent.load(str(MODEL))
    parses = {
        text: asyncio.run(agent.parse_message(text))
        for text in ("how long does the evaluation take?", "hello")
    }
    heavy = [
        name
        for name, module in list(sys.modules.items())
        if any(
            f"site-packages/{package}/" in (getattr(module, "__file__", None) or "")
            for package in HEAVY
        )
    ]
    import tensorflow

    try:
        tensorflow.Tensor([1.0])
        called = "nothing"
    except tensorflow_stub.TensorFlowNotLoaded as error:
        called = type(error).__name__
    print(
        json.dumps(
            {
                "parses": parses,
                "heavy_modules": heavy,
                "calling_a_stand_in_raised": called,
                "has_constant": hasattr(tensorflow, "constant"),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
