"""Real newsletters from public archives (tests/data/newsletters, sources in SOURCES.md) read as
an editor reads them: title, number, brand, the stories' headlines, what each story must keep;
then every post of both thread modes is free of markup and within the limit, full mode keeps
every word once, and the cards render.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corpus import CORPUS, check, check_posts, expected_files

FILES = expected_files()
KNOWN = {  # issues this reading still gets wrong, with why (xfail strict: a fix must remove the entry)
    "amiga-report-103": "1993 BBS magazine: titles are '> Title' lines whose underline covers part of "
    "the line, between boxes of ASCII art; number '1.03' is not an integer",
    "starship-5-minute-newscast-1993-01-22": "1993 GEnie newscast: each title shares its line with an "
    "ASCII-art drop cap; no title line, brand only in the art",
    "pg-weekly-newsletter-2003-01-08": "2003 mailing-list mail: the editor's first story 'Intro' has no "
    "heading in the text (only the table of contents names it)",
    "python-urlo-week30": "the number is given only in Italian words ('la nona della serie')",
    "devopsish-091": "the newsletter's name (DevOps'ish) is only in running text and one heading, never in "
    "the title or front matter",
    "20-percent-berlin-39": "brand: the publication's name is only in the sender address and a greeting",
    "design-newsletter-no-results-pages": "brand: 'The Design Newsletter' is named only in the footer's prose",
    "milk-road-2022-03-07": "brand: 'Milk Road' is only in the copyright line and a share button (a copyright "
    "line names the author as often as the newsletter)",
}


def test_corpus_is_what_the_issue_asks_for():
    classes = [yaml.safe_load(p.read_text(encoding="utf-8"))["source"]["class"] for p in FILES]
    assert len(FILES) >= 20
    assert classes.count("html-email") >= 3
    assert classes.count("html-page") + classes.count("link-roundup") >= 3
    assert classes.count("text-email") >= 2
    assert classes.count("non-english") >= 2
    for p in FILES:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        assert (CORPUS / data["file"]).is_file(), data["file"]
        assert data["source"]["repo"] and len(data["source"]["commit"]) == 40 and data["source"]["license"]
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for p in FILES:
        assert yaml.safe_load(p.read_text(encoding="utf-8"))["file"] in sources


@pytest.mark.parametrize("expected", FILES, ids=lambda p: p.name.removesuffix(".expected.yaml"))
def test_reads_like_an_editor(expected: Path):
    name = expected.name.removesuffix(".expected.yaml")
    reading = check(expected)
    if name in KNOWN:
        assert not reading.ok, f"{name} now reads right: remove it from KNOWN"
        pytest.xfail(KNOWN[name])
    assert reading.ok, "\n".join(reading.problems)


@pytest.mark.parametrize("expected", FILES, ids=lambda p: p.name.removesuffix(".expected.yaml"))
def test_posts_are_clean_and_complete(expected: Path):
    from crosspost.parse import parse_issue

    data = yaml.safe_load(expected.read_text(encoding="utf-8"))
    issue = parse_issue(CORPUS / data["file"])
    problems = check_posts(issue)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("expected", FILES[::4], ids=lambda p: p.name.removesuffix(".expected.yaml"))
def test_cards_render(expected: Path, tmp_path):
    from PIL import Image

    from crosspost.cards import card_specs, render_cards
    from crosspost.config import Config
    from crosspost.parse import parse_issue

    data = yaml.safe_load(expected.read_text(encoding="utf-8"))
    issue = parse_issue(CORPUS / data["file"])
    config = Config(root=tmp_path)
    specs = card_specs(issue, config, "instagram")[:2]
    render_cards(specs, config)
    for spec in specs:
        with Image.open(spec.path) as im:
            assert im.size == (1080, 1350)
        assert spec.quote and len(spec.quote.split()) <= 40  # a pull quote, not an excerpt
        assert "crosspost" not in spec.alt_text.lower()
