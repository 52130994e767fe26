"""The editors' desk: a small server-rendered web app over the application layer.

Every route calls an App use-case (bot/app); templates render; htmx (vendored in
static/, with its licence) swaps the add page's preview; every form works without it.
Modules: ``web`` (Desk, login-required pages, CSRF, headers), ``auth``, ``queue``
(upcoming, calendar, move), ``articles`` (add, preview, article page, approve),
``posts`` (fix a post), ``status``, ``render`` (cards and times), ``server`` (routes, run).
"""
