"""Thread planning CPU time: the sample in both modes, and a 50,000-word story in full mode.

    python benchmarks/bench_plan.py [--runs N] [--src DIR]

Planning only (`plan_thread`, as `crosspost thread` calls it for X), measured in-process with
time.process_time after the imports, each run with cold caches (the measure's per-word cache is
cleared, as in a fresh process); the median of the runs is printed (of 5x as many for the
sample). The long story is built from the corpus (tests/data/newsletters): its stories'
paragraphs shuffled with a fixed seed, some with a link or an emoji added, some run on into a
very long sentence. At 280 that story is about 1,600 posts, over the 1,000 a thread may have, so
it is planned with that cap lifted (planning it with the cap, as the CLI does, is timed too: it
fails after planning the whole story once).
`--src` times another checkout's crosspost (e.g. the code before a change) on the same inputs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5  # seconds of CPU for the 50,000-word story in full mode

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--src", default=str(ROOT), help="checkout whose crosspost package to time")
ARGS = ap.parse_args()
sys.path.insert(0, ARGS.src)

import crosspost.plan.thread as thread  # noqa: E402
from crosspost.config import Config  # noqa: E402
from crosspost.errors import InputError  # noqa: E402
from crosspost.model import Issue, Story  # noqa: E402
from crosspost.parse import parse_issue  # noqa: E402
from crosspost.platforms.x.textlen import weighted_length  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "newsletters"
EMOJI = ["🐜", "🇪🇺", "👩‍👩‍👧", "🔥", "✨"]


def corpus_paragraphs() -> list[str]:
    pars = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix == ".yaml" or path.name == "SOURCES.md":
            continue
        for story in parse_issue(path).stories:
            pars += [p for p in story.paragraphs if len(p.split()) >= 5]
    return pars


def long_story(words: int, pars: list[str]) -> Issue:
    """One story of `words` words of real newsletter text (the same text for the same count)."""
    rng = random.Random(34)
    out: list[str] = []
    count = 0
    while count < words:
        p = rng.choice(pars).split()
        if rng.random() < 0.3:
            p.insert(rng.randrange(len(p) + 1), f"https://example.com/a/{rng.randrange(10**6)}?utm=x")
        if rng.random() < 0.3:
            p.insert(rng.randrange(len(p) + 1), rng.choice(EMOJI))
        if rng.random() < 0.1:  # run on into the next paragraph: one very long sentence
            p += [w.rstrip(".!?") for w in rng.choice(pars).split()]
        p = p[: words - count]
        count += len(p)
        out.append(" ".join(p))
    return Issue(id="long", title="A very long story", stories=[Story("The long one", paragraphs=out, index=1)])


def cold() -> None:
    """Forget what the measure has cached, as a new process would not know it."""
    for module in [m for name, m in sys.modules.items() if name.startswith("crosspost")]:
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def cpu(issue: Issue, mode: str, runs: int) -> tuple[float, str]:
    times = []
    for _ in range(runs):
        cold()
        t = time.process_time()
        try:
            result = f"{len(thread.plan_thread(issue, Config(), mode=mode).posts)} posts"
        except InputError as exc:
            result = "refused: " + exc.problem[:44] + "…"
        times.append(time.process_time() - t)
    return statistics.median(times), result


def main() -> None:
    print(f"crosspost from {ARGS.src}; median CPU of {ARGS.runs} runs, cold caches")
    weighted_length("import twitter-text: https://example.com 🐜 日本")  # imports are not planning
    sample = parse_issue(ROOT / "issues" / "issue-34.txt")
    for mode in ("summary", "full"):
        seconds, result = cpu(sample, mode, 5 * ARGS.runs)  # milliseconds: more runs for a steady median
        print(f"issue-34 {mode:7}                 {seconds * 1000:8.1f} ms  {result}")
    pars = corpus_paragraphs()
    cap = thread.MAX_POSTS
    for words in (5_000, 20_000, 50_000):
        issue = long_story(words, pars)
        runs = max(1, ARGS.runs if words < 50_000 else (ARGS.runs + 1) // 2)
        thread.MAX_POSTS = 10**6
        seconds, result = cpu(issue, "full", runs)
        thread.MAX_POSTS = cap
        goal = f"  (goal <= {GOAL} s)" if words == 50_000 else ""
        print(
            f"{words:6,}-word story, full      {seconds:8.2f} s   {seconds / words * 1e6:5.1f} µs/word  {result}{goal}"
        )
    seconds, result = cpu(issue, "full", runs)
    print(f"{words:6,}-word story, full, cap {seconds:8.2f} s   {result}")


if __name__ == "__main__":
    main()
