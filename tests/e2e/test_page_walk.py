"""Every page each kind of user can reach, walked in Chromium: each user signs in through the real
sign-in page, then follows every link of the service from the page he lands on (breadth-first, GET
only), once in Chinese (each page loaded on a 360 × 740 phone, then checked again with the window at
1280 × 800) and once in English (loaded at 1280 × 800, checked again at 360 × 740). Each page
answers 200, logs no console error and no CSP violation, is no wider than the window (a wide table
inside a ``.scroll`` box scrolls on its own), has a heading, says its language in ``<html lang>`` and
shows no raw code (an event, permission or state code where words belong; in Chinese, no English
word). Downloads (anything not HTML, by its Content-Type) are fetched once and their status checked.

The walk is generic: it knows the sign-in pages and nothing else of the service's URLs, so pages
added later are walked as soon as a link leads to them. Links of one shape (the same path with
other ids, the same query keys with other values) are followed at most ``PER_SHAPE`` times. The
language switch is not followed (it would change the language under the walk); sign-out is a form.
The users are the demo province's (``flask demo load``), which has cases in every stage."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from app.security import CSP

from .conftest import Demo, sign_in

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
PER_SHAPE = 2
"""Pages of one shape walked (two certificates, two cases…: states differ, templates do not)."""
MOST_PAGES = 90
"""A walk that finds more pages than this fails: a link multiplies pages (grouping is wrong)."""

SIGN_OUT = re.compile(r"/(?:logout|sign-?out)\b")
"""Sign-out is a POST form; a link to it would end the walk's session."""
LANGUAGE_SWITCH = "lang"
"""The language switch (``?lang=``) changes the language the walk checks: walked on its own."""

EXPECTED_STATUS: dict[str, int] = {}
"""Pages linked for a user who gets another answer than 200 on purpose, by path pattern (none)."""

RAW_CODES = [
    # an event or message code: words joined by dots (certificate.suspend.refused)
    re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*)+(?![\w/@-])"),
    # a permission code: item:stage (issue:conclude)
    re.compile(r"(?<![\w./:-])[a-z]+:[a-z]+(?![\w/:-])"),
    # a snake_case code (no_permission, full_view)
    re.compile(r"(?<![\w./-])[a-z]+_[a-z_]+(?![\w/-])"),
]
FILE_NAME = re.compile(r"\.(?:pdf|csv|json|jpg|jpeg|png|xlsx|txt|js|css|html|cn|com|org|net)$")
URL_LIKE = re.compile(r"\S*(?:://|/)\S*|\S+@\S+")
LOWER_WORD = re.compile(r"(?<![\w./@:-])[a-z]{2,}(?![\w/@:-]|\.\w)")
"""English in a Chinese page: a word in lower case (acronyms such as PDF and QR are allowed)."""


@dataclass(frozen=True)
class User:
    """A kind of user: whether he signs in (a visitor does not) and with which staff account (none
    for the holder)."""

    kind: str
    signs_in: bool = True
    account: str = ""


USERS = [
    User("visitor", signs_in=False),
    User("holder"),
    User("inspector", account="haikou_inspector"),
    User("clerk", account="haikou_approval_clerk"),
    User("reviewer", account="sanya_review"),
    User("concluder", account="sanya_conclude"),
    User("authority administrator", account="sanya_admin"),
    User("province administrator", account="province"),
]


@dataclass
class Walk:
    """One walk: its language, the size it loads pages at and the size it checks them again at,
    the pages it checked and what was wrong; ``fetched`` (downloads) is shared between walks."""

    base: str
    language: str
    sizes: tuple[dict[str, int], dict[str, int]]
    fetched: set[str]
    data: frozenset[str]
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def shape(url: str) -> tuple[str, frozenset[str]]:
    """What links of one kind share: the path with its numbers and long codes blanked, and the
    names of the query's keys."""
    parts = urlsplit(url)
    path = re.sub(r"/[^/]*\d[^/]*", "/#", parts.path)
    return path, frozenset(key for key, _ in parse_qsl(parts.query) if key != LANGUAGE_SWITCH)


