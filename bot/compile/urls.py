"""URL helpers the compiler needs: UTM tagging and the article slug (pure).

``bot.links`` re-exports them; they live here because the compiler (a higher
layer than ``bot.links``) plans link cards with UTM parameters.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import regex

from bot.article import Article

UTM_MEDIUM = "social"
SLUG_MAX = 60
_UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "utm_id")
_NOT_SLUG = regex.compile(r"[^a-z0-9]+")


def utm_url(url: str, *, source: str, campaign: str, content: str | None) -> str:
    """``url`` with utm_source/utm_medium=social/utm_campaign[/utm_content] set.

    Existing UTM parameters are replaced, other query parameters and the
    fragment are kept.
    """
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _UTM_KEYS
    ]
    query += [("utm_source", source), ("utm_medium", UTM_MEDIUM), ("utm_campaign", campaign)]
    if content:
        query.append(("utm_content", content))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """ASCII slug: accents folded, lower case, runs of other characters -> '-'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug: str = _NOT_SLUG.sub("-", folded.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def article_slug(article: Article) -> str:
    """The campaign name: the title's slug, else the URL's last path segment, else 'article'."""
    slug = slugify(article.title)
    if not slug and article.url:
        segments = [s for s in urlsplit(article.url).path.split("/") if s]
        slug = slugify(segments[-1].rsplit(".", 1)[0]) if segments else ""
    return slug or "article"


def section_url(article: Article, anchor: str) -> str | None:
    """The article URL pointing at ``anchor`` (None when the article has no URL)."""
    if not article.url:
        return None
    base = article.url.split("#", 1)[0]
    return f"{base}#{anchor}" if anchor else article.url


def tracked_url(article: Article, anchor: str, source: str, *, utm: bool) -> str | None:
    """``section_url`` with UTM for ``source`` when ``utm`` is on."""
    url = section_url(article, anchor)
    if url is None or not utm:
        return url
    return utm_url(url, source=source, campaign=article_slug(article), content=anchor or None)
