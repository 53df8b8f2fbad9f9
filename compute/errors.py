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
