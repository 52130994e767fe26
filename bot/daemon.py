"""The publishing daemon: APScheduler 3.x as the clock, the store as the schedule.

The main thread sleeps on one event. It is set by scheduler jobs (a date job at
``store.next_due()``, a periodic tick), by every finished post (its reply may now
be due, and a worker is free) and by SIGTERM/SIGINT. On each wake-up the daemon
claims what is due through :class:`bot.publish.Publisher` and re-arms the date
job. Nothing polls: an idle daemon wakes once per tick.

On SIGTERM/SIGINT it stops claiming, lets in-flight sends finish (claims not yet
sent are released), and returns 0. On SQLite only one daemon may run per store:
an ``flock`` on the database file itself, whatever path names it (released by the
kernel if the process dies, so a SIGKILLed daemon never blocks its restart). On PostgreSQL several
daemons share the work through the store's ``FOR UPDATE SKIP LOCKED`` claims.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import BotError, StoreError
from bot.publish import Outcome, Publisher
from bot.store import Store

log = logging.getLogger("sharebot.daemon")


def sqlite_path(store_url: str) -> Path | None:
    """The database file of an ``sqlite:///`` URL (None for other stores or memory)."""
    if not store_url.startswith("sqlite"):
        return None
    _, _, rest = store_url.partition(":///")
    path = rest.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


@contextmanager
def single_daemon_lock(store_url: str) -> Iterator[None]:
    """Refuse a second daemon on one SQLite store; no-op for PostgreSQL.

    The lock is the database file's own identity: an ``flock`` on the file itself (one
    inode, whatever path, symlink or hard link named it; Linux keeps flock apart from the
    fcntl locks SQLite takes). The holder's pid goes to ``<real path>.daemon.lock``."""
    db = sqlite_path(store_url)
    if db is None:
        yield
        return
    real = db.resolve()
    fd = os.open(real, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(real) or "another process"
            raise StoreError(
                f"another sharebot daemon ({holder}) is already running on {real}; "
                "stop it first (use PostgreSQL to run several daemons on one store)"
            ) from None
        _holder_path(real).write_text(f"pid {os.getpid()}")
        yield
    finally:
        os.close(fd)


def _holder_path(db: Path) -> Path:
    return db.with_name(db.name + ".daemon.lock")


def _holder(db: Path) -> str:
    try:
        return _holder_path(db).read_text()[:64].strip()
    except OSError:
        return ""


class Daemon:
    """Wakes on due posts, a periodic tick, finished posts and signals; see the module doc."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        *,
        tick: float = 30.0,
        heartbeat_every: float = 15.0,
        sync: Callable[[], object] | None = None,
        sync_every: float = 60.0,
        jobs: Sequence[tuple[str, Callable[[], object]]] = (),
        stats: Callable[[], object] | None = None,
        stats_every: float = 300.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.sync = sync
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._armed: datetime | None = None
        self.outcomes: dict[str, int] = {}
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self.scheduler.add_job(self.wake, "interval", seconds=tick, id="tick")
        self.scheduler.add_job(self._heartbeat, "interval", seconds=heartbeat_every, id="beat")
        if sync is not None:
            self.scheduler.add_job(self._sync, "interval", seconds=sync_every, id="sync")
        self.jobs = tuple(jobs)
        for name, job in self.jobs:  # each its own job: a slow feed never holds up publishing
            self.scheduler.add_job(self._run_job, "interval", args=(name, job), seconds=tick,
                                   id=name, next_run_time=datetime.now(UTC))  # fmt: skip
        if stats is not None:  # on the scheduler's thread: never in the way of a due post
            self.scheduler.add_job(self._guarded(stats, "stats round"), "interval",
                                   seconds=stats_every, id="stats", max_instances=1)  # fmt: skip

    def wake(self) -> None:
        """Make the main loop look at the store now."""
        self._wake.set()

    def request_stop(self, signum: int | None = None, frame: object = None) -> None:
        """Stop claiming and let :meth:`run` return (signal handler)."""
        if signum is not None:
            log.info("signal %s: stopping (in-flight posts finish)", signal.Signals(signum).name)
        self.stopping.set()
        self.publisher.stopping.set()
        self._wake.set()

    def install_signals(self) -> None:
        """SIGTERM and SIGINT stop the daemon gracefully (main thread only)."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def run(self) -> Mapping[str, int]:
        """Publish until stopped; returns outcome counts by state."""
        self._heartbeat()
        if self.sync is not None:
            self._sync()
        self.scheduler.start()
        log.info("daemon %s started", self.publisher.owner)
        try:
            self._wake.set()
            while not self.stopping.is_set():
                self._wake.wait()
                self._wake.clear()
                if not self.stopping.is_set():
                    self._step()
        finally:
            self.scheduler.shutdown(wait=False)
            self.publisher.stop()
            log.info("daemon stopped: %s", self.outcomes)
        return self.outcomes

    def run_once(self) -> Mapping[str, int]:
        """Publish what is due now (and replies that become due), then return."""
        self._heartbeat()
        if self.sync is not None:
            self._sync()
        for name, job in self.jobs:
            self._run_job(name, job)
        for outcome in self.publisher.run_until_idle():
            self._count(outcome)
        self.publisher.stop()
        return self.outcomes

    def _step(self) -> None:
        try:
            started = self.publisher.dispatch()
        except BotError as exc:
            log.error("claim failed: %s", exc)
            return
        for future in started:
            future.add_done_callback(self._finished)
        if started and self.publisher.free_slots() > 0:
            self._wake.set()  # maybe more is due than one claim took
        self._arm()

    def _arm(self) -> None:
        """Schedule a wake-up at the next due time (only if it lies in the future)."""
        try:
            due = self.store.next_due()
        except BotError as exc:
            log.error("next_due failed: %s", exc)
            return
        if due is None or due <= self.clock() or due == self._armed:
            return
        self._armed = due
        self.scheduler.add_job(
            self._fire,
            "date",
            run_date=due,
            id="next-due",
            replace_existing=True,
            max_instances=64,  # a wake-up is never skipped because the last one still runs
            misfire_grace_time=None,  # nor because the scheduler woke late
        )

    def _fire(self) -> None:
        self._armed = None
        self.wake()

    def _finished(self, future: Future[list[Outcome]]) -> None:
        if not future.cancelled() and future.exception() is None:
            for outcome in future.result():
                self._count(outcome)
        self._wake.set()

    def _count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.state] = self.outcomes.get(outcome.state, 0) + 1

    def _heartbeat(self) -> None:
        try:
            self.store.heartbeat(self.publisher.owner, self.clock())
        except BotError as exc:
            log.warning("heartbeat failed: %s", exc)

    def _run_job(self, name: str, job: Callable[[], object]) -> None:
        """A periodic job of the application (feeds, re-shares): logged, never fatal."""
        try:
            job()
        except BotError as exc:
            log.error("%s failed: %s", name, exc)
        self.wake()

    def _sync(self) -> None:
        assert self.sync is not None
        try:
            self.sync()
        except BotError as exc:
            log.error("posts/ sync failed: %s", exc)
        self.wake()

    def _guarded(self, job: Callable[[], object], what: str) -> Callable[[], None]:
        """``job`` for the scheduler: an error is logged, the daemon carries on."""

        def run() -> None:
            try:
                job()
            except BotError as exc:
                log.error("%s failed: %s", what, exc)

        return run
