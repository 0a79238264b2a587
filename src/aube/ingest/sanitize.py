"""Untrusted HTML from feeds and pages → HTML safe to render, or plain text.

``clean_html`` keeps what article text needs (paragraphs, headings, emphasis, lists, quotes,
code, tables, links, http(s) images) and drops everything that can run or restyle: scripts,
styles, frames, forms, SVG/MathML, event handlers, ``style``/``class``/``id`` attributes, and
every URL that is not http(s) (or mailto: for links). Relative URLs are made absolute
against ``base_url``; links get ``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import nh3

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn",
        "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
        "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}
# Dropped together with everything inside them: their content is code or chrome, not text.
DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "template", "svg", "math", "form", "select", "textarea", "button",
        "canvas", "audio", "video", "head", "title", "meta", "link", "base", "nav",
    }
)  # fmt: skip
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = frozenset({"http", "https"})


def clean_html(html: str, base_url: str | None = None) -> str:
    """Sanitized HTML of an untrusted fragment; relative URLs resolved against ``base_url``."""
    if not html or not html.strip():
        return ""

    def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        return _safe_url(value, base_url, _IMAGE_SCHEMES if tag == "img" else _LINK_SCHEMES)

    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=filter_attribute,
        url_schemes=set(_LINK_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def _safe_url(value: str, base_url: str | None, schemes: frozenset[str]) -> str | None:
    # Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"),
    # so they are removed before the scheme is judged.
    url = re.sub(r"[\x00-\x20\x7f]+", "", value)
    if not url:
        return None
    if base_url:
        url = urljoin(base_url, url)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in schemes else None


_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tr", "ul",
    }
)  # fmt: skip
_INVISIBLE = ("script", "style", "noscript", "template", "head", "title", "svg", "math")
_PARAGRAPH, _LINE = "\u2029", "\u2028"  # markers kept apart from ordinary whitespace
_SPACES = re.compile(r"[^\S\u2028\u2029]+")
_BREAKS = re.compile(r" *([\u2028\u2029][\u2028\u2029 ]*)")
_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: entities decoded, whitespace collapsed, block
    elements separated by a blank line, ``<br>`` by a line break."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html:
        return _normalize(html)
    root = lxml.etree.fromstring(html.encode("utf-8", "replace"), _PARSER)
    if root is None:
        return ""
    lxml.etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    parts: list[str] = []
    # iterwalk, not recursion: feeds carry absurdly nested markup.
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                parts.append(_PARAGRAPH)
            elif tag == "br":
                parts.append(_LINE)
            elif tag in ("td", "th"):
                parts.append(" ")
            if element.text and tag:
                parts.append(element.text)
        else:
            if tag in _BLOCKS:
                parts.append(_PARAGRAPH)
            if element.tail:
                parts.append(element.tail)
    return _normalize("".join(parts))


def _normalize(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _BREAKS.sub(lambda m: "\n\n" if _PARAGRAPH in m.group(1) else "\n", text)
    lines = (line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
