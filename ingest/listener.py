"""The speech stage, run beside the frame loop in its own process.

Measured on the sample clip (2 cores): the frame loop takes 2.6 s alone, 6.7 s beside Whisper in a
thread of the same process (Whisper's Python-side decoding and the frame loop take turns on the
GIL), and 3.8 s beside Whisper in a process of its own, which itself takes 3.7 s. So by default the
transcriber lives in one worker process per run, loaded on first use and reused for every video;
`IngestConfig.speech_process = False` keeps it in a thread (Ray actors, debugging).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import weakref
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Sequence

from kb.models import registry

_WORKER: dict[str, Any] = {}  # in the worker process: (name, options) -> transcriber


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the ingest process is gone. A worker blocked on its task queue
    never sees EOF (it holds the queue's write end itself), so after a `kill -9` of the parent it
    would otherwise live on, holding Whisper's memory."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="gamekb-parent-watch", daemon=True).start()


def _worker_model(name: str, options: dict[str, Any]) -> Any:
    key = repr((name, sorted(options.items())))
    if key not in _WORKER:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        _WORKER[key] = registry.create("speech", name, **options)
    return _WORKER[key]


def _transcribe_in_worker(path: str, name: str, options: dict[str, Any], vocabulary: tuple[str, ...] = (),
                         keep: str | None = None) -> list:
    from ingest.stream import listen

    return listen(Path(path), _worker_model(name, options), vocabulary=vocabulary,
                  keep=Path(keep) if keep is not None else None)


class SpeechStage:
    """Speech for a run: `start(path, vocabulary)` returns a Future of the video's phrases;
    `vocabulary` (the chosen game pack's words) biases the decoder (ingest/speech.py)."""

    def __init__(self, name: str, options: dict[str, Any] | None = None, process: bool = True):
        self.name, self.options, self.process = name, dict(options or {}), process
        if process:  # its own process: two threads let it use the core the frame loop frees when done
            self.worker_options = {"cpu_threads": 2, **self.options}
        else:
            self.worker_options = self.options
        registry.get("speech", name)  # an unknown name fails now, listing the valid ones
        self._pool: Any = None
        if process:  # start the worker and load Whisper while the other models load: the first video
            # would otherwise wait ~1.5 s for it (a failure here shows again, clearly, at the first video)
            self._executor(ProcessPoolExecutor).submit(_worker_model, name, self.worker_options)

    @functools.cached_property
    def model(self) -> Any:
        """The transcriber in this process (thread mode, and for callers that transcribe arrays)."""
        return registry.create("speech", self.name, **self.options)

    @property
    def model_id(self) -> str:
        """The model the backend loads with these options (a faster-whisper size, hub id or folder;
        a packaged model's pinned name), without loading it: the worker process holds the model."""
        factory = registry.get("speech", self.name).factory
        by_options = getattr(factory, "model_id_for", None)
        return by_options(self.options) if by_options is not None else getattr(factory, "model_id", "") or self.name

    def transcribe(self, audio, sample_rate: int = 16000, offset_s: float = 0.0) -> list:
        return self.model.transcribe(audio, sample_rate=sample_rate, offset_s=offset_s)

    def start(self, path: Path, vocabulary: Sequence[str] = (), keep: Path | None = None) -> Future:
        """`keep`: where to write the decoded track as well (`stream.listen`), for the audio encoder."""
        vocabulary = tuple(vocabulary)
        if not self.process:
            from ingest.stream import listen

            model = self.model  # loaded here, so a missing model fails before the frame loop starts
            return self._track(self._executor(ThreadPoolExecutor).submit(listen, path, model, vocabulary=vocabulary,
                                                                         keep=keep))
        args = (_transcribe_in_worker, str(path), self.name, self.worker_options, vocabulary,
                str(keep) if keep is not None else None)
        try:
            future = self._executor(ProcessPoolExecutor).submit(*args)
        except BrokenProcessPool:  # the worker died with an earlier video: start a new one
            self.close()
            future = self._executor(ProcessPoolExecutor).submit(*args)
        return self._track(future)

    def _track(self, future: Future) -> Future:
        self._busy.add(future)
        future.add_done_callback(self._busy.discard)
        return future

    def _executor(self, kind):
        if self._pool is None:
            if kind is ProcessPoolExecutor:
                # spawn, not fork: the parent already runs onnxruntime and decoder threads
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_watch_parent, initargs=(os.getpid(),))
            else:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gamekb-listen")
            self._busy: set[Future] = set()
            # a stage dropped without close() (a benchmark's second Models) still ends its worker, now
            self._closer = weakref.finalize(self, _shut, self._pool, self._busy)
        return self._pool

    def close(self) -> None:
        """End the worker (a process, or a thread) and wait until it is gone."""
        if self._pool is not None:
            self._closer()
            self._pool = None


def _shut(pool: Any, busy: set[Future]) -> None:
    """Shut a pool down and wait for it. Never `shutdown(wait=False)`: a process pool still shutting
    down while Python exits races its wakeup pipe and prints `OSError: [Errno 9] Bad file
    descriptor` (issue 14). A transcription still running (the run was interrupted) is not waited
    for: its worker process is stopped, and a worker thread is left to end on its own."""
    running = any(not f.done() for f in list(busy))
    if isinstance(pool, ProcessPoolExecutor):
        if running:
            for worker in list((getattr(pool, "_processes", None) or {}).values()):
                worker.terminate()  # _processes is private, and the only handle on the workers
        pool.shutdown(wait=True, cancel_futures=True)
    else:
        pool.shutdown(wait=not running, cancel_futures=True)
