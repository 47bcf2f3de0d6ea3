"""Errors the user can fix, and how they are shown: one line each."""

from __future__ import annotations

import difflib
import unicodedata


class UserError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits 2."""


class ConfigError(UserError):
    """The config file cannot be read or is invalid.

    `lines` holds one message per problem (the CLI prints each as its own `error:` line);
    str() is those lines joined by newlines, so a single problem reads as before."""

    def __init__(self, message: str = "", lines: "list[str] | None" = None) -> None:
        self.lines = list(lines) if lines else [message]
        super().__init__("\n".join(self.lines))


# Characters shown escaped in messages: controls (a newline would break the one-line promise, an
# ESC could drive the terminal), lone surrogates (cannot be printed), line/paragraph separators and
# invisible format characters such as bidi overrides (except the joiners emoji and scripts need).
_UNPRINTABLE = {"Cc", "Cs", "Zl", "Zp", "Cf"}
_JOINERS = {"\u200c", "\u200d"}


def one_line(text: str) -> str:
    """`text` with every unprintable character escaped (\\n, \\x1b, \\u202e): one safe line."""
    return "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE and ch not in _JOINERS else ch
        for ch in text
    )




def closest(word: str, known: list[str]) -> list[str]:
    """The known name closest to word, ignoring case (`w_q` -> `W_Q`), as a list of 0 or 1."""
    by_lower = {k.lower(): k for k in known}
    return [by_lower[m] for m in difflib.get_close_matches(word.lower(), list(by_lower), n=1)]


def did_you_mean(word: str, known: list[str]) -> str:
    """"; did you mean 'x'?" for the closest known name, else "; known: a, b, c"."""
    hint = closest(word, known)
    return f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
