"""Pick the pull quote of a story: the writer's marked quote, else its most quotable sentence.

Heuristic (deterministic; ties go to the earlier sentence). Each sentence is scored:
- length: +3 inside the 60-200 character sweet spot (+1 more for 80-160); outside it, minus one
  point per 20 characters of distance (CJK characters count double: they carry more meaning);
- figures: +2 for numbers, percentages, money, "million/billion";
- voice: +1.5 for first person (I, we, my, our), +1 per opinion word (think, real, surprising...),
  at most +3;
- context it lacks on its own: -2 when it opens with a pronoun or connective ("It", "This", "But",
  "So", ...), -5 with a URL, -1 when it ends with a colon or is a question, -1 when it is a
  fragment with no end mark at all (an address, a list of dates, a line of figures);
- a small bonus for the first paragraphs, where the news usually is.
Sentences are cut by plan.split.sentences, the splitter threads use ("U.S.", "Dr.", "3.5", a
quote closing a sentence, CJK full stops). A chosen sentence longer than 240 characters is cut on
a word boundary with "…". A story with text always yields a quote; a story with no paragraphs
yields its headline.
"""

from __future__ import annotations

import re

from ..model import Story
from ..plan.split import sentences

MAX_QUOTE = 240
_FIGURES = re.compile(r"\d|%|[$€£¥]|\b(?:million|billion|trillion|percent)\b|[万亿億]", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|I’m|I'm|I’ve|I've|we|we’re|my|our|me|us)\b", re.I)
_OPINION = re.compile(
    r"\b(?:think|believe|should|must|surprising|interesting|important|real|really|fair|bullish|bearish|"
    r"likely|never|always|best|worst|biggest|huge|unprecedented|essential|probably|toughest)\b",
    re.I,
)
_CONTEXT_OPENERS = re.compile(
    r"^(?:it|its|it’s|it's|this|that|these|those|they|their|them|he|she|his|her|so|but|and|also|"
    r"however|then|there|here)\b",
    re.I,
)
_URL = re.compile(r"https?://|www\.|\b\w+\.(?:com|org|net|io|co)\b", re.I)
# Kana, CJK ideographs, Hangul, CJK compatibility ideographs. Checked in Python, not with a regex: a
# character class this wide takes re 2.6 ms to compile, a tenth of the regex time of a dry run.
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF))


def _cjk_count(text: str) -> int:
    """How many characters of `text` are CJK (see _CJK_RANGES)."""
    if not text or max(text) < "\u3040":  # no character as high as the first range: most text, at C speed
        return 0
    return sum(1 for ch in text if any(lo <= ord(ch) <= hi for lo, hi in _CJK_RANGES))


_CLOSERS = "\"'”’»)]}」』）】〕〉》"
_END_MARKS = (".", "!", "?", "…", "。", "！", "？", "｡", ":", "：")


def visual_length(text: str) -> int:
    return len(text) + _cjk_count(text)


def score(sentence: str, paragraph_index: int = 0) -> float:
    n = visual_length(sentence)
    s = 0.0
    if 60 <= n <= 200:
        s += 3 + (1 if 80 <= n <= 160 else 0)
    else:
        s -= (60 - n if n < 60 else n - 200) / 20
    if _FIGURES.search(sentence):
        s += 2
    if _FIRST_PERSON.search(sentence):
        s += 1.5
    s += min(3, len(_OPINION.findall(sentence)))
    if _CONTEXT_OPENERS.match(sentence.lstrip('"“‘(')):
        s -= 2
    if _URL.search(sentence):
        s -= 5
    if sentence.rstrip().endswith((":", "?", "：", "？")):
        s -= 1
    if not sentence.rstrip().rstrip(_CLOSERS).endswith(_END_MARKS):
        s -= 1  # a fragment: an address, a list of dates, a stats line
    s += max(0, 2 - paragraph_index) * 0.25
    return s


def trim(text: str, limit: int = MAX_QUOTE) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + "…"


def strip_quotes(text: str) -> str:
    text = " ".join(text.split())
    pairs = {"“": "”", '"': '"', "‘": "’", "「": "」", "『": "』", "'": "'"}
    while len(text) >= 2 and text[0] in pairs and text[-1] == pairs[text[0]]:
        text = text[1:-1].strip()
    return text


QUOTE_WORDS = 30  # a pull quote an editor would choose: one or two sentences, about 30 words


def words(text: str) -> int:
    """Words for the quote budget; a CJK character counts as half a word."""
    return len(text.split()) + _cjk_count(text) // 2


def pick_quote(story: Story) -> str:
    """The story's pull quote: the writer's marked quote, else the best-scoring sentence.

    A marked quote longer than about 30 words is an excerpt (a roundup quoting an article): its
    best sentence is taken, with the next one when both fit in 30 words, so the card shows a
    quote at a readable size rather than a whole excerpt in small type."""
    if story.quote and story.quote.strip():
        quote = strip_quotes(story.quote)
        if words(quote) <= QUOTE_WORDS:
            return quote
        return _best_of_excerpt(quote)
    best: tuple[float, int, str] | None = None
    order = 0
    for p_index, paragraph in enumerate(story.paragraphs):
        for sentence in sentences(" ".join(paragraph.split())):
            sc = score(sentence, p_index)
            if best is None or sc > best[0]:
                best = (sc, order, sentence)
            order += 1
    if best is None:
        return strip_quotes(story.headline)
    return trim(strip_quotes(best[2]))


def _best_of_excerpt(text: str) -> str:
    parts = sentences(text)
    ranked = sorted(range(len(parts)), key=lambda i: (-score(parts[i]), i))
    for i in ranked:
        pick = parts[i]
        if words(pick) > QUOTE_WORDS:
            continue
        if i + 1 < len(parts) and words(pick + " " + parts[i + 1]) <= QUOTE_WORDS:
            pick = pick + " " + parts[i + 1]
        return strip_quotes(pick)
    return _trim_words(strip_quotes(parts[ranked[0]] if parts else text), QUOTE_WORDS)


def _trim_words(text: str, n: int) -> str:
    """The first n words of text, ending on a word with "…"."""
    out = text.split()
    if len(out) <= n:
        return text
    return " ".join(out[:n]).rstrip(" ,;:—–-") + "…"
