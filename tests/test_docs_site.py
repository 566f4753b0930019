"""The docs site as a reader sees it, offline: nothing on a page is loaded
from the internet (a classroom may have none), and every page opens in a
real browser with no failed request and with its code in colour.

The built site (the ``site`` fixture, conftest.py) is served from
127.0.0.1, as ``python -m mkdocs serve`` or ``python -m http.server -d
site`` serves it on a teacher's computer, and opened in headless Chromium
(Debian's ``chromium``, installed by .ci/run; the browser test is skipped
where there is none).
"""

import functools
import http.server
import importlib.util
import os
import re
import sys
import threading

import pytest

from browser import Browser, chromium
from test_docs import PAGES

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason='mkdocs is not installed: pip install -e ".[test]" to build and check the docs site',
)

# Things a page loads: <script src>, <img src>, <link href> (not <a href>:
# a link the reader may follow is fine), url(...) and @import in CSS.
HTML_LOADS = re.compile(r"<(?:script|img|link|iframe|source|audio|video)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")
CSS_LOADS = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")
EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)

# The absolute URLs in Material's scripts, and why none is fetched on this
# site. A new one fails the test until it is checked and listed here.
SCRIPT_URLS_NEVER_FETCHED = {
    "https://api.github.com/repos/": "only with repo_url set (mkdocs.yml has none)",
    "https://api.github.com/users/": "only with repo_url set",
    "https://unpkg.com/mermaid": "only on a page with a Mermaid diagram (there are none)",
    "https://unpkg.com/resize-observer-polyfill": "only in browsers older than 2020",
    "https://clipboardjs.com/": "a licence comment",
    "http://lunrjs.com": "a licence comment",
    "http://tartarus.org/": "a comment (the stemmer's author)",
    "https://bit.ly/2s3ChXG": "a comment",
}


def site_files(site, ending):
    for folder, _, files in os.walk(str(site)):
        for name in files:
            if name.endswith(ending):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as file:
                    yield os.path.relpath(path, str(site)), file.read()


def test_pages_and_stylesheets_load_nothing_from_the_internet(site):
    external = []
    for path, html in site_files(site, ".html"):
        external += ["%s: %s" % (path, url) for url in HTML_LOADS.findall(html) if EXTERNAL.match(url)]
        if "fonts.googleapis.com" in html or "fonts.gstatic.com" in html:
            external.append("%s: Google Fonts" % path)
    for path, css in site_files(site, ".css"):
        for match in CSS_LOADS.findall(css):
            url = match[0] or match[1]
            if EXTERNAL.match(url.strip()):
                external.append("%s: %s" % (path, url))
    assert not external, "loaded from the internet:\n" + "\n".join(external)


def test_scripts_fetch_nothing_from_the_internet(site):
    unknown = set()
    for path, script in site_files(site, ".js"):
        # URLs in strings (a URL in a comment, such as a licence's, is never fetched).
        for url in re.findall(r"[\"'`](https?://[\w./-]+)", script):
            if not any(url.startswith(known) for known in SCRIPT_URLS_NEVER_FETCHED):
                if not url.startswith("http://www.w3.org/"):  # XML namespaces, never fetched
                    unknown.add("%s: %s" % (path, url))
    assert not unknown, "URLs in the site's scripts (check, then list them):\n" + "\n".join(sorted(unknown))


@pytest.fixture(scope="module")
def served(site):
    """The built site on http://127.0.0.1:PORT/, until the tests end."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# Run in each page once it has loaded: how many blocks of Python code it
# has, how many went through Pygments (their words are marked up by kind),
# and how many show some (a keyword, a string...) in another colour than
# the plain code around it. (A block of plain names, such as a signature,
# can be all one colour.)
HIGHLIGHTED = """
(() => {
  const blocks = [...document.querySelectorAll('.md-content .language-python.highlight code')];
  const marked = blocks.filter(code => code.querySelector('span[class]'));
  const coloured = blocks.filter(code => {
    const plain = getComputedStyle(code).color;
    return [...code.querySelectorAll('span[class]')].some(
      span => getComputedStyle(span).color !== plain);
  });
  return {blocks: blocks.length, marked: marked.length, coloured: coloured.length};
})()
"""


def test_every_page_has_copy_buttons_tabs_and_light_and_dark(site):
    for page in PAGES:
        html = (site / page).read_text(encoding="utf-8")
        assert '"content.code.copy"' in html, page  # Material adds a copy button to each block
        assert 'data-md-color-scheme="slate"' in html, page  # the dark scheme, one click away
    tabs = (site / "getting-started" / "index.html").read_text(encoding="utf-8")
    assert 'class="tabbed-set tabbed-alternate"' in tabs
    for system in ("Windows", "macOS", "Linux"):
        assert ">%s</label>" % system in tabs, system


def test_every_page_opens_offline_with_no_failed_request_and_coloured_code(served):
    if chromium() is None or os.name == "nt":
        # CI on Linux installs it (.ci/run), so there it must be found.
        assert not (os.environ.get("CI") == "true" and sys.platform.startswith("linux")), \
            "no Chromium: .ci/run installs Debian's chromium"
        pytest.skip("no Chromium here (Debian: apt-get install chromium)")
    problems = []
    pages_with_code = 0
    with Browser() as browser:
        for page in PAGES:
            visit = browser.open(served + page, HIGHLIGHTED)
            outside = [url for url in visit.requests
                       if not url.startswith(served) and not url.startswith("data:")]
            if outside:
                problems.append("%s asked for %s" % (page, outside))
            if visit.failed:
                problems.append("%s: failed requests %s" % (page, visit.failed))
            result = visit.result or {}
            if result.get("blocks"):
                pages_with_code += 1
                if result["marked"] != result["blocks"] or not result["coloured"]:
                    problems.append("%s: code not in colour (%s)" % (page, result))
    assert not problems, "\n".join(problems)
    assert pages_with_code >= len(PAGES) // 2  # (the check above really looked at code)
