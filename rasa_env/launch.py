"""`python -m rasa_env.launch ...`: the `rasa` command, with Entryway's patches to Rasa.

Before Rasa is imported, it decides whether the model `rasa run` serves needs TensorFlow
(rasa_env/tensorflow_stub.py, from the model's components, rasa_env/components.py) and
stubs TensorFlow out when it does not. It then checks that the installed Rasa and each
patched part of it are what the patches were written for, and applies them
(rasa_env/patches/): on a mismatch it refuses to start, with one line saying what differs.
`run` gets ENTRYWAY_RASA_TOKEN as its auth token. Then Rasa's own main runs.

Imported rather than run (tests, tools), it applies the patches to the process.
"""

import os
import sys

from rasa_env import patches, tensorflow_stub

SERVED = tensorflow_stub.served_model(sys.argv[1:]) if __name__ == "__main__" else None
WITHOUT_TENSORFLOW = SERVED is not None and not tensorflow_stub.model_needs_tensorflow(SERVED)


def _apply_patches() -> None:
    try:
        patches.apply_all()
    except patches.Refused as refusal:
        sys.exit(f"rasa_env.launch: refusing to start Rasa: {refusal}")


def main() -> None:
    from rasa.__main__ import main as rasa_main  # Rasa only now: after the stub decision

    sys.argv[0] = "rasa"
    token = os.environ.get("ENTRYWAY_RASA_TOKEN")
    if token and sys.argv[1:2] == ["run"]:
        # Given here, not by scripts/run-rasa: any user on the host can read a process's
        # command line (ps), and only the service user its environment. One word with
        # "=": a token that starts with "-" would otherwise be read as an option.
        sys.argv.append(f"--auth-token={token}")
    if WITHOUT_TENSORFLOW:
        print(f"rasa_env.launch: serving {SERVED} without TensorFlow", file=sys.stderr)
    rasa_main()


if WITHOUT_TENSORFLOW:
    tensorflow_stub.install()  # before anything imports Rasa
_apply_patches()

if __name__ == "__main__":
    main()
