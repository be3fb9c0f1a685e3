"""The problems every layer raises: a key and values, put into words only when shown.

A low layer (the store, a file's checks, the hub) knows *what* went wrong, not who will
read it nor in which language: the person may switch the page to Spanish between the
moment a file is refused and the moment the refusal is shown, and the exchange service
answers in no one's language at all (a key and values, which the app says). So a `Problem`
carries `key`, naming a sentence in data/text, and `values` for its {placeholders};
`str(problem)` (or `problem.words(lang)`) says it in the language in use *then*, numbers
written that language's way (`messages.words`).

The key is the sentence's dotted path in the text file its class names (`text_file`):

- `InvalidEntry`, `WorkbookError`: data/text/messages.toml ("too_long", "store.busy",
  "exchange.no_folder", "export.not_saved");
- `ShareError`, `NeedsPassphrase`, `WrongPassphrase`: data/text/share.toml ("file.not_ours",
  "sealed.wrong_passphrase");
- `CryptoError` (workbook/hub/keys.py; its key is "errors.<reason>") and `HubError`
  (workbook/hub/wire.py): data/text/hub.toml ("errors.tampered", "client.key_mismatch", and
  the service's own keys as "service.used"). A HubError is said in the language of the page
  that asked, wherever it is shown: the answer belongs to that request;
- `CliError`: data/text/cli.toml.

A value is shown as it is; a number the language's way; anything that says itself (another
Problem, `Words`) in the same language. A Problem made from a finished sentence (a page
that holds its words already) shows that sentence: whatever isn't key-shaped (lower-case
words joined by "_" and ".") is one. tests/test_errors.py checks that every key raised in
workbook/ has words in English and in every other language.

Imports: `messages` (and through it `content`, `formats`); none of them imports this
module (tests/test_imports.py).
"""

from __future__ import annotations

from . import messages


def is_key(value: object) -> bool:
    """Key-shaped: lower-case ASCII words (letters, digits, "_"; a letter first) joined by "."."""
    return isinstance(value, str) and all(
        part[:1].isalpha() and part.isascii() and part == part.lower() and part.replace("_", "").isalnum()
        for part in value.split(".")
    )


class Words:
    """Words not said yet: the sentence (or word) `key` of data/text/<text_file>.toml and the
    values for its {placeholders}, said in the language in use when shown. For a value of a
    Problem that is itself words (a field's name, "entry 12 in this file")."""

    __slots__ = ("key", "text_file", "values")

    def __init__(self, text_file: str, key: str, /, **values):
        self.text_file, self.key, self.values = text_file, key, values

    def words(self, lang: str | None = None) -> str:
        found = messages.words(self.text_file, self.key, self.values, lang)
        return self.key if found is None else found

    def __str__(self) -> str:
        return self.words()

    def __repr__(self) -> str:
        return f"Words({self.text_file!r}, {self.key!r}, **{self.values!r})"


class Problem(Exception):
    """Something that went wrong, said to the person in their language when shown: `key`
    names the sentence in data/text/<text_file>.toml, `values` fill it in.

    ``Problem("store.busy")``, ``InvalidEntry("too_long", field=..., length=9, most=8)``.
    `said`: the words to show when the text files have none for `key` (a newer service's
    key, say); a first argument that isn't key-shaped is such words (and `key` is None)."""

    text_file = "messages"

    def __init__(self, key: object, /, *, said: str | None = None, **values):
        super().__init__(key)
        if is_key(key):
            self.key: str | None = key
            self.said = said
        else:
            self.key, self.said = None, key if said is None else said
        self.values = values

    def words(self, lang: str | None = None) -> str:
        """The problem put into words, in `lang` (by default the language in use now)."""
        if self.key is not None:
            found = messages.words(self.text_file, self.key, self.values, lang)
            if found is not None:
                return found
        if self.said is not None:
            return messages.shown(self.said, lang)
        return self.key or ""

    def __str__(self) -> str:
        return self.words()

    @property
    def args(self) -> tuple:
        """(the problem in words,), as for an exception made from a sentence (pickling still
        keeps the key: it reads the exception's own arguments, not this)."""
        return (self.words(),)

    @args.setter
    def args(self, value) -> None:
        BaseException.args.__set__(self, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key or self.said!r}, **{self.values!r})"


class InvalidEntry(Problem, ValueError):
    """A value that cannot be saved; said for the person, not a developer."""


class WorkbookError(Problem):
    """A workbook that cannot be opened, found or written; said for the person."""


class CliError(Problem):
    """A problem to report in one plain sentence, without a traceback (data/text/cli.toml)."""

    text_file = "cli"


class ShareError(InvalidEntry):
    """A share, start or notes file that cannot be used (data/text/share.toml: "file.damaged").

    (An InvalidEntry, so pages and the command line show it as a calm message.)"""

    text_file = "share"


class NeedsPassphrase(ShareError):
    """The file is protected and no passphrase was given."""


class WrongPassphrase(ShareError):
    """The passphrase given does not open the protected file."""
