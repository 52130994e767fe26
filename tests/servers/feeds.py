"""A local web site for the feed tests and bench/feeds.py: feeds and article pages on
127.0.0.1, with ETag / Last-Modified (304 on a match), redirects, 404s, a slow feed and a
huge one. Content can change between polls (``site.put``). ``latency`` delays every answer
(a network's round trip) without using CPU. Run as a script it serves ``--feeds N`` RSS
feeds (``/feed/<i>.xml``) in its own process and prints its URL.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    slow: float = 0.0  # seconds between chunks of 64 bytes

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    """The pages served, by path, and what was asked."""

    pages: dict[str, Page] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    latency: float = 0.0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            **extra: object) -> str:  # fmt: skip
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, **extra)  # type: ignore[arg-type]
        return self.url + path


class _Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"  # keep-alive, as real web servers do

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        site = self.site
        if site.latency:
            time.sleep(site.latency)  # a network's round trip, not CPU
        with site.lock:
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            page = site.pages.get(self.path)
        if page is None:
            self._answer(404, b"not found", "text/plain")
            return
        if page.location:
            self.send_response(page.status)
            self.send_header("location", page.location)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if self.headers.get("if-none-match") == page.etag:
            with site.lock:
                site.not_modified += 1
            self.send_response(304)
            self.send_header("etag", page.etag)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self._answer(page.status, page.body, page.content_type, page.etag, page.slow)

    def _answer(self, status: int, body: bytes, kind: str, etag: str | None = None,
                slow: float = 0.0) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        if etag:
            self.send_header("etag", etag)
            self.send_header("last-modified", "Tue, 01 Dec 2026 09:00:00 GMT")
        self.end_headers()
        if not slow:
            self.wfile.write(body)
            return
        for i in range(0, len(body), 64):
            self.wfile.write(body[i : i + 64])
            self.wfile.flush()
            time.sleep(slow)


@contextmanager
def serve(site: Site | None = None) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 for the ``with`` block."""
    site = site or Site()
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed (WordPress-style, with content:encoded where given)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{title}</title><link>https://example.org/</link>",
    ]
    for item in items:
        content = item.get("content")
        out.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link>"
            f'<guid isPermaLink="false">{item["guid"]}</guid>'
            f"<pubDate>{item.get('date', 'Tue, 01 Dec 2026 08:00:00 GMT')}</pubDate>"
            + (f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else "")
            + "</item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    site = Site(latency=args.latency)
    with serve(site):
        for i in range(args.feeds):
            site.put(f"/feed/{i}.xml", rss(f"Feed {i}", [{"title": "One", "guid": f"{i}-1",
                     "link": f"https://example.org/{i}/1"}]), "application/rss+xml")  # fmt: skip
        print(site.url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    main()
