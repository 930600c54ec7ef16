from pathlib import Path

import pytest

from crosspost.config import load_config
from crosspost.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "crosspost.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_without_a_file(tmp_path):
    cfg = load_config(tmp_path)
    assert cfg.path is None
    assert cfg.x.limit == 280 and cfg.x.mode == "summary" and cfg.x.numbering is True
    assert cfg.resolve(cfg.ledger.path) == tmp_path / ".crosspost" / "ledger.db"


def test_values_are_read(tmp_path):
    cfg = load_config(
        write(
            tmp_path,
            """
[theme]
brand = "East West Hurricane"
mode = "dark"
[x]
limit = 25000
numbering = false
[instagram]
hashtags = ["asia", "tech"]
[ledger]
path = "state/ledger.db"
[outbox]
path = "preview"
""",
        )
    )
    assert cfg.resolve(cfg.ledger.path) == tmp_path / "state" / "ledger.db"
    assert cfg.outbox.path == "preview"
    assert cfg.theme.brand == "East West Hurricane"
    assert cfg.theme.mode == "dark"
    assert cfg.x.limit == 25000 and cfg.x.numbering is False
    assert cfg.instagram.hashtags == ["asia", "tech"]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[theme]\ncolour = 'red'\n", "unknown key 'theme.colour'"),
        ("[x]\nlimit = 'long'\n", "'x.limit' must be int"),
        ("[x]\nlimit = true\n", "'x.limit' must be int"),
        ("[x]\nmode = 'everything'\n", "'x.mode' must be summary or full"),
        ("[x]\nlimit = 10\n", "at least 40"),
        ("[theme\n", "invalid TOML"),
        ("x = 1\n", "'x' must be a table"),
        ("root = '/'\n", "unknown key 'root'"),
        ("[x]\napi_secret = 'abc'\n", "looks like a secret"),
        ("[theme]\naccent = 'orange'\n", "'theme.accent' must be a colour"),
        ("[theme]\nlogo = 'missing.png'\n", "'theme.logo': no such file"),
        ("[theme]\nquote_font = 'fonts/none.ttf'\n", "'theme.quote_font': no such file"),
        ("[instagram]\nhashtags = [1, 2]\n", "'instagram.hashtags' must be list"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path, text, fragment):
    with pytest.raises(InputError) as err:
        load_config(write(tmp_path, text))
    message = str(err.value)
    assert message.startswith(str(tmp_path / "crosspost.toml"))
    assert fragment in message
    assert "\n" not in message
    assert err.value.exit_code == 2


def test_secret_value_never_echoed(tmp_path):
    with pytest.raises(InputError) as err:
        load_config(write(tmp_path, "[x]\naccess_token = 'SEKRIT-123'\n"))
    assert "SEKRIT-123" not in str(err.value)


def test_non_utf8_config(tmp_path):
    (tmp_path / "crosspost.toml").write_bytes(b"[theme]\nbrand = '\xff\xfe'\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_config(tmp_path)
