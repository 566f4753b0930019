"""The chat example's font shows accents and other scripts as letters,
where pygame's own font shows boxes."""

import os

import pytest

from support import ROOT

pygame = pytest.importorskip("pygame")

CHAT_FONT = os.path.join(ROOT, "games", "chat", "fonts", "wqy_microhei.ttf")
MISSING = "\ue000"  # a private-use character no font has: drawn as the "missing" box


def drawn(font, text):
    surface = font.render(text, True, (255, 255, 255))
    return pygame.image.tostring(surface, "RGBA"), surface.get_size()


@pytest.mark.parametrize("text", ["é", "ñ", "Ж", "α", "中", "文", "あ", "한"])
def test_the_chat_font_has_the_letter(text):
    pygame.font.init()
    chat = pygame.font.Font(CHAT_FONT, 22)
    assert drawn(chat, text) != drawn(chat, MISSING), text


def test_pygames_own_font_shows_chinese_as_a_box():
    # Why the chat ships a font: with pygame's own, Chinese is a box.
    pygame.font.init()
    default = pygame.font.Font(None, 22)
    assert drawn(default, "中") == drawn(default, MISSING)
