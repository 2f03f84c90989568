"""The linter's rules and the type checker hold over the library packages and the CLI (issue 15):
ruff, configured in pyproject.toml ([tool.ruff]: pyflakes, pycodestyle, bugbear, import order), and
mypy ([tool.mypy]: every function body checked; the files it reads are listed there)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.kbcheck import ROOT


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="needs ruff (pip install -e '.[test]')")
def test_ruff_finds_nothing():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "kb", "ingest", "retrieval", "reasoning",
                        "cli.py", "migrations"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="needs mypy (pip install -e '.[test]')")
def test_mypy_finds_nothing():
    # the cache (.mypy_cache, ignored by git) makes a second run take a second or two; ~20 s cold on 2 cores
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
