"""Sources → items: the safe fetcher, feed parsing, article extraction, sanitizing and OPML.

Modules, by the step they own:

- ``netguard``  which addresses may be fetched (SSRF guard), checked at connect time
- ``http``      ``Fetcher``: timeouts, size limits, redirects, retries, conditional GET
- ``feeds``     RSS, Atom and JSON Feed bodies → ``ParsedFeed``
- ``articles``  an article page → its main text (trafilatura)
- ``sanitize``  untrusted HTML → safe HTML, or plain text
- ``urls``      canonical URLs (tracking parameters dropped) for de-duplication
- ``language``  language of a text (py3langid)
- ``opml``      subscription lists in and out; ``default_feeds.opml`` ships with Aube
"""
