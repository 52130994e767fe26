"""Drafts and a minimal publish loop (send; on AmbiguousError reconcile; resend only if absent)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.article import Block, Code, ListBlock, Paragraph, Quote, Section
from bot.errors import AmbiguousError, TransientError
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.readers import read_source
from bot.threads import PostDraft, ThreadDraft

SECTIONS = (
    ("Background", "Moscow and Beijing signed a *no limits* partnership in 2022."),
    (
        "Trade",
        "Bilateral trade reached record highs, paid mostly in yuan and roubles.\n\n"
        "- energy exports\n- machinery imports",
    ),
    ("Limits", "Beijing still avoids open military aid; see [the report](https://example.org/r)."),
)


def article_thread(title: str = "China and Russia: a partnership with limits") -> ThreadDraft:
    """A hand-built Reddit thread: one self-post submission, then one comment per section."""
    posts = [
        PostDraft(text="An intro paragraph about the partnership.", kind="submission", title=title)
    ]
    posts += [PostDraft(text=f"## {head}\n\n{body}", kind="comment") for head, body in SECTIONS]
    return ThreadDraft(platform="reddit", section=0, posts=tuple(posts))


@dataclass
class Publisher:
    """Counts what the test sent, so the stand-in's counters can be compared with it."""

    platform: RedditPlatform
    sends: int = 0
    ambiguous: int = 0

    def send_once(self, post: Outgoing, *, attempts: int = 5) -> Ref:
        for _ in range(attempts):
            self.sends += 1
            try:
                return self.platform.send(post)
            except AmbiguousError:
                self.ambiguous += 1
                found = self.reconcile(post)
                if found is not None:
                    return found
        raise AssertionError(f"post {post.key} still ambiguous after {attempts} attempts")

    def reconcile(self, post: Outgoing, *, attempts: int = 3) -> Ref | None:
        """Reconcile; a failed read (TransientError) is tried again, as the publisher would."""
        for _ in range(attempts - 1):
            try:
                return self.platform.reconcile(post)
            except TransientError:
                continue
        return self.platform.reconcile(post)

    def publish(
        self,
        thread: ThreadDraft,
        *,
        prefix: str,
        subreddit: str = "sharebot_test",
        flair: str | None = None,
    ) -> list[Ref]:
        refs: list[Ref] = []
        for i, draft in enumerate(thread.posts):
            post = Outgoing(
                post_id=i,
                key=f"{prefix}-{i}",
                account="main",
                draft=draft,
                subreddit=subreddit,
                flair=flair,
                parent=refs[-1] if refs else None,
            )
            refs.append(self.send_once(post))
        return refs


def with_title(thread: ThreadDraft, title: str) -> ThreadDraft:
    first = replace(thread.posts[0], title=title)
    return replace(thread, posts=(first, *thread.posts[1:]))


SEED = Path(__file__).resolve().parents[2] / "posts" / "china-russia-partnership.txt"


def _block_markdown(block: Block) -> str:
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, ListBlock):
        marks = [f"{block.start + i}." if block.ordered else "-" for i in range(len(block.items))]
        return "\n".join(f"{m} {item}" for m, item in zip(marks, block.items, strict=True))
    if isinstance(block, Quote):
        return "> " + block.text
    if isinstance(block, Code):
        return f"```\n{block.text}\n```"
    return f"![{block.alt}]({block.src})"


def section_markdown(section: Section) -> str:
    head = [f"## {section.heading}"] if section.heading else []
    return "\n\n".join(head + [_block_markdown(b) for b in section.blocks])


def seed_thread() -> ThreadDraft:
    """The seed article as a Reddit thread (until bot.compile lands: one post per section,
    the intro as the submission's self text)."""
    article = read_source(str(SEED))
    first, *rest = article.sections
    posts = [PostDraft(text=section_markdown(first), kind="submission", title=article.title)]
    posts += [PostDraft(text=section_markdown(s), kind="comment") for s in rest]
    return ThreadDraft(platform="reddit", section=0, posts=tuple(posts))
