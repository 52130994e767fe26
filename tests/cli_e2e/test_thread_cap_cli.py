"""`sharebot publish` of a long section on the real PDS: continued in next threads."""

from __future__ import annotations

import re

SENTENCE = "Sentence {} of the long section goes on for a while with ordinary words. "


def test_long_section_is_published_as_continued_threads(cli):
    paragraphs = "\n\n".join(SENTENCE.format(n) * 3 for n in range(12))
    article = cli.tmp / "long.md"
    article.write_text(
        "---\ntitle: Long report\nurl: https://news.example/long\nmax_posts_per_thread: 3\n"
        f"---\n\n## The long part\n\n{paragraphs}\n",
        encoding="utf-8",
    )
    result = cli.run("publish", str(article), "--to", "bluesky", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    records = [r["value"] for r in cli.records()]
    roots = sorted(r["text"].split("\n", 1)[0] for r in records if "reply" not in r)
    total = len(roots)
    assert total >= 3
    assert roots == sorted(f"The long part ({k}/{total})" for k in range(1, total + 1))
    by_root: dict[str, int] = {}
    for record in records:
        root = record["reply"]["root"]["uri"] if "reply" in record else "self"
        by_root[root] = by_root.get(root, 0) + 1
    replies = [n for root, n in by_root.items() if root != "self"]
    assert all(n + 1 <= 3 for n in replies)  # each thread: its root and at most 2 replies
    words = " ".join(r["text"] for r in records)
    assert all(f"Sentence {n} of" in words for n in range(12))
    assert not re.search(r"Continue reading", words)
