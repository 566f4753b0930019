"""The documentation site: ``mkdocs build --strict`` must pass.

The site is built from docs/ with MkDocs (mkdocs.yml at the top of the
repository), and the reference pages are generated from pgnet's docstrings
by mkdocstrings. A strict build fails on a link to a page or a heading that
does not exist, a page missing from the nav, or a reference page that
cannot be generated, so this test catches a broken docs site in CI.

mkdocs and mkdocstrings come with the ``test`` extra
(``pip install -e ".[game,test]"``); without mkdocs the test is skipped.
"""

import importlib.util
import re

import pytest

from game_support import DOCS, code_blocks

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason='mkdocs is not installed: pip install -e ".[test]" to build and check the docs site',
)

# Every page of the nav, as MkDocs writes it.
PAGES = [
    "index.html",
    "getting-started/index.html",
    "install/index.html",
    "first-networked-game/index.html",
    "events/index.html",
    "pygame/index.html",
    "two-player/index.html",
    "projects/index.html",
    "osc/index.html",
    "examples/index.html",
    "teachers-guide/index.html",
    "networkzero/index.html",
    "troubleshooting/index.html",
    "safety/index.html",
    "wire-format/index.html",
    "api/index.html",
    "how-pgnet-is-built/index.html",
    "reference/index.html",
    "reference/core/index.html",
    "reference/game/index.html",
    "reference/twoplayer/index.html",
    "reference/joystick/index.html",
    "reference/settings/index.html",
    "reference/relay/index.html",
    "reference/osc/index.html",
]

# Headings mkdocstrings makes from the docstrings: proof that the reference
# pages were really generated (one per page is enough).
GENERATED = {
    "reference/core/index.html": ["pgnet.send_message", "pgnet.advertise", "pgnet.wait_for_news"],
    "reference/game/index.html": [
        "pgnet.pygame_events.pump", "pgnet.pygame_events.watch", "pgnet.pygame_events.reply_to",
    ],
    "reference/twoplayer/index.html": [
        "pgnet.twoplayer.two_player",
        "pgnet.twoplayer.TwoPlayerGame.send_event",
        "pgnet.twoplayer.Player",
    ],
    "reference/joystick/index.html": ["pgnet.joystick"],
    "reference/settings/index.html": [
        "pgnet.settings.Settings",
        "pgnet.errors.PgnetError",
        "pgnet.addresses.is_address",
    ],
    "reference/relay/index.html": ["pgnet.relay.Relay"],
    "reference/osc/index.html": ["pgnet.osc.listen", "pgnet.osc.send_bundle", "pgnet.osc.on"],
}


def test_strict_build_makes_every_page(site):
    missing = [page for page in PAGES if not (site / page).is_file()]
    assert not missing, "pages missing from the built site: %s" % missing


def test_reference_pages_are_generated_from_docstrings(site):
    for page, identifiers in GENERATED.items():
        html = (site / page).read_text(encoding="utf-8")
        for identifier in identifiers:
            assert 'id="%s"' % identifier in html, (
                "%s has no generated entry for %s" % (page, identifier)
            )


def test_code_blocks_render_as_code(site):
    """A fenced code block that Markdown failed to see as one (for example
    inside a list item) turns into a paragraph of inline code spanning
    several lines."""
    broken = []
    for page in PAGES:
        html = (site / page).read_text(encoding="utf-8")
        for match in re.finditer(r"<p><code>([^<]*\n[^<]*)</code></p>", html):
            broken.append("%s: %s" % (page, match.group(1)[:60]))
    assert not broken, "code blocks shown as inline code:\n" + "\n".join(broken)


def test_home_page_links_to_every_page(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-md-component="content"' in html  # (the page's own text, not its menu)
    body = html.split('data-md-component="content"', 1)[-1]
    for page in PAGES[1:]:
        folder = page[: -len("index.html")]
        assert 'href="%s"' % folder in body, "the home page does not link to %s" % folder


# -- the code in the game pages ------------------------------------------------------

@pytest.mark.parametrize("doc", DOCS)
def test_doc_code_compiles(doc):
    blocks, _ = code_blocks(doc)
    assert blocks
    for block in blocks:
        compile(block, doc, "exec")
