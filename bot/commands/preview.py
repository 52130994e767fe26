"""`sharebot preview`: show the threads an article compiles to, without sending anything.

``--json`` prints::

    {"title", "url", "lang", "sections": [{"heading", "path", "anchor"}],
     "threads": {"bluesky": [{"section": i, "posts": [{"text", "facets", "embed", "langs",
                                                        "graphemes", "bytes"}], "warnings"}],
                 "reddit": [{"section": i, "title"?, "link_url"?, "continues",
                             "posts": [{"text", "kind", "chars"}], "warnings"}]},
     "share_links": {...}}

Facets are ``app.bsky.richtext.facet`` JSON. A mention keeps its handle in
``did`` until the adapter resolves it at send time. Keys may be added, never removed.
"""

from __future__ import annotations

import json
from typing import Any

import click

from bot.article import Article
from bot.compile import compile_article
from bot.compile.controls import Controls
from bot.compile.controls import apply as apply_controls
from bot.config import Settings
from bot.links import share_links
from bot.richtext import graphemes, utf8_len
from bot.threads import PostDraft, ThreadDraft, embed_json

PLATFORMS = ("bluesky", "reddit")


def _bluesky_json(thread: ThreadDraft) -> dict[str, Any]:
    posts = [
        {
            "text": p.text,
            "facets": [f.to_lexicon() for f in p.facets],
            "embed": embed_json(p.embed),
            "langs": list(p.langs),
            "graphemes": graphemes(p.text),
            "bytes": utf8_len(p.text),
            **_controls(p),
        }
        for p in thread.posts
    ]
    return {"section": thread.section, "posts": posts, "warnings": list(thread.warnings)}


def _controls(post: PostDraft) -> dict[str, Any]:
    """Reader controls set on a post (only those that differ from Bluesky's defaults)."""
    out: dict[str, Any] = {}
    if post.gate is not None:
        out["replies"] = list(post.gate) or "nobody"
    if not post.quotes:
        out["quotes"] = False
    if post.labels:
        out["labels"] = list(post.labels)
    return out


def _reddit_json(thread: ThreadDraft) -> dict[str, Any]:
    out: dict[str, Any] = {"section": thread.section, "continues": thread.continues}
    head = thread.posts[0]
    if head.title is not None:
        out["title"] = head.title
    if head.link_url is not None:
        out["link_url"] = head.link_url
    out["posts"] = [{"text": p.text, "kind": p.kind, "chars": len(p.text)} for p in thread.posts]
    out["warnings"] = list(thread.warnings)
    return out


def preview_data(
    article: Article,
    platforms: tuple[str, ...] = PLATFORMS,
    *,
    counters: bool = False,
    utm: bool = True,
    thread_mode: str | None = None,
    link_post: bool = False,
) -> dict[str, Any]:
    """Everything ``preview --json`` prints, as JSON-ready data."""
    threads: dict[str, list[dict[str, Any]]] = {}
    mode: Any = thread_mode
    if "bluesky" in platforms:
        compiled = compile_article(article, "bluesky", counters=counters, utm=utm, thread_mode=mode)
        compiled = apply_controls(compiled, article, Settings(), Controls())
        threads["bluesky"] = [_bluesky_json(t) for t in compiled]
    if "reddit" in platforms:
        compiled = compile_article(
            article, "reddit", utm=utm, thread_mode=mode, link_post=link_post
        )
        threads["reddit"] = [_reddit_json(t) for t in compiled]
    return {
        "title": article.title,
        "url": article.url,
        "lang": article.lang,
        "sections": [
            {"heading": s.heading, "path": list(s.path), "anchor": s.anchor}
            for s in article.sections
        ],
        "threads": threads,
        "share_links": share_links(article, utm=utm),
    }


def check_cards(data: dict[str, Any], *, allow_private: bool) -> None:
    """Fetch every link-card URL once; add a warning to threads whose card is unreachable."""
    from bot.errors import ContentError
    from bot.fetch import FetchPolicy, fetch

    policy = FetchPolicy(timeout=5.0, allow_private=allow_private)
    verdicts: dict[str, str | None] = {}
    for thread in data["threads"].get("bluesky", []):
        embed = thread["posts"][0]["embed"] if thread["posts"] else None
        if not embed or embed["$type"] != "app.bsky.embed.external":
            continue
        uri = embed["external"]["uri"]
        if uri not in verdicts:
            try:
                fetch(uri, policy=policy)
                verdicts[uri] = None
            except ContentError as exc:
                verdicts[uri] = exc.reason
        if verdicts[uri] is not None:
            thread["warnings"].append(f"unreachable link-card URL {uri}: {verdicts[uri]}")


