"""Reading a URL against a real HTTP server on 127.0.0.1: redirects, types, caps, errors."""

from __future__ import annotations

import pytest

from bot.errors import ContentError
from bot.fetch import FetchPolicy
from bot.readers import read_source
from tests.readers.conftest import PageServer, Route

LOCAL = FetchPolicy(allow_private=True, timeout=2.0)
BODY = " ".join(["A sentence of body text that makes the page an article."] * 8)
HTML = f"""<html lang="en"><head><title>Served Page</title></head><body><article>
<h1>Served Page</h1><p>{BODY} <a href="/next/">next</a></p>
<h2>Second</h2><p>{BODY}</p></article></body></html>""".encode()
HTML_TYPE = {"content-type": "text/html; charset=utf-8"}


def _error(url: str, policy: FetchPolicy = LOCAL) -> ContentError:
    with pytest.raises(ContentError) as caught:
        read_source(url, policy=policy)
    assert caught.value.source.startswith("http")
    return caught.value


def test_html_page_is_read_with_links_resolved(page_server: PageServer) -> None:
    url = page_server.add("/post/", Route(200, HTML_TYPE, HTML))
    article = read_source(url, policy=LOCAL)
    assert article.title == "Served Page" and article.lang == "en"
    assert article.url == url
    assert [s.heading for s in article.sections] == [None, "Second"]
    assert f"[next]({page_server.base}/next/)" in article.sections[0].blocks[0].text  # type: ignore[union-attr]


def test_redirect_is_followed_and_the_final_url_kept(page_server: PageServer) -> None:
    final = page_server.add("/final/", Route(200, HTML_TYPE, HTML))
    start = page_server.add("/old", Route(301, {"location": "/final/"}))
    article = read_source(start, policy=LOCAL)
    assert article.url == final
    assert page_server.hits == ["/old", "/final/"]


def test_redirect_loop_is_refused(page_server: PageServer) -> None:
    url = page_server.add("/loop", Route(302, {"location": "/loop"}))
    assert "redirects" in _error(url).reason


@pytest.mark.parametrize(
    ("content_type", "body", "headings"),
    [
        (
            "text/plain; charset=utf-8",
            b"Plain Title\n\nIntro.\n\nA Heading\n\nText.\n",
            ["A Heading"],
        ),
        ("text/markdown", b"# MD Title\n\nIntro.\n\n## Part\n\nText.\n", ["Part"]),
    ],
)
def test_plain_text_and_markdown_urls(
    page_server: PageServer, content_type: str, body: bytes, headings: list[str]
) -> None:
    url = page_server.add("/doc", Route(200, {"content-type": content_type}, body))
    article = read_source(url, policy=LOCAL)
    assert [s.heading for s in article.sections][1:] == headings


def test_wrong_content_type_is_refused(page_server: PageServer) -> None:
    url = page_server.add("/pic", Route(200, {"content-type": "image/png"}, b"\x89PNG"))
    assert "unexpected content type 'image/png'" in _error(url).reason


@pytest.mark.parametrize("send_length", [True, False])
def test_too_large_is_refused(page_server: PageServer, send_length: bool) -> None:
    big = b"<html><body><p>" + b"x" * 50_000 + b"</p></body></html>"
    url = page_server.add("/big", Route(200, HTML_TYPE, big, send_length=send_length))
    policy = FetchPolicy(allow_private=True, timeout=2.0, max_bytes=10_000)
    assert "larger than 10000 bytes" in _error(url, policy).reason


def test_not_found(page_server: PageServer) -> None:
    assert _error(page_server.base + "/missing").reason == "HTTP 404"


def test_timeout(page_server: PageServer) -> None:
    url = page_server.add("/slow", Route(hold=True))
    policy = FetchPolicy(allow_private=True, timeout=0.3)
    assert "timed out after 0.3 s" in _error(url, policy).reason


def test_a_slow_download_stops_at_the_deadline_which_the_error_names(
    page_server: PageServer,
) -> None:
    # a byte every 0.2 s: no single read waits long, only the whole download does
    url = page_server.add("/drip", Route(200, HTML_TYPE, HTML, drip=0.2))
    policy = FetchPolicy(allow_private=True, timeout=2.0, deadline=0.5, max_bytes=10_000)
    reason = _error(url, policy).reason
    assert "not finished in time" in reason
    assert "within 0.5 s and 10000 bytes" in reason


def test_the_size_cap_error_names_the_deadline_too(page_server: PageServer) -> None:
    url = page_server.add("/big2", Route(200, HTML_TYPE, b"x" * 20_000, send_length=False))
    policy = FetchPolicy(allow_private=True, timeout=2.0, max_bytes=10_000, deadline=7)
    assert "within 7 s and 10000 bytes" in _error(url, policy).reason


def test_loopback_is_refused_by_the_default_policy(page_server: PageServer) -> None:
    url = page_server.add("/post/", Route(200, HTML_TYPE, HTML))
    assert "private address" in _error(url, FetchPolicy()).reason
    assert page_server.hits == []


def test_only_http_and_https() -> None:
    with pytest.raises(ContentError, match="only http:// and https://"):
        read_source("ftp://127.0.0.1/file.txt", policy=LOCAL)


def test_meta_charset_is_honoured_when_the_header_has_none(page_server: PageServer) -> None:
    page = HTML.decode().replace("<head>", '<head><meta charset="windows-1252">')
    page = page.replace("Second", "Caf\u00e9 Second")
    url = page_server.add(
        "/latin", Route(200, {"content-type": "text/html"}, page.encode("cp1252"))
    )
    article = read_source(url, policy=LOCAL)
    assert article.sections[1].heading == "Caf\u00e9 Second"


def test_redirect_without_location(page_server: PageServer) -> None:
    url = page_server.add("/moved", Route(302, {}))
    assert _error(url).reason == "HTTP 302 without a Location"
