"""Turns a learning goal, as a learner writes it, into the few short phrases a platform's search understands."""
from __future__ import annotations

import functools
import re

# How goals start ("get good at", "learn how to"): words about wanting to learn, not about the subject.
_INTENT = re.compile(
    r"^(?:i\s+(?:want|would like|'d like)\s+to\s+|help\s+me\s+)?"
    r"(?:get\s+(?:really\s+)?(?:good|better)\s+at|get\s+started\s+(?:with|in)|learn\s+(?:how\s+to|about|to)"
    r"|learn|understand(?:\s+how)?|master|study|improve(?:\s+(?:my|at))?|become\s+(?:an?\s+)?|start\s+with"
    r"|how\s+to|practi[cs]e|build|make|develop|write|use|run|read)\s+",
    re.IGNORECASE)
# Where the subject ends and the learner's purpose begins ("... well enough to write", "... so that I can").
_PURPOSE = re.compile(r"\s+(?:well\s+enough|so\s+(?:that|i)|in\s+order|because|without|for\s+my|to\s+(?:be|get|help|"
                      r"write|read|speak|pass|land|find|become))\b.*$", re.IGNORECASE)
_CLAUSES = re.compile(r",|;|\band\b|\bor\b", re.IGNORECASE)
_WORD = re.compile(r"[\w+#.-]+", re.UNICODE)
MAX_WORDS = 4


@functools.cache
def _stop_words() -> frozenset[str]:
    # Importing scikit-learn takes ~1 s; every `pln` command would pay it for a word list only discovery uses.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def key_phrases(goal: str, limit: int = 3) -> list[str]:
    """Up to `limit` search phrases, the goal's subject first: 'Get good at MLOps: deploying models' -> ['MLOps', ...]."""
    head, _, details = goal.partition(":")
    candidates = [*_CLAUSES.split(head), *_CLAUSES.split(details)]
    phrases: list[str] = []
    for candidate in candidates:
        phrase = _phrase(candidate)
        if phrase and phrase.lower() not in (p.lower() for p in phrases):
            phrases.append(phrase)
    return phrases[:limit]


def _phrase(text: str) -> str:
    subject = _PURPOSE.sub("", _INTENT.sub("", text.strip().strip(".!?")))
    words = [w.strip(".-") for w in _WORD.findall(subject)]
    kept = [w for w in words if w and w.lower() not in _stop_words()]
    return " ".join(kept[:MAX_WORDS])
