"""The platform registry, PlatformSpec, Target and what reads specs (config tables, schedule keys,
credentials, the planners' limits). A plugin installed for real is in test_plugin.py."""

from __future__ import annotations

import types

import pluggy
import pytest

from crosspost.config import Config, load_config
from crosspost.errors import InputError
from crosspost.platforms import ANY, CAROUSEL, THREAD, Limits, PlatformSpec, Target, collect, get, registry


def _spec(name: str, plan: str = THREAD, **kw) -> PlatformSpec:
    return PlatformSpec(name=name, label=name.title(), adapter="m:A", plan=plan, limits=Limits(100, 1), **kw)


def _manager(*plugins) -> pluggy.PluginManager:
    from crosspost.platforms import hookimpl, hookspec

    class Hooks:
        @hookspec
        def register_platforms(self, register): ...

    pm = pluggy.PluginManager("crosspost")
    pm.add_hookspecs(Hooks)
    for n, specs in enumerate(plugins):

        def register_platforms(register, specs=specs):
            for spec in specs:
                register(spec)

        module = types.SimpleNamespace(register_platforms=hookimpl(register_platforms))
        pm.register(module, name=f"plugin{n}")
    return pm


def test_collect_keeps_registration_order_and_refuses_bad_registrations():
    assert list(collect(_manager([_spec("b")], [_spec("a"), _spec("c", CAROUSEL)]))) == ["b", "a", "c"]
    with pytest.raises(InputError, match="'plugin1' registered the platform name 'b', which is taken"):
        collect(_manager([_spec("b")], [_spec("b")]))
    with pytest.raises(InputError, match="platform name 'Bad Name'"):
        collect(_manager([_spec("Bad Name")]))
    with pytest.raises(InputError, match="unknown plan kind 'story'"):
        collect(_manager([_spec("s", "story")]))
    with pytest.raises(InputError, match="registered a dict"):
        collect(_manager([{"name": "d"}]))


def test_registry_and_get():
    assert list(registry())[:3] == ["x", "instagram", "outbox"]
    assert get("x").plan == THREAD and get("instagram").plan == CAROUSEL and get("outbox").plan == ANY
    with pytest.raises(InputError, match=r"unknown platform 'myspace' \(known: x, instagram, outbox"):
        get("myspace")


def test_target_parse_and_its_stored_form():
    assert Target.parse("x") == Target("x", "x") and str(Target.parse("x")) == "x"
    assert Target.parse("Outbox:Instagram") == Target("outbox", "instagram")
    assert str(Target("outbox", "instagram")) == "outbox:instagram"
    with pytest.raises(InputError, match="publishes only its own plans"):
        Target.parse("x:instagram")
    with pytest.raises(InputError, match="has no plan of its own"):
        Target.parse("outbox:outbox")
    with pytest.raises(InputError, match="unknown platform"):
        Target.parse("nope:x")


def test_target_of_a_command_kind():
    assert Target.of_kind(None, THREAD) == Target("x", "x")
    assert Target.of_kind(None, CAROUSEL) == Target("instagram", "instagram")
    assert Target.of_kind("outbox", THREAD) == Target("outbox", "x")
    assert Target.of_kind("outbox", CAROUSEL) == Target("outbox", "instagram")
    with pytest.raises(InputError, match="Instagram does not take a thread plan"):
        Target.of_kind("instagram", THREAD)
    with pytest.raises(InputError, match="X does not take a carousel plan"):
        Target.of_kind("outbox:x", CAROUSEL)


