import logging

from bot.logs import TokenRedactingFilter

TOKEN = "1234567890:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


def test_token_in_a_request_url_is_redacted(caplog) -> None:
    logger = logging.getLogger("httpx")
    caplog.handler.addFilter(TokenRedactingFilter(TOKEN))
    with caplog.at_level(logging.INFO):
        logger.info('HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "200"', TOKEN)
        try:
            raise ValueError(f"boom at https://api.telegram.org/bot{TOKEN}/sendMessage")
        except ValueError:
            logger.exception("failed")
    assert TOKEN not in caplog.text
    assert "/bot<token>/getUpdates" in caplog.text


def test_token_shaped_text_is_redacted_even_when_unknown() -> None:
    assert TOKEN not in TokenRedactingFilter(None).redact(f"url /bot{TOKEN}/getMe")
