"""`sharebot preview`: JSON shape, human output, light imports, errors, --check-links."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from tests.compile.conftest import DATA, GOLDEN

SEED = DATA / "seed" / "china-russia-partnership.txt"
HEAVY = ("atproto", "praw", "sqlalchemy", "apscheduler")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_matches_golden_and_keeps_the_promised_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["preview", str(SEED), "--json", "--platform", "bluesky"], capsys)
    assert code == 0
    assert out == (GOLDEN / "china-russia-partnership.txt.bluesky.json").read_text("utf-8")
    code, out, _ = run(["preview", str(SEED), "--json"], capsys)
    data = json.loads(out)
    assert {"title", "url", "lang", "sections", "threads", "share_links"} <= set(data)
    assert set(data["sections"][1]) >= {"heading", "path", "anchor"}
    assert set(data["threads"]) == {"bluesky", "reddit"}
    assert set(data["threads"]["bluesky"][0]["posts"][0]) >= {"text", "facets", "embed", "langs"}
    assert data["threads"]["reddit"][0]["title"] == data["title"]
    assert all("title" not in t for t in data["threads"]["reddit"][1:])
    assert set(data["threads"]["reddit"][0]["posts"][0]) >= {"text"}


def test_human_output_shows_counts_posts_and_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "a.md"
    page.write_text(
        "---\ntitle: T\nurl: https://ex.com/a\n---\n\n## Part\n\nSee #tag and "
        "[docs](https://ex.com/d).\n\n![](pic.png)\n",
        encoding="utf-8",
    )
    code, out, _ = run(["preview", str(page), "--counters"], capsys)
    assert code == 0
    assert "graphemes" in out and "bytes" in out and "1/2" in out
    assert "[link card] https://ex.com/a?utm_source=bluesky" in out
    assert "image without alt text: pic.png" in out  # uploaded from beside the file
    assert "title: T" in out


def test_preview_imports_no_platform_sdk_or_store() -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"main(['preview', {str(SEED)!r}, '--json'])\n"
        "main(['--help'])\n"
        f"bad = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("clean")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02\xff" * 100, ""),
        ("bad.txt", b"Title\n\nok \xff\xfe text\n", "UTF-8"),
        ("front.md", b"---\ntitle: [unclosed\n---\n\nBody\n", ""),
    ],
)
def test_bad_files_exit_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run(["preview", str(path)], capsys)
    assert code in (1, 2)
    assert name in err and reason in err
    assert "Traceback" not in err


def test_missing_file_and_bad_option_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["preview", "/nonexistent/file.md"], capsys)
    assert code == 1 and "/nonexistent/file.md" in err
    code, _, err = run(["preview", str(SEED), "--platform", "myspace"], capsys)
    assert code == 2 and "myspace" in err


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "preview", str(empty)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "empty.md" in done.stderr and "Traceback" not in done.stderr


def test_five_thousand_character_word_gives_a_sensible_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "word.txt"
    path.write_text("Title\n\n" + "x" * 5000 + "\n", encoding="utf-8")
    code, out, _ = run(["preview", str(path), "--json", "--platform", "bluesky"], capsys)
    assert code == 0
    (thread,) = json.loads(out)["threads"]["bluesky"]
    assert all(p["graphemes"] <= 300 for p in thread["posts"])
    assert any("single word" in w for w in thread["warnings"])


ARTICLE = (
    b"<html lang='en'><head><title>Served Article</title></head><body><article>"
    b"<h1>Served Article</h1><p>An opening paragraph that is long enough to be kept as the "
    b"article body by the reader, with a #tag in it.</p><h2>Part Two</h2><p>More text in "
    b"the second part, also long enough to count as real content.</p></article></body></html>"
)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path.startswith(("/ok", "/article")) else 404
        self.send_response(status)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(ARTICLE if self.path == "/article" else b"<html><title>ok</title></html>")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _card_warnings(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    code, out, _ = run(["preview", str(path), "--json", "--check-links", *extra], capsys)
    assert code == 0
    return [w for t in json.loads(out)["threads"]["bluesky"] for w in t["warnings"]]


def test_check_links_warns_on_unreachable_card(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.md"
    good.write_text(f"---\ntitle: T\nurl: {server}/ok\n---\n\nBody.\n", encoding="utf-8")
    assert _card_warnings(good, capsys, "--allow-private") == []
    bad = tmp_path / "bad.md"
    bad.write_text(f"---\ntitle: T\nurl: {server}/gone\n---\n\nBody.\n", encoding="utf-8")
    (warning,) = _card_warnings(bad, capsys, "--allow-private")
    assert warning.startswith(f"unreachable link-card URL {server}/gone") and "HTTP 404" in warning
    (refused,) = _card_warnings(good, capsys)
    assert "private address" in refused


def test_preview_of_a_url(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["preview", f"{server}/article", "--json", "--allow-private"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["title"] == "Served Article"
    posts = [p for t in data["threads"]["bluesky"] for p in t["posts"]]
    assert any(f["features"][0].get("tag") == "tag" for p in posts for f in p["facets"])
    code, _, err = run(["preview", f"{server}/ok", "--allow-private"], capsys)
    assert code in (1, 2) and "/ok" in err and "Traceback" not in err
