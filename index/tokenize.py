"""Chinese tokenization: jieba search mode with the 人社 user dictionary, plus a whoosh Analyzer."""
from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import Iterator

import jieba
from whoosh.analysis import Token, Tokenizer

import config

jieba.setLogLevel(60)

# Function words and fillers that carry no topical meaning in policy text or queries.
STOPWORDS = frozenset(
    "的 了 和 与 及 等 在 对 是 将 把 为 以 从 由 中 其 并 或 之 而 也 都 就 要 着 上 下 个 各 "
    "有 被 让 给 向 于 这 那 该 此 每 所 如 何 吗 呢 啊 吧 么 什么 怎么 怎样 如何 哪些 "
    "我 你 他 她 它 们 我们 你们 他们 自己 一些 可以 能 会 问题 方面 进行 相关 有关 "
    "以后 之后 之间 一张 一个 各种 "
    "多少 哪里 哪儿 哪个 为什么 怎么办 怎么样 能不能 可不可以 是不是 是否 有没有 每个".split())

_WORD = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_jieba: jieba.Tokenizer | None = None


def normalize(text: str) -> str:
    """NFKC-normalise and lower-case text (full-width → half-width, ligatures, ...)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _tokenizer(userdict: Path | None = None) -> jieba.Tokenizer:
    global _jieba
    with _lock:
        if _jieba is None:
            tok = jieba.Tokenizer()
            tok.initialize()
            path = Path(userdict or config.USERDICT_PATH)
            if path.exists():
                tok.load_userdict(str(path))
            _jieba = tok
        return _jieba


def _keep(word: str) -> bool:
    word = word.strip()
    return bool(word) and word not in STOPWORDS and bool(_WORD.search(word)) and word != "_"


def tokens_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) for every word of the normalised text and every dictionary word inside it.

    Like jieba's search mode, but sub-words of any length are emitted (search mode stops at
    3 characters, so 根治欠薪 would vanish inside the dictionary word 根治欠薪工作).
    """
    tok = _tokenizer()
    freq = tok.FREQ
    for word, start, end in tok.tokenize(normalize(text), mode="default", HMM=False):
        n = len(word)
        if n > 2:
            for size in range(2, n):
                for i in range(n - size + 1):
                    sub = word[i:i + size]
                    if freq.get(sub) and _keep(sub):
                        yield sub, start + i, start + i + size
        if _keep(word):
            yield word, start, end


def word_boundaries(text: str) -> set[int]:
    """Offsets in the normalised text where jieba's segmentation starts or ends a word
    (stopwords and punctuation included)."""
    out = {0}
    for _, start, end in _tokenizer().tokenize(normalize(text), mode="default", HMM=False):
        out.update((start, end))
    return out


def tokenize(text: str) -> list[str]:
    """Search-mode terms of a text (normalised, stopwords and punctuation dropped)."""
    return [w for w, _, _ in tokens_with_offsets(text)]


class JiebaTokenizer(Tokenizer):
    """whoosh Tokenizer yielding jieba search-mode tokens."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(tokens_with_offsets(value)):
            t.text = word
            t.boost = 1.0
            if keeporiginal:
                t.original = word
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


def analyzer():
    """The whoosh Analyzer used for every text field of the keyword index."""
    return JiebaTokenizer()