def raw_codes(text: str, language: str) -> list[str]:
    """The codes (and, in Chinese, English words) in a page's visible text."""
    words = URL_LIKE.sub(" ", text)
    found = [m for pattern in RAW_CODES for m in pattern.findall(words) if not FILE_NAME.search(m)]
    if language == "zh-CN":
        found += LOWER_WORD.findall(words)
    return found


LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def open_context(
    browser: Browser, viewport: dict[str, int], language: str, state: object = None
) -> BrowserContext:
    """A browser context of the given size and language (Accept-Language), optionally signed in."""
    context = browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale=language,
        storage_state=state,  # type: ignore[arg-type]
    )
    context.add_init_script(LISTEN)
    return context


def links(page: Page, base: str) -> Iterator[str]:
    """The page's same-origin links to follow (no sign-out, no language switch), without fragments."""
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        url, _ = urldefrag(href)
        if not url.startswith(base + "/") or SIGN_OUT.search(urlsplit(url).path):
            continue
        if any(key == LANGUAGE_SWITCH for key, _ in parse_qsl(urlsplit(url).query)):
            continue
        yield url


def check_page(page: Page, walk: Walk, url: str, console: list[str], width: int) -> None:
    """Everything one rendered page must be at ``width``; what is not goes into ``walk.problems``."""
    where = f"[{walk.language} {width}] {url}"
    seen = page.evaluate(LOOK, width)
    for text in console + seen["violations"]:
        walk.problems.append(f"{where}: console or CSP: {text}")
    console.clear()
    if seen["lang"] != walk.language:
        walk.problems.append(f"{where}: <html lang={seen['lang']!r}>, expected {walk.language!r}")
    if not seen["heading"]:
        walk.problems.append(f"{where}: no <h1> with words")
    if seen["wide"] > width + 1:
        walk.problems.append(f"{where}: {seen['wide']} px wide; widest: {seen['widest']}")
    codes = sorted({code for code in raw_codes(seen["text"], walk.language) if code not in walk.data})
    if codes:
        walk.problems.append(f"{where}: raw codes or English shown: {codes}")


LOOK = """
width => {
  const root = document.documentElement;
  let text = document.body.innerText;
  // <code> holds what is meant to be read as a code (a scope, a key id): not words
  for (const code of document.querySelectorAll('code, kbd, samp')) text = text.replace(code.innerText, ' ');
  const heading = document.querySelector('h1');
  const wide = root.scrollWidth;
  const widest = wide <= width + 1 ? [] : [...document.querySelectorAll('body *')]
    // an element wider than the screen, or one whose content spills out of it
    .filter(e => e.getBoundingClientRect().right > width + 1
      || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'))
    .filter(e => !e.closest('.scroll') && getComputedStyle(e).position !== 'fixed')
    .slice(-3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' '
      + Math.round(e.getBoundingClientRect().right) + 'px');
  return {lang: root.lang, heading: !!(heading && heading.innerText.trim()), wide, widest, text,
          violations: window.__violations.splice(0)};
}
"""


def walk_from(context: BrowserContext, start: str, walk: Walk) -> None:
    """Breadth-first from ``start``: every link of the service, each shape at most ``PER_SHAPE``
    times. A download (not HTML) is fetched once and its status checked; an HTML page is loaded at
    the walk's first size and checked, then checked again at its second size (the window resized)."""
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    first, second = walk.sizes
    queue, seen, shapes = deque([start]), {start}, Counter[tuple[str, frozenset[str]]]()
    while queue:
        url = queue.popleft()
        if url in walk.fetched:
            continue
        answer = context.request.get(url)
        expected = next((s for p, s in EXPECTED_STATUS.items() if re.fullmatch(p, urlsplit(url).path)), 200)
        if answer.status != expected:
            walk.problems.append(f"[{walk.language}] {url}: status {answer.status}")
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            walk.fetched.add(url)
            continue
        page.set_viewport_size(first)  # type: ignore[arg-type]
        page.goto(url)
        walk.pages.append(page.url)
        check_page(page, walk, url, console, first["width"])
        page.set_viewport_size(second)  # type: ignore[arg-type]
        check_page(page, walk, url, console, second["width"])
        assert len(walk.pages) <= MOST_PAGES, f"more than {MOST_PAGES} pages: {walk.pages}"
        for link in links(page, walk.base):
            kind = shape(link)
            if link not in seen and shapes[kind] < PER_SHAPE:
                seen.add(link)
                shapes[kind] += 1
                queue.append(link)
    page.close()


