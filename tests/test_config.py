import pytest

from bot.config import ConfigError, from_mapping


def test_defaults_without_any_variable() -> None:
    settings = from_mapping({})
    assert settings.token is None
    assert settings.api_url == "https://api.telegram.org"
    assert settings.database_path == "data/teman_umkm.db"
    assert settings.default_locale == "id"
    assert settings.staff_ids == frozenset()
    assert settings.webhook_url is None
    assert settings.choice_timeout_minutes == 10
    assert settings.semantic_search is False


def test_values_are_parsed() -> None:
    settings = from_mapping(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:9000/",
            "STAFF_IDS": " 1, 22 ,333",
            "DEFAULT_LOCALE": "EN",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.api_url == "http://127.0.0.1:9000"
    assert settings.staff_ids == {1, 22, 333}
    assert settings.default_locale == "en"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "12,abc"),
        ("DEFAULT_LOCALE", "fr"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("PORT", "99999"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("BROADCAST_RATE", "fast"),
        ("CHOICE_TIMEOUT_MINUTES", "0"),
        ("SEMANTIC_SEARCH", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        from_mapping({name: value})
    assert str(error.value).startswith(name)
    assert "\n" not in str(error.value)


def test_repr_never_shows_the_token() -> None:
    settings = from_mapping({"TELEGRAM_BOT_TOKEN": "123:supersecret"})
    assert "supersecret" not in repr(settings)
