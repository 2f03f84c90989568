"""The README's test command (issue 14, part 5): one command a user pastes, the same one `.ci/run`
runs; it runs the SQLite pass and the PostgreSQL pass whatever the first one did, and fails when
either failed. Run here by bash with `python` standing in for pytest (it only records the pass it
was asked for and exits as told), as a user's shell runs it and as `.ci/run` does (set -euo pipefail)."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_command() -> str:
    block = re.search(r"## Run the tests\n\n```bash\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S).group(1)
    assert "\n" not in block, "the README's test command must stay one line a user can paste"
    return block


def _ci_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return lines[lines.index("# The README's test command:") + 1]


def _tests_part(command: str) -> str:
    return command[command.index("export HF_HUB_OFFLINE=1"):]


def test_ci_runs_the_readmes_command():
    readme, ci = _readme_command(), _ci_command()
    assert ci.replace("pip install -q ", "pip install ") in readme
    assert _tests_part(readme) == _tests_part(ci)


@pytest.mark.parametrize("shell", [["bash", "-c"], ["bash", "-euo", "pipefail", "-c"]], ids=["user", "ci"])
@pytest.mark.parametrize("sqlite_rc,postgres_rc", [(1, 0), (0, 1), (1, 1), (0, 0)])
def test_both_passes_run_and_either_failing_fails_the_command(tmp_path, shell, sqlite_rc, postgres_rc):
    log = tmp_path / "passes"
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\necho "${GAMEKB_TEST_DB:-sqlite} $*" >> "$PASSES"\n'
                    '[ "${GAMEKB_TEST_DB:-sqlite}" = sqlite ] && exit "$SQLITE_RC"; exit "$POSTGRES_RC"\n')
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}", "PASSES": str(log),
           "SQLITE_RC": str(sqlite_rc), "POSTGRES_RC": str(postgres_rc)}
    env.pop("GAMEKB_TEST_DB", None)
    run = subprocess.run([*shell, _tests_part(_readme_command())], env=env, capture_output=True, text=True, timeout=60)
    assert log.read_text().splitlines() == ["sqlite -m pytest -q", "postgresql -m pytest -q"]
    assert (run.returncode == 0) == (sqlite_rc == postgres_rc == 0), run
