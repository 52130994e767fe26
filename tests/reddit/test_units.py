"""Pure parts of the Reddit adapter: form builders, marker, rules, error mapping."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import praw.exceptions
import prawcore.exceptions
import pytest

from bot.errors import AmbiguousError, RejectedError, TransientError
from bot.platforms.reddit import MARKER_RESERVE, build_comment, build_submission, marker
from bot.platforms.reddit_errors import EXCEPTION_KINDS, map_exception, rate_limit_until
from bot.platforms.reddit_rules import requirement_problems
from bot.threads import PostDraft

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_self_post_form() -> None:
    draft = PostDraft(text="Intro", kind="submission", title="Title")
    fields = build_submission(
        draft, subreddit="news", flair_id="abc", flair_text=None, key="K1", nsfw=False, spoiler=True
    )
    assert fields == {
        "sr": "news",
        "title": "Title",
        "kind": "self",
        "nsfw": "False",
        "spoiler": "True",
        "sendreplies": "True",
        "resubmit": "True",
        "validate_on_submit": "True",
        "text": "Intro\n\n[](#sb-K1)",
        "flair_id": "abc",
    }


def test_bare_link_post_has_no_body_and_link_with_text_carries_marker() -> None:
    bare = PostDraft(text="", kind="submission", title="T", link_url="https://e.org/a")
    fields = build_submission(
        bare, subreddit="s", flair_id=None, flair_text="Fl", key="K", nsfw=True, spoiler=False
    )
    assert (fields["kind"], fields["url"], "text" in fields) == ("link", "https://e.org/a", False)
    assert (fields["nsfw"], fields["flair_text"]) == ("True", "Fl")
    texted = PostDraft(text="Why", kind="submission", title="T", link_url="https://e.org/a")
    assert (
        build_submission(
            texted,
            subreddit="s",
            flair_id=None,
            flair_text=None,
            key="K",
            nsfw=False,
            spoiler=False,
        )["text"]
        == "Why\n\n[](#sb-K)"
    )


def test_comment_form() -> None:
    assert build_comment(PostDraft(text="Hi", kind="comment"), parent_fullname="t1_x", key="K") == {
        "thing_id": "t1_x",
        "text": "Hi\n\n[](#sb-K)",
    }


def test_marker_fits_the_reserve() -> None:
    key = "x" * (MARKER_RESERVE - len(marker("")))
    assert len(marker(key)) == MARKER_RESERVE
    with pytest.raises(RejectedError, match="too long for the marker"):
        marker(key + "x")


@pytest.mark.parametrize(
    ("message", "delta"),
    [
        (
            "Looks like you've been doing that a lot. Take a break for 3 minutes before trying.",
            timedelta(minutes=3),
        ),
        ("you are doing that too much. try again in 1 minute.", timedelta(minutes=1)),
        ("you are doing that too much. try again in 15 seconds.", timedelta(seconds=15)),
        ("Take a break for 400 milliseconds", timedelta(milliseconds=400)),
        ("slow down", timedelta(minutes=10)),
    ],
)
def test_rate_limit_until(message: str, delta: timedelta) -> None:
    assert rate_limit_until(message, NOW) == NOW + delta


def test_rules() -> None:
    rules = {
        "is_flair_required": True,
        "title_text_max_length": 20,
        "title_text_min_length": 3,
        "body_restriction_policy": "notAllowed",
        "title_blacklisted_strings": ["bad"],
        "domain_blacklist": ["evil.com"],
        "title_required_strings": ["[News]"],
    }
    problems = requirement_problems(
        rules,
        title="a bad title that is long",
        body="x",
        link_url="https://www.evil.com/x",
        has_flair=False,
    )
    assert problems == [
        "the subreddit requires post flair and none is configured",
        "title is 24 characters, the limit is 20",
        "title contains the banned string 'bad'",
        "title must contain one of '[News]'",
        "the subreddit does not allow a post body",
        "links to evil.com are not allowed",
    ]
    assert requirement_problems({}, title="ok", body="", link_url=None, has_flair=False) == []


def exception_classes() -> list[type[BaseException]]:
    return [
        cls
        for module in (praw.exceptions, prawcore.exceptions)
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, BaseException)
        and cls.__module__ == module.__name__
    ]


def test_every_praw_and_prawcore_exception_is_mapped() -> None:
    classes = exception_classes()
    assert len(classes) >= 30
    unmapped = [c.__name__ for c in classes if c.__name__ not in EXCEPTION_KINDS]
    assert unmapped == []
    assert set(EXCEPTION_KINDS) == {c.__name__ for c in classes}  # no stale entries


@pytest.mark.parametrize("cls", exception_classes(), ids=lambda c: c.__name__)
def test_each_exception_maps_to_a_platform_error(cls: type[BaseException]) -> None:
    exc = cls.__new__(cls)
    for write in (False, True):
        err = map_exception(exc, write=write, now=NOW, scope="account")
        assert err.platform == "reddit"
        if EXCEPTION_KINDS[cls.__name__] == "ambiguous":
            assert isinstance(err, AmbiguousError if write else TransientError)
