"""Does a main-content extractor (trafilatura, readability-lxml) read HTML issues better than
crosspost's own chrome removal? Measured on the HTML issues of the corpus.

    pip install trafilatura readability-lxml   # not dependencies of crosspost
    python benchmarks/bench_extractors.py

For each HTML issue: crosspost as is; then the page's <head> kept and its <body> replaced by
what the extractor returns, read by crosspost. Prints the issues read right by each, and the
median CPU time per issue.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402


def with_body(html: str, body: str) -> str:
    head = re.search(r"<head\b.*?</head>", html, re.S | re.I)
    return f"<html>{head.group(0) if head else ''}<body>{body}</body></html>"


def trafilatura_body(html: str) -> str:
    import trafilatura

    return (
        trafilatura.extract(
            html,
            output_format="html",
            include_links=True,
            include_formatting=True,
            include_tables=True,
            favor_recall=True,
        )
        or ""
    )


def readability_body(html: str) -> str:
    from readability import Document

    return Document(html).summary(html_partial=True)


def main() -> None:
    files = [p for p in corpus.expected_files() if yaml.safe_load(p.read_text())["file"].endswith((".html", ".htm"))]
    variants = {"crosspost": None, "trafilatura": trafilatura_body, "readability": readability_body}
    for name, extract in variants.items():
        right, times = 0, []
        with tempfile.TemporaryDirectory() as tmp:
            for exp in files:
                want = yaml.safe_load(exp.read_text())
                html = (corpus.CORPUS / want["file"]).read_text(encoding="utf-8")
                t0 = time.process_time()
                text = html if extract is None else with_body(html, extract(html))
                times.append(time.process_time() - t0)
                (Path(tmp) / want["file"]).write_text(text, encoding="utf-8")
                (Path(tmp) / exp.name).write_text(exp.read_text())
                right += corpus.check(Path(tmp) / exp.name).ok
        print(
            f"{name:12} {right}/{len(files)} HTML issues read right; extraction {1000 * statistics.median(times):.1f} ms median"
        )


if __name__ == "__main__":
    main()
