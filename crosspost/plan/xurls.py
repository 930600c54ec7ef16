"""X's URL rule (twitter-text's `extract_urls_with_indices`) in linear time.

Why not call twitter-text-parser's extractor: its one big regex is searched from every position
and backtracks through every dotted label that follows, so text such as "U.S.U.S.…", "a.a.a.…"
or a run of combining marks after a dot costs quadratic time and more (2 KB: 10 s; 8 KB: minutes),
and a newsletter that contains such a run would hold the run lock for that long.

This module finds exactly the same URLs (same spans, same order, same filtering) by running the
same grammar as a scanner: every character class, the top-level-domain list and the balanced
parentheses are the library's own patterns (copied into xurls_data.py by tools/gen_url_patterns.py,
so that nothing here imports twitter-text-parser, a test-only reference now), applied at one
position at a time, and the one step that backtracked without bound — choosing how many dotted
labels belong to the domain — is decided from the right to the left once per text (`_Labels`). The results are compared with
the library on the official conformance data and on random URL-like text in tests/test_textlen.py.

The grammar (twitter-text's extract_url, searched left to right, each match resuming at its end):
    before: one preceding character that is not a letter, digit, @, $ or # (or the text's start)
    url:    [https?://] domain [:port] [/path] [?query]
    domain: sub-labels* name-label TLD, each label followed by "."; the most labels that still
            leave a top-level domain right after a dot win (greedy, then backtracking).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from . import xurls_data as _data

# The library's two checks on a match that are not character classes, and its constants.
default_protocol = _data.DEFAULT_PROTOCOL
max_tco_slug_length = _data.MAX_TCO_SLUG_LENGTH
invalid_url_without_protocol_preceding_chars = re.compile(_data.INVALID_URL_WITHOUT_PROTOCOL_PRECEDING_CHARS)
valid_tco_url = re.compile(_data.TCO_URL, re.IGNORECASE)

# The whole extract_url regex is compiled case-insensitively, so every piece is too.
_I = re.IGNORECASE
_PROTOCOL = re.compile(r"https?://", _I)
_BALANCED = re.compile(_data.URL_BALANCED_PARENS, _I)
_DOMAIN_CHAR = re.compile(_data.DOMAIN_CHARS, _I)
_LABEL_RUN = re.compile(f"(?:{_data.DOMAIN_CHARS}|[_-])+", _I)
# valid_ascii_domain is "(?:(?:[\-a-z0-9<latin accents>]+)\.)+(?:TLD)"; tests check this copy.
_ASCII_LABEL_RUN = re.compile(rf"[\-a-z0-9{_data.LATIN_ACCENT_CHARS}]+", _I)


def _tester(pattern: str):
    """A cached one-character test of `pattern`, compiled on its first use (most text needs only some)."""

    @lru_cache(maxsize=4096)
    def test(char: str) -> bool:
        return _compiled(pattern).fullmatch(char) is not None

    return test


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


_preceding = _tester(_data.URL_PRECEDING_CHARS)  # the "^" alternative never matches a char
_domain_char = _tester(_data.DOMAIN_CHARS)
_path_char = _tester(_data.GENERAL_URL_PATH_CHARS)
_path_ending = _tester(_data.URL_PATH_ENDING_CHARS)  # one char never matches its (...) part
_query_char = _tester(_data.URL_QUERY_CHARS)
_query_end = _tester(_data.URL_QUERY_ENDING_CHARS)


def extract_urls_with_indices(text: str) -> list[dict]:
    """Same result as twitter_text.extract_urls_with_indices(text), in time linear in the text."""
    if not text or "." not in text:
        return []
    labels = _Labels(text)
    urls: list[dict] = []
    n = len(text)
    pos = 0  # where the next search starts (a match, valid or not, resumes the search at its end)
    while pos < n:
        found, before = None, ""
        for s in range(pos, n):
            if _preceding(text[s]):
                found = _match_url(text, s + 1, labels)
                before = text[s]
            if found is None and s == 0:  # the "^" alternative: a URL at the very start
                found = _match_url(text, 0, labels)
                before = ""
            if found is not None:
                break
        if found is None:
            break
        _accept(text, found, before, urls)
        pos = found[0]
    return urls


def _match_url(text: str, start: int, labels: "_Labels"):
    """(end, protocol, domain, path, start) of the URL the regex would match at `start`, or None."""
    protocol = _PROTOCOL.match(text, start) if text.startswith(("h", "H"), start) else None
    domain_start = protocol.end() if protocol else start
    domain_end = labels.domain_end(domain_start)
    if domain_end is None and protocol:  # backtrack: no protocol, the domain right at start
        protocol, domain_start = None, start
        domain_end = labels.domain_end(start)
    if domain_end is None:
        return None
    n = len(text)
    end = domain_end
    if end + 1 < n and text[end] == ":" and "0" <= text[end + 1] <= "9":
        end += 2
        while end < n and "0" <= text[end] <= "9":
            end += 1
    path = None
    if end < n and text[end] == "/":
        path_start, end = end, _path_end(text, end + 1)
        path = text[path_start:end]
    if end < n and text[end] == "?":
        last = None
        k = end + 1
        while k < n and _query_char(text[k]):
            if _query_end(text[k]):
                last = k
            k += 1
        if last is not None:
            end = last + 1
    return end, protocol.group() if protocol else None, text[domain_start:domain_end], path, start


def _path_end(text: str, start: int) -> int:
    """Where the regex's `valid_url_path*` stops, starting right after the path's "/".

    One valid_url_path is, as the library assembles it, G* (BP G*)* E | BP | @ G+ /, where G are
    path characters, BP a balanced parenthesis group and E an ending character (the JavaScript
    original's missing parentheses make BP a whole alternative). The regex takes the longest
    chain of G runs and BPs, then gives back to the last ending character in it; repeated, it then
    takes whole BPs that directly follow. (The "@" alternative can only match where the first one
    already does: its "/" is an ending character.) The chain is read once, so a long row of
    parenthesis groups costs linear time, not a rescan per group.
    """
    n = len(text)
    k = start
    last = None  # the last ending character of the chain
    groups: dict[int, int] = {}  # BP start -> end, along the chain
    while True:
        while k < n and _path_char(text[k]):
            if _path_ending(text[k]):
                last = k
            k += 1
        group = _BALANCED.match(text, k) if k < n and text[k] == "(" else None
        if group is None:
            break
        groups[k] = k = group.end()
    end = start if last is None else last + 1
    while end in groups:
        end = groups[end]
    return end


def _accept(text: str, found, before: str, urls: list[dict]) -> None:
    """The library's checks on one regex match, verbatim in effect."""
    end, protocol, domain, path, start = found
    url = text[start:end]
    if not is_valid_url(url, protocol or default_protocol, domain):
        return
    if protocol is None:
        if invalid_url_without_protocol_preceding_chars.match(before):
            return
        last_url = None
        for a, b in _ascii_domains(domain):
            last_url = {"url": domain[a:b], "indices": [start + a, start + b]}
            urls.append(last_url)
        if last_url is None:
            return
        if path:
            last_url["url"] = url.replace(domain, last_url["url"])
            last_url["indices"][1] = end
        return
    tco = valid_tco_url.search(url)
    if tco:
        slug = tco.group(1)
        if slug and len(slug) > max_tco_slug_length:
            return
        url = tco.group(0)
        end = start + len(url)
    urls.append({"url": url, "indices": [start, end]})


class _Labels:
    """Where a domain starting at any position of `text` ends, each answer in constant time.

    A label is a run of domain characters, "_" and "-" that starts and ends with a domain
    character and is followed by "."; the domain regex takes as many labels as it can and
    backtracks until a top-level domain follows a label's dot (the last label, the "name",
    may not contain "_"). Runs of label characters are found once; for the first position of
    each run, the furthest label that can be the name is computed from the right.
    """

    def __init__(self, text: str):
        self.text = text
        self.runs = [(m.start(), m.end()) for m in _LABEL_RUN.finditer(text)]
        self.starts = [a for a, _ in self.runs]
        count = len(self.runs)
        self.dotted = [False] * count  # label ends with a domain char and a "." follows
        self.tld_end: list[int | None] = [None] * count  # end of the TLD right after this run's dot
        self.last_underscore = [-1] * count
        self.best: list[int | None] = [None] * count  # from the run's first position: run index of the name label
        n = len(text)
        for r in range(count - 1, -1, -1):
            a, b = self.runs[r]
            self.dotted[r] = b < n and text[b] == "." and _domain_char(text[b - 1])
            if self.dotted[r]:
                self.tld_end[r] = _tld_end(text, b + 1)
            self.last_underscore[r] = text.rfind("_", a, b)
            self.best[r] = self._best(r, a)

    def _next_run(self, r: int) -> int | None:
        b = self.runs[r][1]
        return r + 1 if r + 1 < len(self.runs) and self.runs[r + 1][0] == b + 1 else None

    def _best(self, r: int, d: int) -> int | None:
        """Run index of the name label for a domain starting at position d of run r."""
        if not self.dotted[r] or not _domain_char(self.text[d]):
            return None
        nxt = self._next_run(r)
        if nxt is not None and self.best[nxt] is not None:
            return self.best[nxt]  # more sub-labels, and a name further on: greedy wins
        if self.tld_end[r] is not None and d > self.last_underscore[r]:
            return r
        return None

    def domain_end(self, d: int) -> int | None:
        if d >= len(self.text):
            return None
        r = bisect_right(self.starts, d) - 1
        if r < 0 or d >= self.runs[r][1]:
            return None
        name = self.best[r] if d == self.runs[r][0] else self._best(r, d)
        return None if name is None else self.tld_end[name]


def _tld_end(text: str, start: int) -> int | None:
    """End of the top-level domain at `start`, or None. A TLD lies inside the run of label
    characters there and its lookahead reads one character more, so that piece of text decides
    it: looked up in a cache (newsletters repeat ".com" a lot, the alternation of 1,500 TLDs is slow)."""
    run = _LABEL_RUN.match(text, start)
    stop = min(len(text), (run.end() if run else start) + 1)
    length = _tld_length(text[start:stop])
    return None if length is None else start + length


@lru_cache(maxsize=4096)
def _tld_length(piece: str) -> int | None:
    if piece.isascii():
        return _ascii_tld_length(piece)
    tld = _tld_regex().match(piece)
    return tld.end() if tld else None


@lru_cache(maxsize=1)
def _tld_regex() -> re.Pattern:
    """The library's TLD regex, valid_gtld|valid_cctld|valid_punycode: 1,500 alternatives, ~40 ms to
    compile, so only for a piece with a non-ASCII character (an IDN TLD such as .рф, or a letter
    that case-folds to ASCII, such as the Kelvin sign)."""
    alternations = (f"(?:(?:{'|'.join(tlds)}){_data.TLD_LOOKAHEAD})" for tlds in (_data.GTLDS, _data.CCTLDS))
    return re.compile(f"(?:{'|'.join(alternations)}|{_data.PUNYCODE})", _I)


_TLD_FOLLOWER = re.compile(_data.TLD_LOOKAHEAD, _I)  # what may follow a TLD (not a letter, digit, @, + or -)
_PUNYCODE = re.compile(_data.PUNYCODE, _I)


@lru_cache(maxsize=1)
def _ascii_tlds() -> tuple[frozenset[str], int]:
    """The ASCII TLDs, lower-cased, and the longest one's length."""
    tlds = frozenset(tld.lower() for tld in (*_data.GTLDS, *_data.CCTLDS) if tld.isascii())
    return tlds, max(map(len, tlds))


def _ascii_tld_length(piece: str) -> int | None:
    """_tld_regex().match(piece) for an ASCII piece, by looking its prefixes up.

    The regex takes the first alternative, in its order, that matches and is followed by a
    character that cannot continue a label. On ASCII text only one prefix can be such a TLD (an
    ASCII TLD is letters, digits and "-", so a longer one continues the shorter one's label),
    a non-ASCII TLD never matches, and ignoring case is comparing lower-cased text
    (tests/test_textlen.py checks these over every TLD). Punycode ("xn--…") is the last alternative."""
    order, longest = _ascii_tlds()
    folded = piece.lower()
    for length in range(1, min(len(piece), longest) + 1):
        if folded[:length] in order and _TLD_FOLLOWER.match(piece, length):
            return length
    puny = _PUNYCODE.match(piece)
    return puny.end() if puny else None


def is_valid_url(url: str, protocol: str, domain: str) -> bool:
    """twitter-text's is_valid_url: the domain converts to IDNA, and the URL with it fits 4,096 characters."""
    try:
        puny = domain.encode("idna").decode("ascii")
    except Exception:  # the library's own catch-all: any domain the codec refuses
        return False
    if not puny:
        return False
    return len(protocol) + len(url) + len(puny) - len(domain) <= _data.MAX_URL_LENGTH


def _ascii_domains(domain: str) -> list[tuple[int, int]]:
    """Spans of valid_ascii_domain.finditer(domain), in linear time.

    Its labels are runs of ASCII letters, digits, "-" and Latin accents, each followed by "."; a
    match starting anywhere in a run takes the most labels that leave a TLD right after a dot.
    """
    runs = [(m.start(), m.end()) for m in _ASCII_LABEL_RUN.finditer(domain)]
    n = len(domain)
    furthest: list[int | None] = [None] * len(runs)  # match end for a start inside run r
    for r in range(len(runs) - 1, -1, -1):
        a, b = runs[r]
        if b >= n or domain[b] != ".":
            continue
        if r + 1 < len(runs) and runs[r + 1][0] == b + 1 and furthest[r + 1] is not None:
            furthest[r] = furthest[r + 1]
        else:
            furthest[r] = _tld_end(domain, b + 1)
    spans = []
    pos = 0
    for (a, b), end in zip(runs, furthest):
        if end is None or b <= pos:
            continue
        spans.append((max(a, pos), end))
        pos = end
    return spans
