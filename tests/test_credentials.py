import os
import stat

import pytest

from crosspost import credentials
from crosspost.errors import InputError


def test_env_wins_and_missing_names_variables(monkeypatch):
    monkeypatch.setenv("CROSSPOST_X_API_KEY", "k-env")
    found = credentials.load_credentials("x")
    assert found == {"api_key": "k-env"}
    assert credentials.missing("x", found) == [
        "CROSSPOST_X_API_SECRET",
        "CROSSPOST_X_ACCESS_TOKEN",
        "CROSSPOST_X_ACCESS_SECRET",
    ]


def test_saved_file_is_0600_and_read_back(monkeypatch):
    path = credentials.save_credentials("instagram", {"username": "ewh", "password": 'p"a\\ss'})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials.load_credentials("instagram") == {"username": "ewh", "password": 'p"a\\ss'}
    assert credentials.missing("instagram", credentials.load_credentials("instagram")) == []
    # merging keeps the other platform's values
    credentials.save_credentials("x", {"api_key": "k"})
    assert credentials.load_credentials("instagram")["username"] == "ewh"


def test_group_readable_secrets_file_is_refused():
    path = credentials.save_credentials("x", {"api_key": "VERY-SECRET-KEY"})
    os.chmod(path, 0o644)
    with pytest.raises(InputError) as err:
        credentials.load_credentials("x")
    assert "chmod 600" in str(err.value) and str(path) in str(err.value)
    assert "VERY-SECRET-KEY" not in str(err.value)


def test_broken_secrets_file_does_not_quote_it():
    path = credentials.secrets_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'[x]\napi_key = "TOPSECRET-unterminated\n')
    os.close(fd)
    with pytest.raises(InputError) as err:
        credentials.load_credentials("x")
    assert "TOPSECRET" not in str(err.value)
