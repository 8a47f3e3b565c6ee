"""The REST API (``/api/v1``) over :class:`disproof.service.Disproof`.

The app factory is :func:`disproof.api.app.create_app`; importing this package loads no web
framework (the command line imports :mod:`disproof.api.serve` and must start fast).
"""
