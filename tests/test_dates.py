"""One date reader (parse/dates.iso_date) for front matter, HTML and e-mail."""

from __future__ import annotations

import datetime as dt

import pytest

from crosspost.parse.dates import iso_date


@pytest.mark.parametrize(
    "value",
    [
        "2024-08-19",
        " 2024-08-19 ",
        "2024-08-19T09:00:00Z",
        "2024-08-19T23:30:00.929-04:00",
        "2024-08-19 14:54Z",
        "2024-08-19 09:00:00 -0500",
        "2024-08-19 09:00",
        "2024/08/19",
        "2024.8.19",
        "August 19, 2024",
        "Aug 19, 2024",
        "19 August 2024",
        "19 Aug 2024",
        "Mon, 19 Aug 2024 09:00:00 GMT",
        "19 Aug 2024 23:59:59 -1100",
        dt.date(2024, 8, 19),
        dt.datetime(2024, 8, 19, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_forms_read_as_the_date_written(value):
    assert iso_date(value) == "2024-08-19"  # a datetime's own date, never moved to UTC


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "next week",
        "2020-13-45",
        "2024/02/30",
        "2024-08-19 garbage",
        "2024-08-19T09:00 soon",
        "Aug 2024",
        20240819,
        True,
        ["2024-08-19"],
    ],
)
def test_anything_else_is_none(value):
    assert iso_date(value) is None


def test_front_matter_still_refuses_a_date_it_cannot_read(tmp_path):
    from crosspost.errors import InputError
    from crosspost.parse import parse_issue

    md = tmp_path / "t.md"
    md.write_text("---\ndate: 2024/02/30\n---\n## A\n\nx.\n", encoding="utf-8")
    with pytest.raises(InputError, match="'date' must be a date"):
        parse_issue(md)
    md.write_text("---\npublish_date: 2024/02/30\n---\n## A\n\nx.\n", encoding="utf-8")  # another dialect's key
    assert parse_issue(md).date is None


def test_html_and_mail_dates(tmp_path):
    from crosspost.parse import parse_issue

    page = tmp_path / "p.html"
    page.write_text(
        '<html><head><title>T</title><meta property="article:published_time" content="junk"></head>'
        '<body><article><p><time datetime="Aug 19, 2024">then</time></p><h2>A</h2><p>Text.</p>'
        "</article></body></html>",
        encoding="utf-8",
    )
    assert parse_issue(page).date == "2024-08-19"
    mail = tmp_path / "m.eml"
    mail.write_text(
        "From: a@example.org\nSubject: S\nDate: Mon, 19 Aug 2024 23:30:00 -0500\nMIME-Version: 1.0\n"
        "Content-Type: text/plain\n\nA\n\nText a.\n",
        encoding="utf-8",
    )
    assert parse_issue(mail).date == "2024-08-19"
    mail.write_text(mail.read_text().replace("Mon, 19 Aug 2024 23:30:00 -0500", "soon"), encoding="utf-8")
    assert parse_issue(mail).date is None