@click.command()
@click.argument("source")
@click.option(
    "--platform",
    type=click.Choice(["bluesky", "reddit", "all"]),
    default="all",
    show_default=True,
    help="Which platform's threads to show.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--counters", is_flag=True, help='Add "n/N" counters to Bluesky posts.')
@click.option("--no-utm", is_flag=True, help="Leave UTM parameters off the links.")
@click.option(
    "--check-links", is_flag=True, help="Fetch each link-card URL and warn if unreachable."
)
@click.option(
    "--thread-mode",
    type=click.Choice(["section", "article"]),
    default=None,
    help="One thread per section (default) or per article.",
)
@click.option(
    "--link-post", is_flag=True, help="Reddit: submit a link post instead of a self post."
)
@click.option(
    "--allow-private", is_flag=True, hidden=True, help="Fetch loopback/private addresses (tests)."
)
def preview(
    source: str,
    platform: str,
    as_json: bool,
    counters: bool,
    no_utm: bool,
    check_links: bool,
    thread_mode: str | None,
    link_post: bool,
    allow_private: bool,
) -> None:
    """Show the threads FILE or URL compiles to: every post with its counts,
    facets, embeds and warnings. Nothing is sent.

    \b
    Example:
      sharebot preview posts/china-russia-partnership.txt --platform bluesky
    """
    from bot.readers import read_source

    policy = None
    if allow_private:  # bot.fetch (httpx) is imported only when it is needed
        from bot.fetch import FetchPolicy

        policy = FetchPolicy(allow_private=True)
    article = read_source(source, policy=policy)
    platforms = PLATFORMS if platform == "all" else (platform,)
    data = preview_data(
        article,
        platforms,
        counters=counters,
        utm=not no_utm,
        thread_mode=thread_mode,
        link_post=link_post,
    )
    if check_links:
        check_cards(data, allow_private=allow_private)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    show(data)


def _highlight(post: dict[str, Any]) -> Any:
    """The post text with its facets styled (byte offsets mapped back to characters)."""
    from rich.text import Text

    text = Text(post["text"])
    raw = post["text"].encode("utf-8")
    styles = {"link": "underline cyan", "tag": "bold magenta", "mention": "bold green"}
    for facet in post["facets"]:
        start = len(raw[: facet["index"]["byteStart"]].decode("utf-8", "replace"))
        end = len(raw[: facet["index"]["byteEnd"]].decode("utf-8", "replace"))
        kind = facet["features"][0]["$type"].rsplit("#", 1)[-1]
        text.stylize(styles.get(kind, "underline"), start, end)
    return text


def _embed_line(embed: dict[str, Any] | None) -> str:
    if embed is None:
        return ""
    if embed["$type"] == "app.bsky.embed.external":
        return f"[link card] {embed['external']['uri']} — {embed['external']['title']}"
    return "[images] " + "; ".join(
        f"{i['src']} (alt: {i['alt'] or 'MISSING'})" for i in embed["images"]
    )


def show(data: dict[str, Any]) -> None:
    """Print the preview for people: sections, then every post of every thread."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console()
    console.rule(f"[bold]{escape(data['title'])}")
    console.print(f"url: {data['url'] or '-'}   lang: {data['lang'] or '-'}")
    for i, s in enumerate(data["sections"]):
        name = " › ".join([*s["path"], s["heading"] or "(introduction)"])
        console.print(f"  {i:>2}. {escape(name)}  [dim]#{escape(s['anchor'])}[/dim]")
    for thread in data["threads"].get("bluesky", []):
        console.rule(f"Bluesky · section {thread['section']} · {len(thread['posts'])} posts")
        for n, post in enumerate(thread["posts"], 1):
            counts = f"{post['graphemes']} graphemes · {post['bytes']} bytes"
            info = f"{n}/{len(thread['posts'])} · {counts}"
            body: Any = _highlight(post)
            console.print(
                Panel(body, title=info, subtitle=escape(_embed_line(post["embed"])) or None)
            )
        for warning in thread["warnings"]:
            console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for thread in data["threads"].get("reddit", []):
        console.rule(f"Reddit · section {thread['section']} · {len(thread['posts'])} posts")
        if "title" in thread:
            console.print(f"[bold]title:[/bold] {escape(thread['title'])}")
        if "link_url" in thread:
            console.print(f"[bold]link:[/bold] {escape(thread['link_url'])}")
        for post in thread["posts"]:
            info = f"{post['kind']} · {post['chars']} chars"
            console.print(Panel(escape(post["text"]) or "[dim](no body)[/dim]", title=info))
        for warning in thread["warnings"]:
            console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
