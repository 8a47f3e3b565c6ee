"""Server-rendered web pages: check a text, search, read and edit cases, statistics.

Jinja2 templates (autoescaped) and static CSS/JS, no build step; every page works without
JavaScript. The pages call the same service as the CLI and the REST API; nothing here holds
business logic. ``routes.router`` is included by the app factory (``disproof.api.app``).
"""
