"""Domain errors. Each carries a message a user can act on; adapters map them once (CLI: exit 1)."""

from __future__ import annotations

from dataclasses import dataclass


class DisproofError(Exception):
    """Base of every error disproof reports to users rather than crashing on."""


class ConfigError(DisproofError):
    """Settings that cannot work (a database URL that cannot be opened, an unsafe option)."""


class StoreError(DisproofError):
    """The database cannot be opened, migrated or written."""


class CaseNotFound(DisproofError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case with id {case_id!r}")
        self.case_id = case_id


class NotFound(DisproofError):
    """No such thing (a watched source, a sighting) besides cases (HTTP 404, CLI exit 1)."""


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one record of an input file."""

    row: int  # 1-based line of the file where the record starts (the CSV header is line 1)
    field: str | None
    reason: str

    def describe(self, file: str) -> str:
        where = f"{file}, line {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"


class ImportFailed(DisproofError):
    """A file cannot be imported as a whole; nothing from it was written."""

    def __init__(self, file: str, message: str, problems: list[RowProblem] | None = None) -> None:
        self.file = file
        self.problems = problems or []
        lines = [f"{file}: {message}"]
        shown = self.problems[:20]
        lines += ["  " + p.describe(file) for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  … and {len(self.problems) - len(shown)} more problems")
        super().__init__("\n".join(lines))


class UnknownFormat(DisproofError):
    """The format of an input file cannot be detected or is not supported."""


class InvalidInput(DisproofError):
    """A request the use case cannot carry out as given (adapters: HTTP 422, CLI exit 1).

    ``errors`` optionally lists pydantic-style problems (``loc``, ``msg``, ``type``).
    """

    def __init__(self, message: str, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ConflictError(DisproofError):
    """The write would clash with what is stored (an existing case id, a token name in use)."""


class VersionConflict(ConflictError):
    """A write that names the version it was based on (``If-Match``, the editor's hidden field)
    while the case has changed since (HTTP 412): nothing was written."""

    def __init__(self, case_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"case {case_id!r} is at version {current}, not {expected}: it was changed since "
            "you read it, and nothing was written. Read it again and redo your change."
        )
        self.case_id = case_id
        self.expected = expected
        self.current = current


class AuthError(DisproofError):
    """Base of the authentication and authorisation errors."""


class NotAuthenticated(AuthError):
    """No credentials, or credentials that are unknown, revoked or expired (HTTP 401)."""

    def __init__(self, message: str = "a valid API token is needed") -> None:
        super().__init__(message)


class PermissionDenied(AuthError):
    """Valid credentials whose role is too low for the operation (HTTP 403)."""


class TooManyRequests(DisproofError):
    """A client spent its budget for expensive requests (HTTP 429 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many expensive requests (match, report, check, trends) from this client; "
            f"try again in {retry_after} seconds"
        )
        self.retry_after = retry_after


class Overloaded(DisproofError):
    """Too many expensive requests wait for a turn already (HTTP 503 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"the server is busy with other expensive requests; try again in {retry_after} seconds"
        )
        self.retry_after = retry_after
