"""Desk benchmarks (side by side in one run; SQLite stores built here).

1. ``desk_upcoming_100k_vs_1k``: server time of the Upcoming page (``GET /`` through the
   real Starlette app, logged in, first page) on a store of 100,000 posts against one of
   1,000 posts with the same mix (70 % published history, 5 % failed or in review, 25 %
   queued ahead): ratio of the total times of interleaved requests. Target <= 2.
2. ``desk_concurrent_p99_over_p50``: 20 editors (threads with their own sessions) browse
   and edit for 30 s against the desk served by uvicorn in a child process, on one SQLite
   store, while a daemon (bot.daemon.Daemon + Publisher with a no-op platform, another
   child process) publishes the posts falling due. p99 / p50 of request latency. Target
   <= 5; errors and "database is locked" must both be 0.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.article import Article, Paragraph, Section, to_dict
from bot.store import Store, open_store
from bot.store.schema import articles, posts, sections, threads
from bot.store.views import dumps
from bot.threads import PostDraft, draft_to_dict

PASSWORD = "bench password 1"
PER_THREAD = 5
THREADS_PER_ARTICLE = 16
NOW = datetime.now(UTC).replace(microsecond=0)
TEXT = "China and Russia present their relationship as a long-term partnership. " * 3
ARTICLE = Article("Bench", "https://example.org/b", "en", (), None, None,
                  (Section("Part", 2, ("Part",), "part", (Paragraph("x"),)),))  # fmt: skip


def _state(t: int, n_threads: int) -> tuple[str, datetime]:
    """History first (published, in the past), then a few failed/in review, then queued."""
    share = t / n_threads
    if share < 0.70:
        return "published", NOW - timedelta(days=300) + timedelta(minutes=5 * t)
    if share < 0.75:
        return ("failed" if t % 2 else "needs_review"), NOW - timedelta(hours=1)
    return "queued", NOW + timedelta(hours=1, minutes=7 * t)


def build(path: Path, n_posts: int, due_soon: int = 0) -> Store:
    """A store of ``n_posts`` posts in the mix above; ``due_soon`` single-post threads fall
    due over the next 30 s (for the daemon)."""
    store = open_store(f"sqlite:///{path}")
    n_threads = n_posts // PER_THREAD
    n_articles = -(-(n_threads + due_soon) // THREADS_PER_ARTICLE)
    draft = dumps(draft_to_dict(PostDraft(TEXT, langs=("en",))))
    data = dumps(to_dict(ARTICLE))
    with store.write() as conn:
        conn.execute(insert(articles), [
            {"id": a + 1, "source": f"/posts/{a}.md", "content_hash": f"{a:064x}",
             "title": f"Article {a}", "url": f"https://example.org/{a}", "slug": f"a-{a}",
             "data": data, "created_at": NOW} for a in range(n_articles)])  # fmt: skip
        conn.execute(insert(sections), [
            {"article_id": a + 1, "idx": 0, "heading": "Part", "anchor": "part"}
            for a in range(n_articles)])  # fmt: skip
        conn.execute(insert(threads), [
            {"id": t + 1, "article_id": t // THREADS_PER_ARTICLE + 1, "platform": "bluesky",
             "account": "b", "idx": t % THREADS_PER_ARTICLE, "section": 0, "continues": False}
            for t in range(n_threads + due_soon)])  # fmt: skip
        rows: list[dict[str, Any]] = []
        for t in range(n_threads + due_soon):
            if t < n_threads:
                state, start, size = (*_state(t, n_threads), PER_THREAD)
            else:
                state, size = "queued", 1
                start = NOW + timedelta(seconds=5 + 30 * (t - n_threads) / max(1, due_soon))
            for s in range(size):
                pid = len(rows) + 1
                rows.append({
                    "id": pid, "thread_id": t + 1, "article_id": t // THREADS_PER_ARTICLE + 1,
                    "seq": s, "parent_post_id": pid - 1 if s else None,
                    "root_post_id": pid - s if s else None, "platform": "bluesky",
                    "account": "b", "draft": draft, "due_at": start + timedelta(minutes=s),
                    "state": state, "attempts": 1 if state != "queued" else 0, "ambiguous": 0,
                    "updated_at": NOW, "published_at": start if state == "published" else None,
                    "url": f"https://bsky.app/profile/b/post/{pid}" if state == "published"
                    else None, "last_error": "HTTP 400: too long" if state == "needs_review"
                    else None,
                })  # fmt: skip
        for i in range(0, len(rows), 5000):
            conn.execute(insert(posts), rows[i : i + 5000])
    return store


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"min {ms[0]:.2f} ms, median {statistics.median(ms):.2f} ms, max {ms[-1]:.2f} ms"


class NoopPlatform:
    """A platform that accepts every post at once (the daemon's own cost is what counts)."""

    name = "bluesky"
    limits: Any = None

    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        return {}

    def send(self, post: Any) -> Any:
        from bot.platforms.base import Ref

        return Ref(f"at://did:plc:bench/app.bsky.feed.post/{post.key}", "c", "https://b/p")

    def reconcile(self, post: Any) -> Any:
        return None

    def close(self) -> None: ...


def settings_for(url: str, data_dir: str) -> Any:
    from bot.config import from_mapping

    return from_mapping({"store_url": url, "timezone": "Europe/Berlin", "data_dir": data_dir})


def serve(url: str, port: int) -> None:
    """Child process: the desk on 127.0.0.1:port over the store at ``url``."""
    import uvicorn

    from bot.app import App
    from bot.desk.server import create_app

    app = App(settings_for(url, tempfile.mkdtemp()), open_store(url))
    uvicorn.run(create_app(app), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)  # fmt: skip


def run_daemon(url: str, seconds: float) -> None:
    """Child process: the daemon publishing what falls due, for ``seconds``."""
    from bot.daemon import Daemon
    from bot.publish import Publisher, PublishOptions

    store = open_store(url)
    plat = NoopPlatform()
    options = PublishOptions(owner="bench-daemon", concurrency=4, lease=timedelta(seconds=60))
    pub = Publisher(store, lambda n, a: plat, {"bluesky": ["b"]}, options)  # type: ignore[arg-type]
    daemon = Daemon(store, pub, tick=1.0, heartbeat_every=5.0)
    threading.Timer(seconds, daemon.request_stop).start()
    outcomes = daemon.run()
    print(dict(outcomes), flush=True)


def login(http: Any, name: str) -> None:
    import re

    page = http.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = http.post("/login", data={"name": name, "password": PASSWORD, "csrf": token})
    assert done.status_code == 303, done.text


def upcoming_ratio(tmp: Path, rounds: int) -> tuple[float, list[float], list[float]]:
    """Server time of GET / on 100k vs 1k posts, interleaved."""
    from starlette.testclient import TestClient

    from bot.app import App
    from bot.desk.server import create_app

    times: dict[int, list[float]] = {1_000: [], 100_000: []}
    clients = {}
    for n in times:
        url = f"sqlite:///{tmp}/upcoming-{n}.db"
        build(Path(url.removeprefix("sqlite:///")), n).close()
        app = App(settings_for(url, str(tmp)), open_store(url))
        app.add_user("ed", "editor", PASSWORD)
        clients[n] = TestClient(create_app(app), follow_redirects=False)
        login(clients[n], "ed")
        clients[n].get("/")  # warm: templates compiled, statements cached
    for _ in range(rounds):
        for n, client in clients.items():
            start = time.perf_counter()
            answer = client.get("/")
            times[n].append(time.perf_counter() - start)
            assert answer.status_code == 200 and "Next page" in answer.text
    return sum(times[100_000]) / sum(times[1_000]), times[1_000], times[100_000]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def concurrent(tmp: Path, editors: int, seconds: float) -> dict[str, Any]:
    """20 editors for ``seconds`` against a desk process while a daemon process publishes."""
    import httpx

    from bot.app import App

    url = f"sqlite:///{tmp}/concurrent.db"
    store = build(Path(url.removeprefix("sqlite:///")), 10_000, due_soon=600)
    app = App(settings_for(url, str(tmp)), store)
    for i in range(editors):
        app.add_user(f"ed{i}", "editor", PASSWORD)
    queued = [p.id for p in app.queue(status="queued", limit=5000, offset=1000).posts]
    app.close()
    port = free_port()
    here = str(Path(__file__).resolve())
    env = {**os.environ, "PYTHONPATH": str(Path(here).parent.parent)}
    server = subprocess.Popen([sys.executable, here, "serve", url, str(port)], env=env,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # wait for the desk to listen (bench only; tests never sleep)
        try:
            httpx.get(f"{base}/login", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    daemon = subprocess.Popen(
        [sys.executable, here, "daemon", url, str(seconds + 5)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = [0.0]
    # every login (argon2) is done before the clock starts
    ready = threading.Barrier(editors + 1, action=lambda: stop.__setitem__(
        0, time.monotonic() + seconds))  # fmt: skip

    def editor(i: int) -> None:
        import re

        with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as http:
            login(http, f"ed{i}")
            token = re.search(r'name="csrf" value="([^"]+)"', http.get("/").text).group(1)  # type: ignore[union-attr]
            mine = queued[i::editors]
            n = 0
            ready.wait()
            while time.monotonic() < stop[0]:
                post_id = mine[n % len(mine)]
                steps = [("GET", "/", None), ("GET", f"/?page={1 + n % 5}", None),
                         ("GET", "/calendar", None), ("GET", f"/posts/{post_id}", None),
                         ("POST", f"/posts/{post_id}/edit",
                          {"csrf": token, "text": f"Edited by ed{i}, round {n}."}),
                         ("GET", f"/articles/{1 + (i * 7 + n) % 600}", None)]  # fmt: skip
                for method, path, data in steps:
                    start = time.perf_counter()
                    try:
                        answer = http.request(method, path, data=data)
                        bad = answer.status_code >= 400 or "database is locked" in answer.text
                        reason = f"{method} {path}: {answer.status_code}"
                    except httpx.HTTPError as exc:
                        bad, reason = True, f"{method} {path}: {exc!r}"
                    took = time.perf_counter() - start
                    with lock:
                        latencies.append(took)
                        if bad:
                            errors.append(reason)
                n += 1

    workers = [threading.Thread(target=editor, args=(i,)) for i in range(editors)]
    for w in workers:
        w.start()
    ready.wait()
    for w in workers:
        w.join()
    daemon_out, daemon_err = daemon.communicate(timeout=60)
    server.terminate()
    _, server_err = server.communicate(timeout=30)
    locked = (daemon_err + server_err).count("database is locked")
    published = open_store(url).counts().get("published", 0)
    return {"latencies": latencies, "errors": errors, "locked": locked, "daemon": daemon_out,
            "published_during": published}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--editors", type=int, default=20)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        ratio, small, big = upcoming_ratio(tmp, args.rounds)
        print(f"upcoming page, 1,000 posts:   {summary(small)} ({len(small)} requests)")
        print(f"upcoming page, 100,000 posts: {summary(big)} ({len(big)} requests)")
        print(f"RESULT desk_upcoming_100k_vs_1k {ratio:.2f} target <= 2")
        failed |= ratio > 2
        run = concurrent(tmp, args.editors, args.seconds)
        lat = sorted(run["latencies"])
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        print(f"{args.editors} editors for {args.seconds:.0f} s: {len(lat)} requests, "
              f"{summary(lat)}, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")  # fmt: skip
        print(f"daemon: {run['daemon'].strip()}; errors {len(run['errors'])}, "
              f"database is locked {run['locked']}")  # fmt: skip
        for reason in run["errors"][:5]:
            print(f"  error: {reason}")
        over = p99 / p50
        print(f"RESULT desk_concurrent_p99_over_p50 {over:.2f} target <= 5")
        failed |= over > 5 or bool(run["errors"]) or run["locked"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "daemon":
        run_daemon(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(main())
