"""The one exception type a user sees: a one-line message, never a traceback."""


class StanceError(Exception):
    """A problem with the user's input, files or configuration.

    The message is complete on its own: it names the file, the line where there is one,
    and what is wrong.
    """


def located(path, line: int | None, problem: str) -> StanceError:
    """An error for `problem` found at `path` (and `line`, when known)."""
    where = f"{path}:{line}" if line is not None else f"{path}"
    return StanceError(f"{where}: {problem}")
