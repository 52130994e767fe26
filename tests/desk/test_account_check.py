"""The status page's "test this account" button: an editor logs in as a configured account
through the same use-case as `sharebot accounts check` (against the real PDS) and sees who
it is; a bad password shows the platform's error; contributors may not; no secret shows."""

from __future__ import annotations

from dataclasses import replace

from bot.app import App
from bot.config import BlueskyAccount, Secret
from tests.desk.conftest import csrf_of, login


def test_an_editor_tests_an_account_and_sees_who_it_is(app: App, client, pds) -> None:
    did, handle, password = pds.create_account("deskcheck")
    good = BlueskyAccount("desk", handle, Secret(password), service=pds.url)
    bad = BlueskyAccount("other", handle, Secret("not-the-password"), service=pds.url)
    app.settings = replace(app.settings, bluesky=(good, bad), reddit=())
    login(client, "ed")
    page = client.get("/status")
    assert "Test bluesky/desk" in page.text and "Test bluesky/other" in page.text
    token = csrf_of(page.text)
    ok = client.post("/status/check", data={"csrf": token, "platform": "bluesky",
                                            "account": "desk"})  # fmt: skip
    assert ok.status_code == 200 and "bluesky/desk: ok" in ok.text and did in ok.text
    failed = client.post("/status/check", data={"csrf": token, "platform": "bluesky",
                                                "account": "other"})  # fmt: skip
    assert "bluesky/other: FAILED" in failed.text
    assert password not in ok.text + failed.text and "not-the-password" not in failed.text
    assert (
        client.post("/status/check", data={"platform": "bluesky", "account": "desk"}).status_code
        == 403
    )  # no CSRF


def test_a_contributor_may_not_test_accounts(app: App, client) -> None:
    login(client, "cora")
    token = csrf_of(client.get("/status").text)
    refused = client.post("/status/check", data={"csrf": token, "account": "desk"})
    assert refused.status_code == 403
