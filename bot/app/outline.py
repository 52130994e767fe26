"""One article as the desk's article page shows it: sections -> threads -> posts, who
submitted it, and whether it still waits for approval."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store import ArticleView, PostView, Store


@dataclass(frozen=True)
class ThreadOutline:
    """One thread: its id, platform, account and posts in order."""

    id: int
    platform: str
    account: str
    posts: tuple[PostView, ...]


@dataclass(frozen=True)
class SectionOutline:
    """One section of the article with the threads that publish it."""

    index: int
    heading: str | None
    anchor: str
    threads: tuple[ThreadOutline, ...]


@dataclass(frozen=True)
class Outline:
    """An article, its sections with their threads, and who submitted it."""

    article: ArticleView
    sections: tuple[SectionOutline, ...]
    submitted_by: int | None

    @property
    def awaiting(self) -> int:
        """How many posts wait for an editor's approval."""
        return sum(p.state == "awaiting_approval" for p in self.article.posts)


def outline(store: Store, article_id: int) -> Outline:
    """The article's sections, each with its threads and their posts."""
    view = store.get_article(article_id)
    of_thread = store.thread_sections(article_id)
    threads: dict[int, list[PostView]] = {}
    for post in view.posts:
        threads.setdefault(post.thread_id, []).append(post)
    raw = list(view.data.get("sections") or [])
    sections = []
    for index, section in enumerate(raw):
        mine = tuple(
            ThreadOutline(tid, posts[0].platform, posts[0].account, tuple(posts))
            for tid, posts in threads.items()
            if of_thread.get(tid) == index
        )
        sections.append(
            SectionOutline(index, section.get("heading"), section.get("anchor", ""), mine)
        )
    return Outline(view, tuple(sections), store.submitted_by(article_id))
