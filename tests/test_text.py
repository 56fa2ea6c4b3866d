from bot.text import MESSAGE_LIMIT, check_html, escape, split_message


def test_short_text_is_one_piece() -> None:
    assert split_message("halo") == ["halo"]


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Paragraf {i}: " + "kata " * 300 for i in range(12)]
    text = "\n\n".join(paragraphs)
    pieces = split_message(text)
    assert len(pieces) > 1
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    assert all(piece.startswith("Paragraf") for piece in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_an_unbroken_run_is_cut_without_breaking_an_entity() -> None:
    text = "a" * 4094 + "&amp;" + "b" * 10
    pieces = split_message(text)
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    assert "".join(pieces) == text
    assert all(check_html(piece)[0] is None for piece in pieces)


def test_escape_makes_user_text_safe_for_html_mode() -> None:
    assert check_html(escape("<script>alert('x')</script> & co"))[0] is None
    assert check_html("<script>x</script>")[0] is not None
    assert check_html("fish & chips")[0] is not None
