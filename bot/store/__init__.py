"""The store: the only module with SQL (see bot.store.store for the intents it offers)."""

from __future__ import annotations

from bot.store.plan import content_hash
from bot.store.store import Store, open_store
from bot.store.views import ArticleView, Claim, PostView, parse_ident

__all__ = ["ArticleView", "Claim", "PostView", "Store", "content_hash", "open_store", "parse_ident"]
