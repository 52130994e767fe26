"""The desk's routes and how it runs (`sharebot desk`: uvicorn on 127.0.0.1:8470)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.desk import articles, auth, posts, queue, status
from bot.desk.web import HERE, Desk, SecurityHeaders, page

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470


def create_app(app: App, *, secure_cookies: bool = False) -> Starlette:
    """The desk as an ASGI app over ``app`` (the caller keeps and closes the App)."""
    routes = [
        Route("/login", auth.login_page, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", page()(auth.logout), methods=["POST"]),
        Route("/", queue.upcoming, methods=["GET"]),
        Route("/calendar", queue.calendar, methods=["GET"]),
        Route("/threads/{thread_id:int}/move", queue.move_thread, methods=["POST"]),
        Route("/add", articles.add_page, methods=["GET"]),
        Route("/add", articles.add, methods=["POST"]),
        Route("/add/preview", articles.add_preview, methods=["POST"]),
        Route("/articles/{article_id:int}", articles.article, methods=["GET"]),
        Route("/articles/{article_id:int}/approve", articles.approve, methods=["POST"]),
        Route("/articles/{article_id:int}/cancel", articles.cancel, methods=["POST"]),
        Route("/posts/{post_id:int}", posts.post_page, methods=["GET"]),
        Route("/posts/{post_id:int}/edit", posts.edit, methods=["POST"]),
        Route("/posts/{post_id:int}/retry", posts.retry, methods=["POST"]),
        Route("/posts/{post_id:int}/cancel", posts.cancel, methods=["POST"]),
        Route("/posts/{post_id:int}/restore", posts.restore, methods=["POST"]),
        Route("/posts/{post_id:int}/publish-now", posts.publish_now, methods=["POST"]),
        Route("/status", status.status, methods=["GET"]),
        Route("/status/check", status.check_account, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    web = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    web.state.desk = Desk(app, secure_cookies=secure_cookies)
    return web


def serve(app: App, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          secure_cookies: bool = False) -> None:  # fmt: skip
    """Serve the desk until interrupted (X-Forwarded-Proto is trusted from 127.0.0.1 only:
    a TLS reverse proxy on the same machine)."""
    import uvicorn

    uvicorn.run(create_app(app, secure_cookies=secure_cookies), host=host, port=port,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                log_level="info", access_log=False)  # fmt: skip


@contextmanager
def running(
    app: App, *, host: str = DEFAULT_HOST, port: int = 0, any_port: bool = False
) -> Iterator[str]:
    """The desk served on a thread of this process while the block runs; yields its URL.
    The socket is bound and listening before the URL is handed out, so a client may
    connect at once (port 0, or ``any_port`` when ``port`` is taken: a free port)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        if not any_port:
            sock.close()
            raise
        sock.bind((host, 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(create_app(app), log_level="warning",
                                           lifespan="off", access_log=False))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
