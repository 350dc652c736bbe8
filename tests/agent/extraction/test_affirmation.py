import pytest

from agent.extraction.rules.affirmation import affirmation


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes please.", "sure, send it to leo@quillpad.app", "ok 👍", "Sounds good!", "yep", "Absolutely!",
     "sí", "Sí, claro", "si, por favor", "claro que sí", "dale", "sim", "Sim, pode mandar", "pode ser", "👍",
     "ja, gerne"],
)
def test_yes(text: str) -> None:
    assert affirmation(text) is True


@pytest.mark.parametrize(
    "text",
    ["no", "No.", "no thanks", "No, gracias", "nope", "nah I'm good", "não", "Não, obrigado", "I'd rather not share "
     "my email yet", "not now", "nein"],
)
def test_no(text: str) -> None:
    assert affirmation(text) is False


@pytest.mark.parametrize(
    "text",
    ["no rush", "no email pls, just whatsapp me here", "No problem", "si quieres te mando el correo",
     "how much is it?", "maybe", "okra is great", "yesterday it broke", "nosotros somos 40"],
)
def test_neither(text: str) -> None:
    assert affirmation(text) is None
