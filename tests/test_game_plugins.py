"""Game packs found through the `gamekb.games` entry points (issue 12): real distributions built and
installed with pip into a folder on PYTHONPATH, and the CLI run in a fresh process over them.

The plugins: gamekb-mygame (a pack, and a function that returns one), gamekb-broken (its module
raises ImportError), gamekb-fakedoom (claims the built-in name "doom"). Also `--game` on ingest:
a misspelt name is one line before anything loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.kbcheck import CLI, ROOT, gamekb

runner = CliRunner()

MYGAME = '''
from dataclasses import replace

from ingest.rules import LexiconEntry, RulePack
from kb.kinds import EventKind

PACK = RulePack(
    name="mygame",
    title="My Game (a test plugin)",
    lexicon=(LexiconEntry("Level complete!", "objective", "level complete"),),
    kinds=(EventKind("mygame_bonus", "bonus stage", "a bonus: {label}", description="a bonus stage began"),),
)


def make_pack():
    return replace(PACK, name="mygame-classic", title="My Game, the 1994 release")
'''


def _dist(root: Path, name: str, version: str, module: str, source: str, entries: dict[str, str],
          group: str = "gamekb.games") -> Path:
    d = root / name
    d.mkdir()
    eps = "\n".join(f'"{k}" = "{v}"' for k, v in entries.items())
    (d / "pyproject.toml").write_text(textwrap.dedent(f'''\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "{version}"

        [project.entry-points."{group}"]
        ''') + eps + f'\n\n[tool.setuptools]\npy-modules = ["{module}"]\n')
    (d / f"{module}.py").write_text(source)
    return d


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Three plugin distributions, built by setuptools and installed by pip into one target folder."""
    root = tmp_path_factory.mktemp("plugins")
    dists = [
        _dist(root, "gamekb-mygame", "0.3.1", "gamekb_mygame", MYGAME,
              {"mygame": "gamekb_mygame:PACK", "mygame-classic": "gamekb_mygame:make_pack"}),
        _dist(root, "gamekb-broken", "0.1.0", "gamekb_broken", 'raise ImportError("needs the mygame SDK")\n',
              {"broken": "gamekb_broken:PACK"}),
        _dist(root, "gamekb-fakedoom", "2.0.0", "gamekb_fakedoom",
              'from ingest.rules import RulePack\nPACK = RulePack(name="doom", title="an impostor")\n',
              {"doom": "gamekb_fakedoom:PACK"}),
    ]
    return pip_install(dists, root / "site")


def pip_install(dists: list[Path], target: Path) -> Path:
    """Build the distributions with setuptools and install them with pip into `target`."""
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                        "--no-index", "--target", str(target), *map(str, dists)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return target


def _games(site: Path) -> tuple[dict[str, dict], str]:
    r = gamekb("games", "--json", env={"PYTHONPATH": str(site)})
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return {g["name"]: g for g in json.loads(r.stdout)}, r.stderr


def test_builtins_are_declared_as_entry_points_too():
    """pyproject's entry points and the fallback list name the same packs (adding one: a line in each)."""
    from ingest.rules import BUILTIN_PACKS

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["gamekb.games"] == BUILTIN_PACKS


def test_games_lists_the_builtin_packs():
    r = runner.invoke(app, ["games", "--json"])
    assert r.exit_code == 0, r.output
    games = {g["name"]: g for g in json.loads(r.stdout)}
    doom = games["doom"]
    assert (doom["source"], doom["origin"], doom["distribution"]) == ("built-in", "built-in", None)
    assert doom["lexicon"] > 100 and doom["hud_values"] == ["ammo", "armor", "health"]
    assert "Freedoom" in doom["title"] and doom["entry_point"] == "ingest.rules.doom:DOOM_PACK"
    assert games["generic"]["lexicon"] == 0 and games["generic"]["source"] == "built-in"
    table = runner.invoke(app, ["games"])
    assert table.exit_code == 0 and "built-in" in table.stdout and "doom" in table.stdout


def test_a_pip_installed_pack_is_listed_with_its_distribution(site):
    games, stderr = _games(site)
    mine = games["mygame"]
    assert (mine["origin"], mine["distribution"], mine["version"]) == ("plugin", "gamekb-mygame", "0.3.1")
    assert mine["source"] == "gamekb-mygame 0.3.1" and mine["title"] == "My Game (a test plugin)"
    assert (mine["lexicon"], mine["hud_values"], mine["kinds"]) == (1, [], ["mygame_bonus"])
    # an entry point may name a function returning the pack
    assert games["mygame-classic"]["distribution"] == "gamekb-mygame"
    # the broken plugin is skipped with a warning naming its distribution; the rest still works
    assert "broken" not in games
    assert "gamekb-broken 0.1.0 is skipped: it failed to load: ImportError: needs the mygame SDK" in stderr
    # a plugin may not take a built-in's name: doom is still the real one
    assert games["doom"]["source"] == "built-in" and games["doom"]["lexicon"] > 100
    assert "gamekb-fakedoom 2.0.0 is refused: the name 'doom' is taken by the built-in pack; rename its entry point" in stderr
    table = gamekb("games", env={"PYTHONPATH": str(site)})
    assert table.returncode == 0 and "gamekb-mygame 0.3.1" in table.stdout


