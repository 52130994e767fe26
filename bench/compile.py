"""Compile every corpus article (and the seed) for both platforms, many rounds.

Prints throughput and the ratio of compile time to one pass of the grapheme
segmenter (``regex`` ``\\X`` findall) over the same text, measured side by side in
rounds whose order alternates. The RESULT is the ratio of the totals (min/median/max of
the rounds beside it); exit 1 when it misses its target.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._results import finish, ratio_result, rotation
from bot.article import Article, Code, Image, ListBlock, Paragraph, Quote
from bot.compile import compile_article
from bot.readers import read_source

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 15
TARGET = 5.0


def sources() -> list[Path]:
    found = [ROOT / "posts" / "china-russia-partnership.txt"]
    corpus = ROOT / "tests" / "data" / "corpus"
    found += sorted(p for p in corpus.iterdir() if p.suffix != ".json")
    return [p for p in found if p.exists()]


def article_text(article: Article) -> str:
    parts = [article.title]
    for section in article.sections:
        parts += [section.heading or "", *section.path]
        for block in section.blocks:
            if isinstance(block, Paragraph | Quote | Code):
                parts.append(block.text)
            elif isinstance(block, ListBlock):
                parts += block.items
            elif isinstance(block, Image):
                parts.append(block.alt)
    return "\n\n".join(parts)


def main() -> None:
    articles = [read_source(str(p)) for p in sources()]
    text = "\n\n".join(article_text(a) for a in articles)
    size_mb = len(text.encode("utf-8")) / 1e6
    cluster = regex.compile(r"\X")
    took: dict[str, list[float]] = {"segment": [], "compile": []}

    def run_segment() -> None:
        cluster.findall(text)

    def run_compile() -> None:
        for article in articles:
            compile_article(article, "bluesky")
            compile_article(article, "reddit")

    sides = [("segment", run_segment), ("compile", run_compile)]
    for r in range(ROUNDS):
        for name, run in rotation(sides, r):
            start = time.perf_counter()
            run()
            took[name].append(time.perf_counter() - start)
    seg, comp = statistics.median(took["segment"]), statistics.median(took["compile"])
    print(f"articles: {len(articles)}, text: {size_mb:.3f} MB, rounds: {ROUNDS}")
    print(f"segmenter: {seg * 1e3:.2f} ms/pass ({size_mb / seg:.2f} MB/s)")
    print(f"compile (bluesky + reddit): {comp * 1e3:.2f} ms/pass ({size_mb / comp:.2f} MB/s)")
    ratio_result("compile_vs_segmenter_ratio", took["compile"], took["segment"], "<=", TARGET)
    finish()


if __name__ == "__main__":
    main()
