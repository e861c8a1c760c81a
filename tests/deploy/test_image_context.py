"""What `docker build -f deploy/Dockerfile .` sends to the builder (and the Dockerfile's
`COPY . .` puts in the image): the build context read through .dockerignore by the
Docker SDK for Python, exactly as its `images.build` makes the tarball, from a copy of
the repository where an operator's secrets sit beside the code."""

import shutil
import tarfile
from pathlib import Path, PurePosixPath

import pytest
from docker.api.build import process_dockerfile
from docker.utils import tar

from tests.support.checkout import checkout_files
from tests.support.stack import ROOT

# What a checkout may hold that must never reach an image: each is planted in the copy.
PLANTED = [
    ".env",
    ".env.production",
    "deploy/.env",
    "deploy/production.env",
    "bot/.env",
    "storage/local.env",
    "prod.env",
    "var/secrets.env",
    "var/entryway.db",
    "models/entryway.tar.gz",
    ".venv/bin/python",
    ".git/config",
    ".rasa/cache/x",
    "tests/artifacts/stack.log",
    "storage/__pycache__/db.cpython-311.pyc",
    "deploy/tls.key",
    "bot/web/cert.pem",
    "id_ed25519",
    "credentials.json",
]
# Tracked, and not needed in the image (a new top-level file or folder must be named
# here or in .dockerignore: the image would otherwise miss it, or take it unasked).
NOT_IN_THE_IMAGE = {
    ".ci",
    ".gitignore",
    ".dockerignore",
    "README.md",
    "SECURITY.md",
    "docs",
    "bench",
    "tests",
    "deploy/Dockerfile",
    "deploy/compose.yaml",
}


def build_context(root: Path) -> set[str]:
    """The files of the context the SDK sends for `-f deploy/Dockerfile` (as its
    APIClient.build reads .dockerignore: one pattern a line, no blanks nor comments)."""
    lines = (root / ".dockerignore").read_text().splitlines()
    exclude = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    context = tar(
        str(root), exclude=exclude, dockerfile=process_dockerfile("deploy/Dockerfile", str(root))
    )
    with tarfile.open(fileobj=context) as archive:
        return {member.name for member in archive.getmembers() if member.isfile()}


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> set[str]:
    copy = tmp_path_factory.mktemp("checkout")
    for path in checkout_files():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, copy / path)
    for path in PLANTED:
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text("SECRET=do-not-ship\n")
    return build_context(copy)


def test_no_env_file_nor_any_other_secret_reaches_the_image(context):
    leaked = sorted(set(PLANTED) & context)
    assert leaked == []
    for path in map(PurePosixPath, context):
        assert ".env" not in path.name and path.suffix not in {".env", ".key", ".pem"}, path
        assert path.parts[0] not in {"var", "models", ".venv", ".git", ".rasa"}, path


def test_the_image_gets_everything_it_runs_from(context):
    needed = {
        path
        for path in checkout_files()
        if not any(path == n or path.startswith(f"{n}/") for n in NOT_IN_THE_IMAGE)
    }
    assert needed - context == set()
    assert "deploy/Dockerfile" in context  # sent to the builder, as Docker always does
    assert {"Makefile", "scripts/supervise", "storage/migrations/env.py"} <= context
