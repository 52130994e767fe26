"""bot.readers.feed: real-world-shaped feeds (WordPress RSS, Ghost/Hugo Atom, JSON Feed,
Substack-style RSS, a podcast) and malformed ones."""

from __future__ import annotations

import json

import pytest

from bot.errors import ContentError
from bot.readers.feed import parse_feed
from tests.servers.feeds import rss

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ghost blog</title>
<entry><title>Second</title><id>tag:blog,2026:2</id><link href="https://blog.example/2/"/>
<updated>2026-11-30T10:00:00Z</updated>
<content type="html">&lt;p&gt;Full text&lt;/p&gt;</content></entry>
<entry><title>First</title><id>tag:blog,2026:1</id><link href="https://blog.example/1/"/>
<updated>2026-11-01T10:00:00Z</updated><summary>Only a summary</summary></entry>
</feed>"""

PODCAST = """<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Cast</title><item><title>Episode 1</title><guid>ep-1</guid>
<link>https://cast.example/1</link>
<enclosure url="https://cast.example/1.mp3" length="1" type="audio/mpeg"/>
<itunes:duration>12:00</itunes:duration><description>Show notes</description>
</item></channel></rss>"""


def test_wordpress_rss_keeps_content_encoded_and_guid() -> None:
    feed = parse_feed(rss("WP", [{"title": "A", "guid": "wp-1", "link": "https://x.example/a",
                                  "content": "<p>Whole <b>article</b></p>"}]).encode(),
                      source="wp")  # fmt: skip
    (entry,) = feed.entries
    assert (entry.guid, entry.link, entry.title) == ("wp-1", "https://x.example/a", "A")
    assert entry.content == "<p>Whole <b>article</b></p>" and entry.content_type == "html"


def test_atom_entries_in_order_with_content_or_none() -> None:
    feed = parse_feed(ATOM.encode(), source="atom")
    assert feed.title == "Ghost blog"
    assert [e.guid for e in feed.entries] == ["tag:blog,2026:2", "tag:blog,2026:1"]
    assert feed.entries[0].content == "<p>Full text</p>" and feed.entries[1].content is None


def test_json_feed_and_its_version_changes_with_the_content() -> None:
    item = {"id": "1", "url": "https://j.example/1", "title": "One",
            "content_text": "Plain text body", "date_published": "2026-11-01"}  # fmt: skip
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [item]}
    first = parse_feed(json.dumps(doc).encode(), source="j", content_type="application/feed+json")
    doc["items"][0]["content_text"] = "Plain text body, corrected"  # type: ignore[index]
    second = parse_feed(json.dumps(doc).encode(), source="j")
    (a,), (b,) = first.entries, second.entries
    assert a.content_type == "text" and a.guid == b.guid and a.version != b.version


def test_substack_style_and_podcast_feeds() -> None:
    link = "https://sub.example/p/post"
    substack = rss("Sub", [{"title": "Post", "guid": link, "link": link, "content": "<p>B</p>"}])
    (post,) = parse_feed(substack.encode(), source="sub").entries
    assert post.guid == post.link == "https://sub.example/p/post"
    (episode,) = parse_feed(PODCAST.encode(), source="cast").entries
    assert episode.guid == "ep-1" and episode.link == "https://cast.example/1"
    assert episode.content is None  # show notes are a summary, not the article


@pytest.mark.parametrize(
    "data", [b"<html><body>not a feed</body></html>", b"<rss><channel><item>", b"{}", b"{oops"]
)
def test_malformed_feeds_are_named_errors(data: bytes) -> None:
    with pytest.raises(ContentError) as err:
        parse_feed(data, source="https://bad.example/feed")
    assert "https://bad.example/feed" in str(err.value)
