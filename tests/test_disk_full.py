"""A full disk is one clear line, then a stop (issue 14, part 2), on a real small filesystem.

Each test mounts its own tmpfs (a few MB) for the knowledge base home and fills it with a file,
so every write of SQLite, LanceDB and gamekb itself meets a real ENOSPC, as on a full laptop
disk. Mounting needs root: elsewhere the tests skip and say why.

Before: 158 lines of `unexpected error: ... No space left on device` (one per video left), a
traceback from finish_run and no summary; `gamekb doctor --repair` on the full disk: a traceback.
"""

import errno
import os
import re
import subprocess

import numpy as np
import pytest

from kb.errors import free_bytes, is_disk_full
from kb.store import KnowledgeBase
from tests.clips import make_silent_video
from tests.kbcheck import gamekb, visible
from tests.test_disk import _commit


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the knowledge base home")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt, leave: int = 0):
    """Write a file until the filesystem is full, then give `leave` bytes back."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\xff" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        if leave:
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return filler


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return [make_silent_video(d / f"{name}.mp4", 2.0, texts=[(0.2, 1.8, text)]).path for name, text in (
        ("first", "You got the shotgun!"), ("second", "Picked up a stimpack."), ("third", "You got the chaingun!"),
        ("fourth", "Picked up a clip."))]


def _no_traceback(r):
    assert "Traceback" not in r.stdout + r.stderr and "unexpected error" not in r.stdout + r.stderr, r.stdout + r.stderr


def test_full_disk_stops_the_run_with_one_line_and_a_rerun_finishes(small_disk, clips):
    home = small_disk / "kb"
    r = gamekb("ingest", str(clips[0]), "--home", str(home))
    assert r.returncode == 0, r.stderr
    filler = fill(small_disk, leave=48 << 10)  # room for a few writes, not for three more videos

    r = gamekb("ingest", *map(str, clips[1:]), "--home", str(home))
    _no_traceback(r)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    m = re.fullmatch(rf"gamekb: disk full at {re.escape(str(home))}: (\d+) videos done, (\d+) left; free space and rerun",
                     lines[0])
    assert m, lines[0]
    done, left = int(m[1]), int(m[2])
    assert done + left == 3 and left >= 1
    assert r.stdout.strip().splitlines()[-1] == f"{done} ingested, 0 skipped, 0 failed, {left} left (disk full)"

    for args in (("doctor",), ("doctor", "--repair")):  # on the full disk: its report, or one line
        r = gamekb(*args, "--home", str(home))
        _no_traceback(r)
        assert len(r.stderr.strip().splitlines()) <= 1, r.stderr

    filler.unlink()
    seen = visible(home)  # nothing half-visible: what search and events show is exactly the ready videos
    assert seen["search"] <= seen["ready"] and seen["events"] <= seen["ready"] and "first" in seen["ready"]
    r = gamekb("ingest", *map(str, clips[1:]), "--home", str(home))
    assert r.returncode == 0, r.stdout + r.stderr
    r = gamekb("doctor", "--repair", "--home", str(home))
    assert r.returncode == 0, r.stdout + r.stderr
    assert gamekb("doctor", "--home", str(home)).stdout.strip() == "ok: both stores agree"
    assert visible(home)["ready"] == {"first", "second", "third", "fourth"}


def test_doctor_repair_on_a_disk_filled_by_old_versions_reclaims_them(small_disk, monkeypatch):
    """The issue's library: old versions kept until the disk was full (as the old code kept every
    one). SQLite cannot even open on the full disk; --repair reclaims them first, then repairs."""
    home = small_disk / "kb"
    monkeypatch.setenv("GAMEKB_LANCE_GRACE_S", "3600")
    kb = KnowledgeBase.open(home)
    rng = np.random.default_rng(3)
    with pytest.raises(Exception) as full, KnowledgeBase.open(home).segments.reading():
        for n in range(10_000):  # the same 4 videos committed again and again (ingest --force)
            _commit(kb, n % 4, rng, keyframe=100_000)
    assert is_disk_full(full.value, home), full.value
    kb.engine.dispose()  # the last connection closes: SQLite must open the database afresh
    fill(small_disk)  # and the little room the failed write left is taken too

    r = gamekb("doctor", "--repair", "--home", str(home), env={"GAMEKB_LANCE_GRACE_S": "0"})
    _no_traceback(r)
    assert r.returncode == 0, r.stdout + r.stderr
    # SQLite opens the library when its -shm file survived (here it does: the last close could not
    # checkpoint on the full disk); when it cannot, the dead space is reclaimed without it first
    assert (re.search(r"^fixed dead-space: [0-9.]+ MB of old versions .*; [1-9][0-9.]* MB freed$", r.stdout, re.M)
            or re.search(r"reclaimed [1-9][0-9.]* MB of LanceDB dead space on the full disk", r.stderr)), r.stdout + r.stderr
    assert free_bytes(home) > (2 << 20)
    assert gamekb("doctor", "--home", str(home)).stdout.strip() == "ok: both stores agree"
    _commit(KnowledgeBase.open(home), 9, rng, keyframe=100_000)  # room again for new videos