def walk_as(browser: Browser, base: str, demo: Demo, user: User) -> list[str]:
    """``user``'s walks: in Chinese, each page loaded on the phone and checked again at the desk; in
    English, loaded at the desk and checked again on the phone. Returns what was wrong."""
    fetched: set[str] = set()
    context = open_context(browser, PHONE, "zh-CN")
    page = context.new_page()
    if user.signs_in:
        sign_in(page, base, demo, user.account)
    else:
        page.goto(base + "/")
    landing = page.url
    page.close()
    chinese = Walk(base, "zh-CN", (PHONE, DESK), fetched, demo.names)
    walk_from(context, landing, chinese)
    state = context.storage_state()
    context.close()
    context = open_context(browser, DESK, "en", state)
    context.add_cookies([{"name": LANGUAGE_SWITCH, "value": "en", "url": base}])
    english = Walk(base, "en", (DESK, PHONE), fetched, demo.names)
    walk_from(context, landing, english)
    context.close()
    assert chinese.pages and len(english.pages) == len(chinese.pages), (chinese.pages, english.pages)
    return chinese.problems + english.problems


GROUPS = {
    "visitor-holder-inspector": [u for u in USERS if u.kind in ("visitor", "holder", "inspector")],
    "clerks": [u for u in USERS if u.kind in ("clerk", "reviewer", "concluder")],
    "administrators": [u for u in USERS if u.kind.endswith("administrator")],
}
"""Users walked on one demo province (loading it costs more than a short walk)."""


@pytest.mark.parametrize("group", GROUPS)
def test_every_page_each_user_reaches(browser: Browser, live_server: str, demo: Demo, group: str) -> None:
    assert sorted(u.kind for users in GROUPS.values() for u in users) == sorted(u.kind for u in USERS)
    problems = [problem for user in GROUPS[group] for problem in walk_as(browser, live_server, demo, user)]
    assert not problems, "\n".join(problems)


BROKEN = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1> </h1><p>已拒绝：certificate.suspend.refused · no_permission，issue:conclude，状态 active</p>
<p>数据：<code>graduation:write</code>，https://rtc.example.cn/v/x，report.csv，sanya_admin</p>
<pre>%s</pre><script>console.error("broken")</script></body></html>""" % ("0123456789" * 8)


def test_the_walk_sees_what_is_wrong(browser: Browser, live_server: str) -> None:
    """A page with every fault the walk looks for (served with the app's own CSP) is reported for
    each of them; what is data (a code element, a link, a file name, a user name) is not."""
    context = open_context(browser, PHONE, "zh-CN")
    context.route(
        live_server + "/broken",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP},
            body=BROKEN,
        ),
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(live_server + "/broken")
    walk = Walk(live_server, "zh-CN", (PHONE, DESK), set(), frozenset({"sanya_admin"}))
    check_page(page, walk, "/broken", console, PHONE["width"])
    context.close()
    problems = [p.removeprefix("[zh-CN 360] /broken: ") for p in walk.problems]
    assert [p for p in problems if p.startswith("console or CSP: script-src-elem")], problems
    assert [p for p in problems if "violates the following Content Security Policy" in p], problems
    assert "<html lang='en'>, expected 'zh-CN'" in problems
    assert "no <h1> with words" in problems
    assert [p for p in problems if re.match(r"\d+ px wide; widest: \['pre ", p)], problems
    codes = ["active", "certificate.suspend.refused", "issue:conclude", "no_permission"]
    assert f"raw codes or English shown: {codes}" in problems