def test_platform_tables_and_schedule_keys_come_from_the_specs(tmp_path):
    (tmp_path / "crosspost.toml").write_text(
        '[x]\nlimit = 500\n[instagram]\ncover = true\n[outbox]\npath = "box"\n'
        '[schedule]\nx_at = "08:15"\ninstagram_spread = "12h"\n'
    )
    cfg = load_config(tmp_path)
    assert cfg.settings("x").limit == 500 and cfg.x.mode == "summary"  # the rest stays at its default
    assert cfg.instagram.cover is True and cfg.outbox.path == "box"
    assert cfg.schedule.at("x") == "08:15" and cfg.schedule.x_at == "08:15"
    assert cfg.schedule.at("instagram") == "12:00"  # the spec's default
    assert cfg.schedule.spread("instagram") == "12h"
    assert Config().schedule.targets() == ["x", "instagram"]  # the platforms scheduled by default


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        ("[myspace]\nlimit = 500\n", "unknown key 'myspace'"),
        ('[schedule]\nmyspace_at = "09:00"\n', "unknown key 'schedule.myspace_at'"),
        ('[schedule]\nx_spread = "1d"\n', "unknown key 'schedule.x_spread'"),  # a thread does not drip
        ("[schedule]\nx_at = 9\n", "'schedule.x_at' must be str, got int"),
        ('[x]\nmode = "all"\n', "'x.mode' must be summary or full, got 'all'"),
        ("[x]\nlimit = 10\n", "'x.limit' must be at least 40, got 10"),
        ("[x]\nlimits = 10\n", "unknown key 'x.limits'"),
        ("x = 3\n", "'x' must be a table"),
    ],
)
def test_bad_platform_tables_are_input_errors(tmp_path, toml, error):
    (tmp_path / "crosspost.toml").write_text(toml)
    with pytest.raises(InputError, match=error):
        load_config(tmp_path)


def test_credentials_come_from_the_specs(monkeypatch):
    from crosspost import credentials

    assert set(credentials.env_vars()) == {"x", "instagram", "bluesky", "mastodon"}  # the outbox needs none
    assert credentials.missing("instagram", {"username": "u", "password": "p"}) == []  # the TOTP seed is optional
    assert credentials.missing("instagram", {"username": "u"}) == ["CROSSPOST_INSTAGRAM_PASSWORD"]
    assert credentials.missing("outbox", {}) == []
    monkeypatch.setenv("CROSSPOST_INSTAGRAM_USERNAME", "some.handle")
    monkeypatch.setenv("CROSSPOST_INSTAGRAM_PASSWORD", "hunter2-pass")
    assert "hunter2-pass" in credentials.secret_values() and "some.handle" not in credentials.secret_values()
    monkeypatch.setenv("CROSSPOST_MASTODON_URL", "https://social.example")
    monkeypatch.setenv("CROSSPOST_MASTODON_TOKEN", "masto-token-value")
    assert "masto-token-value" in credentials.secret_values()
    assert "https://social.example" not in credentials.secret_values()  # the instance is public


def test_the_carousel_planner_checks_the_platform_limits():
    from crosspost.model import Media, Plan, Post
    from crosspost.plan.carousel import validate

    spec = _spec("tiny", CAROUSEL, length=lambda t: 2 * len(t))
    spec = PlatformSpec(**{**spec.__dict__, "limits": Limits(max_chars=10, max_media=2, max_hashtags=1)})
    ok = Plan("tiny", "i", [Post("abcde", [Media("a.png", "alt")])])
    validate(ok, spec)
    with pytest.raises(InputError, match="Tiny post 1: caption is 12 characters, the limit is 10"):
        validate(Plan("tiny", "i", [Post("abcdef", [Media("a.png", "alt")])]), spec)  # its length, doubled
    with pytest.raises(InputError, match="2 hashtags, the limit is 1"):
        validate(Plan("tiny", "i", [Post("#a #b", [Media("a.png", "alt")])]), spec)
    with pytest.raises(InputError, match="holds 2 to 2 images, got 3"):
        validate(Plan("tiny", "i", [Post("a", [Media("a.png", "alt")] * 3)]), spec)


def test_a_plan_goes_only_to_its_platform_or_a_sink(project):
    from crosspost import pipeline

    config = load_config(project)
    prepared = pipeline.plan("issue-34", config, "x")
    with pytest.raises(InputError, match=r"a x plan cannot be published to 'instagram' \(use --to x or --to outbox\)"):
        pipeline.target(prepared, config, "instagram")
    assert type(pipeline.target(prepared, config, "outbox")).__name__ == "Adapter"


def test_image_type_reads_the_first_bytes_and_names_a_file_that_is_neither(tmp_path):
    from crosspost.platforms.base import image_type

    png, jpeg, text = tmp_path / "a.jpg", tmp_path / "b.png", tmp_path / "c.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)  # the name says JPEG: the bytes decide
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 8)
    text.write_text("not an image")
    assert (image_type(png, "X"), image_type(jpeg, "X")) == ("image/png", "image/jpeg")
    with pytest.raises(InputError, match="Mastodon takes PNG or JPEG images here") as caught:
        image_type(text, "Mastodon")
    assert caught.value.path == text
