"""Each Bluesky post's ``langs``: the article's language when it says one (front-matter,
HTML ``lang``, or ``--lang``); otherwise each post's own language is detected (py3langid,
a small well-kept detector), and a guess that is not confident falls back to the article's
detected language, or to none: a wrong language hides a post from readers who filter by
language. At most one language is set per post (Bluesky allows 3).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from bot.article import Article, ListBlock, Paragraph, Quote
from bot.errors import ConfigError
from bot.threads import PostDraft

POST_CONFIDENCE = 0.95  # a post's own guess is used from here
ARTICLE_CONFIDENCE = 0.8  # the article's guess, for posts whose own guess is weaker
MIN_CHARS = 40  # shorter texts are not guessed on their own
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def check_lang(lang: str) -> str:
    """A BCP-47 language tag (``en``, ``pt-BR``); ConfigError naming ``--lang`` otherwise."""
    if not _LANG.fullmatch(lang):
        raise ConfigError(f"not a language tag: {lang!r} (use e.g. en, de or pt-BR)", key="--lang")
    return lang


class Languages:
    """The ``langs`` of each post (see the module doc); the article is guessed lazily."""

    def __init__(self, article: Article, lang: str | None) -> None:
        self.article = article
        self.fixed = check_lang(lang) if lang else article.lang
        self._guessed = False
        self._guess: str | None = None

    def of(self, post: PostDraft) -> tuple[str, ...]:
        if self.fixed:
            return (self.fixed,)
        if post.langs:  # the compiler saw a script only one language writes
            return post.langs
        text = post.text.strip()
        if len(text) >= MIN_CHARS:
            guess, confidence = detect(text)
            if confidence >= POST_CONFIDENCE:
                return (guess,)
        article = self._article_guess()
        return (article,) if article else ()

    def _article_guess(self) -> str | None:
        if not self._guessed:
            guess, confidence = detect(_article_text(self.article)[:5000])
            self._guess = guess if confidence >= ARTICLE_CONFIDENCE else None
            self._guessed = True
        return self._guess


def _article_text(article: Article) -> str:
    parts = [article.title]
    for section in article.sections:
        parts.append(section.heading or "")
        for block in section.blocks:
            if isinstance(block, Paragraph | Quote):
                parts.append(block.text)
            elif isinstance(block, ListBlock):
                parts.extend(block.items)
    return "\n".join(p for p in parts if p)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # ~1 s: loaded on first use

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The language of ``text`` (ISO 639-1) and how sure the detector is (0..1)."""
    lang, probability = _identifier().classify(text)
    return str(lang), float(probability)
