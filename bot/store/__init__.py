"""The store: the only module with SQL.

``open_store(url)`` -> :class:`Store` (bot.store.store: queue, claims, editors' intents;
bot.store.base: transactions, accounts, daemons). Additive methods beyond the shared
contract (docs/store-api.md): ``taken_slots``, ``find_article_by_hash``,
``find_article_by_source``, ``replace_unpublished``, ``clear_block``,
``acquire_daemon_lock``/``release_daemon_lock``, ``daemons``, ``events``; for the desk
(bot.store.users): users, sessions, ``approve``, ``restore``, ``submitted_by``,
``thread_sections``, and ``list_posts`` windows (account, due range, first posts); after
publishing (bot.store.after): ``retraction_targets``, ``cancel_unsent``, ``mark_retracted``,
``stats_due``, ``record_stats``, ``newest_snapshots``;
budgets (bot.store.budgets: spent by ``claim_due``; ``budget_states``, ``spend_budget``,
``follow_budget``) and sealed sessions (bot.store.sealed; ``reseal_sessions``). Ids for
cancel/reschedule/retry: ``a12`` (article), ``t34`` (thread), ``p56`` or ``56`` (post).
"""

from __future__ import annotations

from bot.store.store import Store, open_store
from bot.store.views import ArticleView, Claim, PostView, parse_ident

__all__ = ["ArticleView", "Claim", "PostView", "Store", "open_store", "parse_ident"]
