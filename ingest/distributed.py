"""Ingest fanned out on Ray: one task per video, run by long-lived worker actors (issue 8).

Phases, per run:
 1. connect  - `ray.init(address)`: an existing cluster (`ray start --head` / `ray://host:10001`),
               or a local one started on this machine when no address is given and none is running
 2. workers  - N `IngestWorker` actors, each opening the knowledge base from the same Settings (so
               PostgreSQL + object storage for more than one machine) and loading `Models` once,
               on first use; on the full profile each actor asks Ray for `gpus_per_worker` GPUs and
               its models go on the GPU Ray gives it (CUDA_VISIBLE_DEVICES)
 3. fan out  - one video at a time per actor; a free actor takes the next video, so one long video
               never holds back the rest
 4. ingest   - each video goes through `pipeline.ingest_source`, the same crash-safe path as a
               single-process run: per-video lock, claim, discard leftovers, analyse, commit_video
 5. retry    - an actor whose process dies (OOM killer, node lost, kill -9) is restarted by Ray,
               which loads its models again and reruns the video it held; the rerun deletes what the
               dead attempt left in either store. A video that kills its worker MAX_ATTEMPTS times
               is reported failed and stays invisible (`ingesting`), like any crash.
 6. report   - one Outcome per source, in input order; `on_start`/`on_done` per video as it is
               handed out and as it finishes; the run is recorded in `ingestrun` like any other

Locks: the KB home's file locks coordinate processes on one machine only. With a PostgreSQL
database the workers lock through it instead (`kb.sql.advisory_lock`): the per-video lock and the
LanceDB writer lock then hold across the whole cluster. With SQLite every worker must share one
machine (and one home), which is what a local Ray cluster is.

No code here decides how to split a video or write a row: that stays in `ingest.pipeline`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Callable

from ingest.pipeline import Models, Outcome, Progress, ingest_source
from ingest.sources import Source
from kb.config import IngestConfig, Settings
from kb.errors import MissingDependency
from kb.store import KnowledgeBase

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a video whose worker dies this many times is reported failed, not retried forever


def require_ray():
    try:
        import ray
    except ImportError:
        raise MissingDependency("--ray needs Ray; install it with: pip install 'gamekb[ray]'") from None
    return ray


class IngestWorker:
    """One Ray actor: the knowledge base opened once, the models loaded once, videos one by one."""

    def __init__(self, settings: dict[str, Any], config: IngestConfig):
        # one thread per model: Ray already runs one actor per CPU it was given (kb.config.threads)
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, config.threads)))
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.kb = KnowledgeBase(Settings(home=Path(settings["home"]), db_url=settings["db_url"],
                                         lance_uri=settings["lance_uri"]))
        self.config = config
        self._models: Models | None = None

    def models(self) -> Models:
        if self._models is None:
            self._models = Models.load(self.config)
        return self._models

    def ingest(self, source: Source, force: bool = False) -> Outcome:
        return ingest_source(self.kb, source, self.models, force=force)

    def pid(self) -> int:
        return os.getpid()


def _connect(address: str | None, ray) -> None:
    if ray.is_initialized():
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True}
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(**kwargs)


def run(kb: KnowledgeBase, sources: list[Source], config: IngestConfig, address: str | None = None,
        force: bool = False, workers: int | None = None, gpus_per_worker: float | None = None,
        on_start: Callable[[Source], Progress] | None = None,
        on_done: Callable[[Outcome], None] | None = None,
        worker_cls: type = IngestWorker) -> list[Outcome]:
    """Ingest every source on a Ray cluster; same contract as `pipeline.run` (one Outcome per source,
    in order; one input's failure never stops the batch).

    workers: actors to start (default: the cluster's CPUs, at most one per video).
    gpus_per_worker: GPUs each actor asks Ray for (default: 1 on the full profile, 0 on lite; a
    fraction such as 0.5 packs two actors on one GPU when their models fit in its memory).
    worker_cls: the actor class (tests pass a subclass that crashes on purpose).
    """
    ray = require_ray()
    _connect(address, ray)
    settings = {"home": str(kb.settings.home.resolve()), "db_url": kb.settings.db_url,
                "lance_uri": kb.settings.lance_uri}
    if kb.settings.db_url is None and len(ray.nodes()) > 1:
        log.warning("a SQLite knowledge base on a %d-node Ray cluster: workers on other nodes cannot reach it; "
                    "use --db postgresql://... and an object-store GAMEKB_LANCE_URI", len(ray.nodes()))
    if gpus_per_worker is None:
        gpus_per_worker = 1.0 if config.profile == "full" else 0.0
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n = max(1, min(workers or cpus, len(sources) or 1))
    if gpus_per_worker:
        gpus = ray.cluster_resources().get("GPU", 0)
        n = max(1, min(n, int(gpus / gpus_per_worker))) if gpus else n
    remote_cls = ray.remote(worker_cls).options(num_cpus=1, num_gpus=gpus_per_worker or 0,
                                                max_restarts=MAX_ATTEMPTS - 1, max_task_retries=MAX_ATTEMPTS - 1)

    def spawn():
        return remote_cls.remote(settings, config)

    actors = [spawn() for _ in range(n)]
    run_id = kb.start_run(config.profile, len(sources))
    outcomes: list[Outcome | None] = [None] * len(sources)
    todo = list(enumerate(sources))[::-1]
    running: dict[Any, tuple[int, Any]] = {}  # ObjectRef -> (source index, actor)

    def hand_out(actor) -> None:
        if not todo:
            return
        i, source = todo.pop()
        if on_start:
            on_start(source)("ray", 0.0)
        running[actor.ingest.remote(source, force)] = (i, actor)

    try:
        for actor in actors:
            hand_out(actor)
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            i, actor = running.pop(done[0])
            try:
                outcome = ray.get(done[0])
            except ray.exceptions.RayActorError as exc:
                # the actor died MAX_ATTEMPTS times on this video: report it, replace the actor
                outcome = Outcome(sources[i].label, "failed",
                                  f"the Ray worker died {MAX_ATTEMPTS} times on this video ({type(exc).__name__}); "
                                  "it stays invisible and the next ingest redoes it")
                with contextlib.suppress(Exception):
                    ray.kill(actor)
                actor = spawn()
                actors.append(actor)
            except ray.exceptions.RayTaskError as exc:  # a bug outside ingest_source's own handling
                outcome = Outcome(sources[i].label, "failed", f"unexpected error on a Ray worker: {exc.cause!r}"[:300])
            outcomes[i] = outcome
            if on_done:
                on_done(outcome)
            hand_out(actor)
    finally:
        got = [o for o in outcomes if o is not None]
        counts = {s: sum(o.status == s for o in got) for s in ("ingested", "skipped", "failed")}
        kb.finish_run(run_id, counts["ingested"], counts["skipped"], counts["failed"],
                      {"ray": True, "workers": n, "failed": {o.source: o.message for o in got if o.status == "failed"}})
        for actor in actors:
            with contextlib.suppress(Exception):
                ray.kill(actor)
    return [o for o in outcomes if o is not None]
