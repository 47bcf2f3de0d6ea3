"""The link the why-attention segment asks about: a word of the intro sentence and the word it
refers to (`video.intro_link: [it, animal]`), also the opening question the real-model segment
answers.

With `video.intro_link` the user names the pair, in any language. Without it a small English
rule guesses (`guess_pair`): the last pronoun of PRONOUNS with a word before it, and the first
word after a determiner before it ("The animal ... it" gives "animal"); without a pronoun, the
last and the first word of the sentence.
"""

from __future__ import annotations

from typing import Optional, Sequence

from attention_explainer.errors import did_you_mean

PRONOUNS = ("it", "its", "they", "them", "their", "he", "him", "his", "she", "her")
DETERMINERS = ("the", "a", "an", "this", "that", "these", "those", "my", "your", "our")
MAX_KNOWN_SHOWN = 12  # words listed in an error when no close match exists


def is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def _find(tokens: Sequence[str], word: str) -> list[int]:
    """Positions of `word` among the tokens: exact matches, else case-insensitive ones."""
    exact = [i for i, t in enumerate(tokens) if t == word]
    return exact or [i for i, t in enumerate(tokens) if t.casefold() == word.casefold()]


def link_problem(tokens: Sequence[str], link: Optional[Sequence[str]]) -> Optional[str]:
    """Why `link` names no pair of the intro sentence's tokens (one line, no field name), or None."""
    if link is None:
        return None
    if len(link) != 2 or not all(isinstance(w, str) and w.strip() for w in link):
        return f"must be two words of the intro sentence, [word, word it refers to], got {list(link)!r}"
    known = list(dict.fromkeys(t for t in tokens if is_word(t))) or list(dict.fromkeys(tokens))
    for word in link:
        if not _find(tokens, word):
            hint = did_you_mean(word, known)
            if hint.startswith("; known:") and len(known) > MAX_KNOWN_SHOWN:
                hint = f"; its words are: {', '.join(known[:MAX_KNOWN_SHOWN])}, ..."
            return f"'{word}' is not a word of video.intro_sentence{hint}"
    q, k = _find(tokens, link[0]), _find(tokens, link[1])
    if set(q) == set(k) and len(q) == 1:
        return f"names '{link[0]}' twice; give the word and another word it refers to"
    return None


def intro_pair(tokens: Sequence[str], link: Optional[Sequence[str]] = None) -> tuple[int, int, bool]:
    """(query, key, linked): the token that asks, the token it should reach, and whether it
    refers to it (a named link or a guessed pronoun) rather than merely relating to it.

    A named word that occurs more than once: the query is its last occurrence, the key the
    occurrence of the other word nearest before it (else the first after it).
    """
    if link is not None:
        problem = link_problem(tokens, link)
        if problem:
            raise ValueError(problem)
        qs, ks = _find(tokens, link[0]), _find(tokens, link[1])
        q = qs[-1]
        before = [k for k in ks if k < q]
        k = before[-1] if before else next(k for k in ks if k != q)
        return q, k, True
    return guess_pair(tokens)


def guess_pair(tokens: Sequence[str]) -> tuple[int, int, bool]:
    """The English rule of the module docstring: (query, key, is_pronoun); one token: (0, 0)."""
    n = len(tokens)
    low = [t.lower() for t in tokens]
    words = [i for i, t in enumerate(tokens) if is_word(t)]
    for q in range(n - 1, 0, -1):
        if low[q] in PRONOUNS and any(i < q for i in words):
            for i in range(1, q):
                if low[i - 1] in DETERMINERS and is_word(tokens[i]) and low[i] not in DETERMINERS + PRONOUNS:
                    return q, i, True
            for i in words:
                if i < q and low[i] not in DETERMINERS + PRONOUNS:
                    return q, i, True
            return q, 0, True
    if n <= 1:
        return 0, 0, False
    first = words[0] if words else 0
    last = words[-1] if words else n - 1
    if first == last:
        first, last = 0, n - 1
    return last, first, False
