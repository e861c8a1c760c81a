"""`python -m tests.support.applied_patches`: imports rasa_env.launch as the Rasa server does
(under this process's ENTRYWAY_RASA_PATCHES) and prints, as JSON, each patch's targets and
whether what is there now is still Rasa's own."""

import inspect
import json

from rasa_env import patches, tensorflow_stub
from rasa_env.patches.targets import MISSING, Target, original


def is_rasas(target: Target) -> bool:
    there = inspect.getattr_static(target.owner(), target.attribute, MISSING)
    if there is MISSING:
        return True  # nothing added where Rasa has nothing
    there = there.__func__ if isinstance(there, staticmethod) else there
    try:
        return there is original(target)
    except AttributeError:
        return False  # added by the patch


def main() -> None:
    tensorflow_stub.install()
    import rasa_env.launch  # noqa: F401  (applies the patches)

    print(
        json.dumps(
            {
                name: {
                    str(target): is_rasas(target) for target in patches.patch_module(name).TARGETS
                }
                for name in patches.PATCHES
            }
        )
    )


if __name__ == "__main__":
    main()