def test_a_pip_installed_pack_is_usable_by_name(site):
    code = textwrap.dedent("""\
        import json
        from ingest.rules import check_game, get_pack, pack_source
        from kb import kinds
        pack = get_pack("mygame")
        print(json.dumps({"entries": [[e.text, e.kind, e.label] for e in pack.lexicon],
                          "source": str(pack_source("mygame")), "game": check_game("mygame"),
                          "phrase": kinds.phrase("mygame_bonus", "stage 2")}))
        """)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"entries": [["Level complete!", "objective", "level complete"]],
                                    "source": "gamekb-mygame 0.3.1", "game": "mygame", "phrase": "a bonus: stage 2"}


def test_fresh_metadata_lists_the_builtins_once(tmp_path):
    """With gamekb's own metadata declaring the built-ins (after `pip install -e .`), they are not
    loaded twice nor refused as collisions; one it names that the code no longer has is skipped."""
    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["gamekb.games"]
    info = tmp_path / "gamekb-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gamekb\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[gamekb.games]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
                                           + "gone = ingest.rules.gone:PACK\n")  # a pack since removed
    # run outside the checkout: a gamekb.egg-info left in it by an older `pip install -e .` would
    # come first on sys.path and hide this metadata
    code = "from importlib.metadata import entry_points as e; print(len(e(group='gamekb.games'))); " + CLI
    r = subprocess.run([sys.executable, "-c", code, "games", "--json"], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
                       timeout=120)
    assert r.returncode == 0, r.stderr
    seen, listing = r.stdout.split("\n", 1)
    assert int(seen) == len(eps) + 1  # the metadata above is the one read
    games = {g["name"]: g for g in json.loads(listing)}
    assert set(eps) <= set(games) and all(games[n]["source"] == "built-in" for n in eps)
    # stale metadata naming a module that is gone: a warning, not a crash
    (warning,) = r.stderr.strip().splitlines()
    assert "'gone' (ingest.rules.gone:PACK) from gamekb 0.1.0 is skipped" in warning and "ModuleNotFoundError" in warning


def test_importing_the_packs_stays_light():
    code = ("import sys, ingest.rules as r; r.packs(); r.get_pack('doom');"
            "print(sorted(m for m in ('torch', 'numpy', 'cv2', 'onnxruntime', 'lancedb', 'sqlalchemy') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr


@pytest.mark.parametrize("how", ["flag", "config"])
def test_unknown_game_is_one_line_before_anything_loads(tmp_path, how):
    home = tmp_path / "kb"
    args = ["ingest", str(tmp_path / "missing.mp4"), "--home", str(home)]
    if how == "flag":
        args += ["--game", "quake"]
    else:
        (tmp_path / "gamekb.toml").write_text('[ingest]\ngame = "quake"\n')
        args += ["--config", str(tmp_path / "gamekb.toml")]
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    (line,) = r.output.strip().splitlines()
    assert line.startswith("gamekb: unknown game 'quake'; choose auto or one of: ") and {"doom", "generic"} <= set(line.split(": ")[-1].split(", "))
    assert not home.exists()  # no knowledge base opened, no model loaded, no file looked at


@pytest.mark.slow
def test_a_pip_installed_pack_reads_a_video(site, tmp_path):
    """The plugin's lexicon types the line its game prints: named with --game, and chosen by auto
    (the line shows on the sampled frames it reads), with the match stored on the video."""
    from tests.clips import make_silent_video

    clip = make_silent_video(tmp_path / "level.mp4", 6.0, texts=[(0.5, 5.5, "Level complete!")]).path
    env = {"PYTHONPATH": str(site)}
    for game, home in (("mygame", tmp_path / "named"), ("auto", tmp_path / "auto")):
        r = gamekb("ingest", str(clip), "--game", game, "--home", str(home), env=env, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "read as mygame" in r.stdout, r.stdout
        events = json.loads(gamekb("events", "--json", "--home", str(home), env=env).stdout)
        hits = [e for e in events if e["source"] == "ocr"]
        assert [(e["kind"], e["label"]) for e in hits] == [("objective", "level complete")], events
        assert abs(hits[0]["t_start"] - 0.5) <= 1.0
        (video,) = json.loads(gamekb("videos", "--json", "--home", str(home), env=env).stdout)
        assert video["game"] == "mygame" and (video["game_score"] is None) == (game == "mygame")
