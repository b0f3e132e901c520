"""Grouping similar opinions so that thousands become a reviewable list.

Segmentation: rjieba, the Python binding of jieba-rs (maintained, Rust, several times faster than the
pure-Python jieba, whose last release is years old; same dictionary and the same cut results for our
texts). Words and character bigrams are both weighted by TF-IDF (scikit-learn): words carry meaning,
bigrams catch the variants the dictionary cuts differently (排长队 / 排队). Stop words — the openers and
closers every opinion has (希望、反映、尽快解决) — are dropped so that they do not pull opinions together.

Clustering, in two passes, O(n · neighbours) rather than O(n²) memory:
1. Leaders (Taylor–Butina): cosine neighbours above LEADER_SIMILARITY are found chunk by chunk with a
   sparse product; the opinion with the most neighbours leads a group of its unassigned neighbours;
   repeat. No chaining: every member is close to its leader.
2. The groups' centroids are merged by average-linkage agglomerative clustering (cosine distance below
   MERGE_DISTANCE), which joins the pieces of one concern that pass 1 split between leaders.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import rjieba
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

LEADER_SIMILARITY = 0.45
MERGE_DISTANCE = 0.7
CHUNK = 1000
MAX_MERGE_GROUPS = 4000  # above this the second pass merges only the largest groups' centroids

STOP_WORDS = set(
    "的 了 是 在 和 也 都 就 还 要 很 太 有 没有 我 我们 你 他 她 它 这 那 一下 一个 一些 能 会 被 把 给 让 等 与 及 或 "
    "希望 建议 反映 请 请求 要求 强烈 强烈要求 一下 普遍反映 尽快 解决 问题 群众 普遍 意见 很大 领导 关注 重视 有关 部门 改进 能 早日 盼 "
    "已经 多次 过 想 一直 比较 非常 真的 现在 目前 可以 应该 需要 情况 方面 工作".split()
)
PUNCT_RE = re.compile(r"^[\s\W_]+$", re.UNICODE)
CHAR_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return [w for w in rjieba.cut(text) if w not in STOP_WORDS and not PUNCT_RE.match(w)]


def _chars(text: str) -> str:
    return CHAR_RE.sub("", text)


@dataclass
class Group:
    members: list[int]  # indices into the input texts
    representative: int
    key_terms: list[str] = field(default_factory=list)


def _features(texts: list[str]):
    tokens = [tokenize(t) for t in texts]
    words = TfidfVectorizer(analyzer=lambda toks: toks, min_df=1, sublinear_tf=True)
    W = words.fit_transform(tokens)
    chars = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 2), preprocessor=_chars, min_df=2, max_df=0.05, sublinear_tf=True
    )
    try:
        C = chars.fit_transform(texts)
    except ValueError:  # too few texts for min_df: words alone
        C = sparse.csr_matrix((len(texts), 0))
    X = normalize(sparse.hstack([W, 0.7 * C]).tocsr().astype(np.float32))
    return X, W.tocsr(), np.array(words.get_feature_names_out(), dtype=object)


def _leaders(X) -> list[list[int]]:
    n = X.shape[0]
    neighbours: list[np.ndarray] = []
    XT = X.T.tocsc()
    for start in range(0, n, CHUNK):
        S = (X[start : start + CHUNK] @ XT).tocsr()
        S.data[S.data < LEADER_SIMILARITY] = 0
        S.eliminate_zeros()
        for r in range(S.shape[0]):
            neighbours.append(S.indices[S.indptr[r] : S.indptr[r + 1]])
    sizes = np.array([len(nb) for nb in neighbours])
    order = np.lexsort((np.arange(n), -sizes))  # most neighbours first, ties by position
    assigned = np.full(n, -1)
    groups: list[list[int]] = []
    for i in order:
        if assigned[i] >= 0:
            continue
        nb = neighbours[i]
        members = nb[assigned[nb] < 0]
        assigned[members] = len(groups)
        assigned[i] = len(groups)
        groups.append(sorted({int(j) for j in members} | {int(i)}))
    return groups


def _merge(X, groups: list[list[int]]) -> list[list[int]]:
    if len(groups) < 2:
        return groups
    from sklearn.cluster import AgglomerativeClustering

    groups = sorted(groups, key=len, reverse=True)
    head, tail = groups[:MAX_MERGE_GROUPS], groups[MAX_MERGE_GROUPS:]
    cent = np.vstack([np.asarray(X[g].mean(axis=0)).ravel() for g in head])
    cent = normalize(cent)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=MERGE_DISTANCE
    ).fit_predict(cent)
    merged: dict[int, list[int]] = {}
    for g, lab in zip(head, labels, strict=True):
        merged.setdefault(int(lab), []).extend(g)
    return [sorted(m) for m in merged.values()] + tail


def group_texts(texts: list[str], key_terms: int = 5) -> list[Group]:
    """Groups of similar texts, largest first; every text in exactly one group."""
    if not texts:
        return []
    if len(texts) == 1:
        return [Group([0], 0, tokenize(texts[0])[:key_terms])]
    X, W, vocab = _features(texts)
    groups = _merge(X, _leaders(X))
    out = []
    for members in groups:
        sub = X[members]
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        rep = members[int(np.argmax(sub @ centroid))]
        weights = np.asarray(W[members].sum(axis=0)).ravel()
        top = np.argsort(-weights)[:key_terms]
        out.append(Group(members, rep, [str(vocab[t]) for t in top if weights[t] > 0]))
    out.sort(key=lambda g: (-len(g.members), g.representative))
    return out


def purity(groups: list[Group], labels: list[str]) -> float:
    """Share of texts whose group's most common label is their own."""
    hits = sum(Counter(labels[i] for i in g.members).most_common(1)[0][1] for g in groups)
    return hits / len(labels)


def inverse_purity(groups: list[Group], labels: list[str]) -> float:
    """Share of texts that sit in the group holding most of their label: 1.0 means no concern is split."""
    by_label: dict[str, Counter] = {}
    for gi, g in enumerate(groups):
        for i in g.members:
            by_label.setdefault(labels[i], Counter())[gi] += 1
    return sum(c.most_common(1)[0][1] for c in by_label.values()) / len(labels)
