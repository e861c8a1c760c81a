"""`python -m rasa_env.patches`: the Rasa installed, then each patch on one line: its name,
each target and whether its source is the one checked, whether ENTRYWAY_RASA_PATCHES
switches it off.

`python -m rasa_env.patches --hashes`: each target and the SHA-256 of its source in the
Rasa installed, for updating a patch once its new source was read.

`python -m rasa_env.patches --check`: nothing printed when the launcher would start, else
the reason on one line and exit status 1. scripts/supervise (`make run`, the production
image) runs it first, so a refusal stops it, instead of supervisord restarting a refusing
Rasa server forever.

Reading the targets' sources needs Rasa's modules, not TensorFlow: the TensorFlow stub
(rasa_env/tensorflow_stub.py) stands in for it, as when a model is served.
"""

import argparse
import sys
import warnings

from rasa_env import patches, tensorflow_stub
from rasa_env.patches.targets import Target, source_hash


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m rasa_env.patches", description=__doc__)
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--check", action="store_true", help="only check, print nothing if fine")
    choice.add_argument(
        "--hashes",
        action="store_true",
        help="each target and the SHA-256 of its source in the Rasa installed (to update a patch)",
    )
    arguments = parser.parse_args()
    tensorflow_stub.install()
    # Rasa's imports warn about their own dependencies (and set their own warning
    # filters): not this command's output.
    warnings.showwarning = lambda *_, **__: None
    try:
        if arguments.check:
            patches.check()
            return 0
        if arguments.hashes:
            for state in patches.states():
                if state.import_error is not None:
                    print(f"{state.name}  does not import: {state.import_error}")
                for target in state.targets:
                    print(f"{state.name}  {target}  {_hash_or_missing(target)}")
            return 0
        listing = patches.states()
    except patches.Refused as refusal:
        print(f"rasa_env.patches: {refusal}", file=sys.stderr)
        return 1
    import rasa

    print(f"Rasa {rasa.__version__}; patches checked against {patches.CHECKED_RASA_VERSION}")
    width = max(len(state.name) for state in listing)
    for state in listing:
        print(state.line(width))
    return 0


def _hash_or_missing(target: Target) -> str:
    try:
        return source_hash(target)
    except (ImportError, AttributeError, OSError, TypeError):
        return "target missing"


if __name__ == "__main__":
    sys.exit(main())
