"""How many real newsletters crosspost reads right, and how fast it reads them.

    python benchmarks/bench_corpus.py [EXTRA_FOLDER ...]

Reads every issue of tests/data/newsletters (and of each extra folder holding issues with
their `.expected.yaml`, e.g. issues kept aside that the code was never tuned on) and prints the
share read right as an editor would (tests/corpus.py decides), with the problems of the others.
Then times parsing: the median CPU time per corpus issue, and a 1 MB issue of each format
(the sample's stories repeated) against the goal of one second.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402
from crosspost.parse import parse_issue  # noqa: E402


def share(folder: Path) -> tuple[int, int]:
    files = corpus.expected_files(folder)
    right = 0
    for f in files:
        reading = corpus.check(f)
        right += reading.ok
        if not reading.ok:
            print(f"  wrong: {reading.name}: {reading.problems[0][:150]}")
    print(f"{folder}: {right}/{len(files)} read right ({100 * right / max(1, len(files)):.0f}%)")
    return right, len(files)


def cpu(fn, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def big_files(tmp: Path) -> dict[str, Path]:
    """About 1 MB of each format, made of many stories."""
    story = (
        "Ant Group launches a new blockchain solution this week, with over 100 million assets uploaded every day. "
    ) * 6
    out = {}
    n = 1_000_000 // (len(story) + 40)
    out["markdown"] = tmp / "big.md"
    out["markdown"].write_text("# Big Issue 1\n\n" + "".join(f"## Story {i}\n\n{story}\n\n" for i in range(n)))
    out["html"] = tmp / "big.html"
    out["html"].write_text(
        "<html><body><table role='presentation'><tr><td>"
        + "".join(f"<h2>Story {i}</h2><p>{story}</p>" for i in range(n))
        + "</td></tr></table></body></html>"
    )
    out["html, 40,000 <br> in one paragraph"] = tmp / "br.html"
    out["html, 40,000 <br> in one paragraph"].write_text(
        "<html><body><h2>A</h2><p>" + "word more words here<br>" * 40000 + "</p><h2>B</h2><p>text</p></body></html>"
    )
    out["html, 90,000 inline tags"] = tmp / "inline.html"
    out["html, 90,000 inline tags"].write_text(
        "<html><body><h2>A</h2><p>"
        + "<b>bold</b> word more words here <i>x</i> " * 22000
        + "</p><h2>B</h2><p>text</p></body></html>"
    )
    out["text"] = tmp / "big.txt"
    out["text"].write_text("Issue #1 - Big\n\n" + "".join(f"Story Number {i}\n\n{story}\n\n" for i in range(n)))
    return out


def floor(path: Path) -> None:
    """What the format's parsing library alone costs on the file (the text reader has none:
    splitting lines stands in)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        from bs4 import BeautifulSoup

        BeautifulSoup(text, "html.parser")
    elif path.suffix == ".md":
        from markdown_it import MarkdownIt

        MarkdownIt("commonmark").enable("table").parse(text)
    else:
        text.splitlines()


def main() -> None:
    share(corpus.CORPUS)
    for extra in sys.argv[1:]:
        share(Path(extra))
    files = [corpus.CORPUS / __import__("yaml").safe_load(f.read_text())["file"] for f in corpus.expected_files()]
    times = [cpu(lambda f=f: parse_issue(f), 3) for f in files]
    print(
        f"parse, per corpus issue: median {1000 * statistics.median(times):.1f} ms CPU, "
        f"max {1000 * max(times):.1f} ms ({files[times.index(max(times))].name})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, path in big_files(Path(tmp)).items():
            # paired with the parsing library alone on the same bytes (the floor), so a slow or
            # busy machine shows in both numbers and the ratio stays meaningful
            pairs = [(cpu(lambda p=path: parse_issue(p), 1), cpu(lambda p=path: floor(p), 1)) for _ in range(3)]
            t = statistics.median(a for a, _ in pairs)
            ratio = statistics.median(a / b for a, b in pairs if b)
            size = path.stat().st_size / 1e6
            print(f"parse a {size:.2f} MB {fmt} issue: {t:.2f} s CPU (goal < 1 s), {ratio:.1f}x its parser alone")


if __name__ == "__main__":
    main()
