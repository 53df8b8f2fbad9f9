"""The one exception a user can cause: bad input, with an actionable message."""


class LandscapeError(ValueError):
    """Invalid user input (unknown scenario, impossible parameter, corrupt file).

    Raised anywhere in ``compute``; caught once at the edge (CLI: one stderr line and exit 2;
    GUI: a message box or status line). The message must say what to change.
    """


def short(value: object, limit: int = 40) -> str:
    """``repr`` of user input cut to ``limit`` characters, for messages that echo it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class UserCodeError(LandscapeError):
    """The user's own code (a model file, its factory, its loss) failed.

    The message is one line naming what failed; ``details`` is the user's traceback (their
    code, so the window shows it one click away and the CLI prints it with ``--verbose``).
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def user_code_error(what: str, exc: BaseException) -> UserCodeError:
    """A ``UserCodeError`` for ``exc`` raised by the user's code while doing ``what``: the
    message is ``what: ExcType: first line``; the full traceback goes into ``details``."""
    import traceback

    first = (str(exc).strip().splitlines() or [""])[0]
    text = f"{what}: {type(exc).__name__}" + (f": {first}" if first else "")
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return UserCodeError(text, details)
