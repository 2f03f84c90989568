"""The dependency rules of DESIGN.md ("Data flows one way: cli -> ingest|retrieval|reasoning -> kb"),
checked on the source (issue 15): every import of every library module, static or by a string
naming a module (importlib.import_module("ingest.x"), a registry list), held against the
direction, and storage (kb/ but kb/models/) against knowing any backend or model; and what the
quick commands load in a fresh process."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

from tests.kbcheck import ROOT

PACKAGES = ("kb", "ingest", "retrieval", "reasoning", "cli")
MODULE_STRING = re.compile(r"(kb|ingest|retrieval|reasoning)(\.[a-z_0-9]+)+(:[A-Za-z_][A-Za-z_0-9]*)?")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int, str]]:
    """(module imported, line, how) for every import in the file: static, relative, or a string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, "import") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            out.append((module, node.lineno, "from"))
            # `from kb import models` imports the module kb.models: name it, so its own rule applies
            out += [(f"{module}.{a.name}", node.lineno, "from") for a in node.names if _is_module(f"{module}.{a.name}")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.fullmatch(node.value):
            out.append((node.value.split(":")[0], node.lineno, "string"))
    return out


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _models(name: str) -> bool:
    return name == "kb.models" or name.startswith("kb.models.")


def _allowed(src: str, dst: str) -> bool:
    a, b = src.split(".")[0], dst.split(".")[0]
    if a == "kb" and not _models(src) and _models(dst):
        return False  # storage knows no models: backends, their registry and model loading live in kb/models/
    if b not in PACKAGES or a == b:
        return True
    if b == "cli" or a == "kb":
        return False  # storage imports none of the others; no library module imports the CLI
    if a == "retrieval":
        return b == "kb"
    if a == "reasoning":
        return b in ("kb", "retrieval")
    if a == "ingest":
        return b == "kb" or dst.startswith("reasoning.projectors")  # the ProjectorBank only
    return True  # cli: any


def _library_files() -> list[Path]:
    return sorted([*(p for pkg in PACKAGES[:-1] for p in (ROOT / pkg).rglob("*.py")), ROOT / "cli.py"])


def test_the_import_checker_sees_static_relative_and_string_imports(tmp_path):
    # the checker itself: a bad module of each sort is caught
    fake = ROOT / "kb" / "_layering_probe.py"
    fake.write_text('import ingest.ocr\nfrom reasoning import extractive\nMOD = "ingest.rules.doom:DOOM_PACK"\n'
                    'from kb import models\nfrom kb.models.registry import get\nHOW = "kb.models.embeddings"\n')
    try:
        found = [(d, how) for d, _, how in _imports(fake) if not _allowed("kb._layering_probe", d)]
    finally:
        fake.unlink()
    assert sorted(found) == sorted([("ingest.ocr", "import"), ("reasoning", "from"), ("reasoning.extractive", "from"),
                                    ("ingest.rules.doom", "string"), ("kb.models", "from"), ("kb.models.registry", "from"),
                                    ("kb.models.embeddings", "string")])
    assert _allowed("kb.models.embeddings", "kb.integrity") and _allowed("retrieval.search", "kb.models.embeddings")
    assert not _allowed("kb.store", "kb.models.registry") and _allowed("kb.models.embeddings", "kb.models.registry")
    assert _allowed("ingest.pipeline", "reasoning.projectors") and not _allowed("ingest.pipeline", "reasoning.qwen3vl")
    assert not _allowed("retrieval.search", "ingest.visual") and _allowed("reasoning.evidence", "retrieval.search")


def test_every_import_follows_the_direction_of_the_design():
    files = _library_files()
    assert len(files) > 50
    wrong = [f"{_module(p)}:{line} {how} {dst}" for p in files for dst, line, how in _imports(p)
             if not _allowed(_module(p), dst)]
    assert wrong == [], "\n".join(wrong)


def _loaded(*args: str) -> set[str]:
    code = ("import sys, json, atexit\n"
            "atexit.register(lambda: print('LOADED=' + json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
            "sys.argv = ['gamekb', *sys.argv[1:]]\n"
            "import tests.pg; tests.pg.install_per_home()\n"  # the PostgreSQL pass: this home's own database
            "from cli import app\napp()\n")
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": tempfile.mkdtemp(prefix="gamekb-home-"),
                            **{k: v for k, v in os.environ.items() if k.startswith("GAMEKB_TEST_")}})
    line = next(x for x in r.stderr.splitlines() if x.startswith("LOADED="))
    return set(json.loads(line[len("LOADED="):]))


HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["games", "--json"]])
def test_quick_commands_load_no_model_library_and_no_ingest_stage(args):
    mods = _loaded(*args)
    assert not {m for m in mods if m.split(".")[0] in HEAVY}
    assert not {m for m in mods if m.split(".")[0] == "ingest" and m not in ("ingest", "ingest.rules", "ingest.types",
                                                                          "ingest.stages")
                and not m.startswith("ingest.rules.")}, sorted(m for m in mods if m.startswith("ingest"))


def test_search_loads_no_model_library_and_no_frame_reading_module(library):
    # a library with a table: the query is embedded (an empty one has no vectors to search)
    mods = _loaded("search", "shotgun", "--home", str(library))
    assert "kb.models.minilm_numpy" in mods
    assert not {m for m in mods if m.split(".")[0] in HEAVY}
    assert not mods & {"ingest.ocr_engines", "ingest.speech", "ingest.screen_text", "ingest.pipeline", "ingest.visual",
                       "onnxruntime", "faster_whisper", "cv2"}, sorted(m for m in mods if m.startswith("ingest"))


# What the library-reading commands may not load (issue 15 part 9): lancedb alone cost ~1.3 s of every
# search's start-up, numpy, pyarrow and the query embedder's packages another ~0.3 s of `videos`.
LANCEDB = ("lancedb", "lance_namespace", "lance_namespace_urllib3_client", "pandas")
TABLE_READERS = ("lance", "pyarrow", "numpy", "scipy", "tokenizers", "safetensors")


@pytest.mark.parametrize("args", [["videos"], ["videos", "--json"], ["events"], ["events", "--kind", "pickup", "--json"]])
def test_listing_commands_read_sql_only(args, library):
    mods = _loaded(*args, "--home", str(library))
    assert "kb.store" in mods  # the command did open the library
    assert not {m for m in mods if m.split(".")[0] in (*HEAVY, *LANCEDB, *TABLE_READERS)}, \
        sorted(m for m in mods if m.split(".")[0] in (*HEAVY, *LANCEDB, *TABLE_READERS))


@pytest.mark.parametrize("args", [["search", "shotgun"], ["ask", "when did I get the shotgun?"]])
def test_search_and_ask_read_the_table_without_lancedb_and_embed_without_scipy(args, library):
    mods = _loaded(*args, "--home", str(library))
    assert "lance" in mods and "kb.models.erf" in mods  # they did read the table (pylance) and embed the query
    unwanted = (*HEAVY, *LANCEDB, "scipy")  # a query's GELU takes kb.models.erf, scipy's erf without scipy's ~0.2 s
    assert not {m for m in mods if m.split(".")[0] in unwanted}, sorted(m for m in mods if m.split(".")[0] in unwanted)
