"""A Ray ingest worker that kills its own process once, mid-video (tests/test_ray.py).

The first actor to start claims a marker file and runs with GAMEKB_FAULT=lance-add: its process
exits (os._exit, like kill -9) after its first video's LanceDB rows are written and before the SQL
commit, so the video is left `ingesting` with rows in LanceDB. Ray restarts the actor (a fresh
process, no fault this time) and retries the video; the retry must clean up and redo it.
"""

import os
from pathlib import Path

from ingest.distributed import IngestWorker
from kb.store import FAULT_ENV


class CrashOnceWorker(IngestWorker):
    def __init__(self, settings, config):
        marker = Path(settings["home"]) / "crash-once"
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            os.environ.pop(FAULT_ENV, None)
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.environ[FAULT_ENV] = "lance-add"
        super().__init__(settings, config)
