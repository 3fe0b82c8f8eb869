"""Text features: Extract N-Gram Features from Text, Feature Hashing, Convert Word to Vector
and Latent Dirichlet Allocation.

Tokens are words of ``Minimum word length`` to ``Maximum word length`` word characters, as
scikit-learn's ``CountVectorizer`` finds them, so the counts agree with scikit-learn's
vectorizers on the same settings.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Enum, Float, Int, String, is_binding
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from .common import CATEGORY, EXTRA, as_text, example_corpus, text_column

WEIGHTINGS = ("Binary Weight", "TF Weight", "IDF Weight", "TF-IDF Weight")
VOCABULARY_MODES = ("Create", "ReadOnly")
#: columns of the result vocabulary
VOCABULARY_COLUMNS = ("Id", "NGram", "DF", "IDF")


def token_pattern(min_len: int, max_len: int) -> str:
    return rf"(?u)\b\w{{{min_len},{max_len}}}\b"


def _dataset(ctx, inputs, key="dataset", label="Dataset") -> pd.DataFrame:
    df = inputs.get(key)
    if not isinstance(df, pd.DataFrame):
        raise ctx.error(f"connect a dataset to the '{label}' input.")
    return df


def append_columns(df: pd.DataFrame, drop, new: pd.DataFrame) -> pd.DataFrame:
    """``df`` without ``drop``, with ``new``'s columns appended (replacing same-named ones)."""
    base = df.drop(columns=[c for c in drop if c in df.columns])
    base = base.drop(columns=[c for c in new.columns if c in base.columns])
    new.index = df.index
    return pd.concat([base, new], axis=1)


def _with_columns(df: pd.DataFrame, drop, new: pd.DataFrame) -> pd.DataFrame:
    """``df`` without ``drop``, with ``new``'s columns appended; roles kept."""
    out = append_columns(df, drop, new)
    set_roles(out, get_roles(df), replace=True)
    return out


# =========================================================================================
# Extract N-Gram Features from Text
# =========================================================================================
def feature_column(column: str, ngram: str) -> str:
    return f"{column}.[{ngram.replace(' ', '_')}]"


class NGramTransformation(Transformation):
    """A vocabulary of n-grams with their IDF, turning a text column into n-gram features."""

    source = "Extract N-Gram Features from Text"

    def __init__(self, column: str, ngrams: list, idf: list, *, n: int, weighting: str,
                 min_word_length: int, max_word_length: int, normalize: bool):
        self.column = column
        self.ngrams = [str(g) for g in ngrams]
        self.idf = [float(v) for v in idf]
        self.n = int(n)
        self.weighting = weighting
        self.min_word_length = int(min_word_length)
        self.max_word_length = int(max_word_length)
        self.normalize = bool(normalize)

    def counts(self, texts):
        from sklearn.feature_extraction.text import CountVectorizer

        if not self.ngrams:
            from scipy import sparse
            return sparse.csr_matrix((len(texts), 0))
        vec = CountVectorizer(vocabulary={g: i for i, g in enumerate(self.ngrams)},
                              ngram_range=(1, self.n),
                              token_pattern=token_pattern(self.min_word_length, self.max_word_length))
        return vec.transform(texts)

    def features(self, texts) -> np.ndarray:
        x = self.counts(texts).toarray().astype(np.float64)
        idf = np.asarray(self.idf, dtype=np.float64)
        if self.weighting == "Binary Weight":
            x = (x > 0).astype(np.float64)
        elif self.weighting == "IDF Weight":
            x = (x > 0) * idf
        elif self.weighting == "TF-IDF Weight":
            x = x * idf
        if self.normalize and x.shape[1]:
            norm = np.sqrt((x ** 2).sum(axis=1, keepdims=True))
            x = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
        return x

    def names(self) -> list[str]:
        return [feature_column(self.column, g) for g in self.ngrams]

    def transform(self, df):
        if self.column not in df.columns:
            from jupyter_designer.engine.errors import ComponentError
            raise ComponentError(f"{self.source}: the dataset has no column {self.column!r}, the "
                                 "text column the vocabulary was built from. Add it.")
        x = self.features(as_text(df[self.column]))
        return _with_columns(df, [self.column], pd.DataFrame(x, columns=self.names()))

    def output_schema(self, schema):
        if self.column not in schema:
            return None
        base = schema.drop([self.column])
        return base.add(*Schema.of([(n, "double") for n in self.names()]).columns)

    def vocabulary(self, df_counts=None) -> pd.DataFrame:
        out = pd.DataFrame({"Id": np.arange(len(self.ngrams), dtype=np.int64),
                            "NGram": pd.Series(self.ngrams, dtype="str"),
                            "DF": np.asarray(df_counts if df_counts is not None else
                                             np.zeros(len(self.ngrams)), dtype=np.int64),
                            "IDF": np.asarray(self.idf, dtype=np.float64)})
        return out

    def describe(self) -> dict:
        return {**super().describe(), "column": self.column, "n": self.n,
                "weighting": self.weighting, "vocabulary_size": len(self.ngrams)}


_NGRAM_TEXT = Columns("text_column", "Text column", single=True, port="dataset",
                      description="The column of text to extract n-grams from")
NGRAM_PARAMS = [
    _NGRAM_TEXT,
    Enum("vocabulary_mode", "Vocabulary mode", default="Create", choices=VOCABULARY_MODES,
         description="Create a vocabulary from this text, or use the 'Input vocabulary' as it is"),
    Int("n_grams_size", "N-Grams size", default=1, min=1, max=10,
        description="The longest n-gram to extract (1: words only, 2: words and word pairs, ...)"),
    Enum("weighting_function", "Weighting function", default="TF-IDF Weight", choices=WEIGHTINGS,
         description="Binary: presence; TF: count; IDF: log(documents / document frequency) "
                     "when present; TF-IDF: count x IDF"),
    Int("minimum_word_length", "Minimum word length", default=3, min=1),
    Int("maximum_word_length", "Maximum word length", default=25, min=2),
    Float("minimum_n_gram_document_absolute_frequency",
          "Minimum n-gram document absolute frequency", default=5.0, min=1.0,
          visible_if={"vocabulary_mode": "Create"},
          description="Keep n-grams found in at least this many rows"),
    Float("maximum_n_gram_document_ratio", "Maximum n-gram document ratio", default=1.0,
          min=0.0, max=1.0, min_exclusive=True, visible_if={"vocabulary_mode": "Create"},
          description="Drop n-grams found in more than this share of the rows"),
    Int("maximum_vocabulary_size", "Maximum vocabulary size", default=None, required=False, min=1,
        visible_if={"vocabulary_mode": "Create"},
        description="Keep at most this many n-grams, the most frequent (empty: no limit)"),
    Bool("normalize_n_gram_feature_vectors", "Normalize n-gram feature vectors", default=True,
         description="Scale each row's n-gram features to unit (L2) length"),
]


def _vocabulary_input(ctx, vocab) -> tuple[list, list]:
    if not isinstance(vocab, pd.DataFrame):
        raise ctx.error("the 'ReadOnly' vocabulary mode uses the 'Input vocabulary' input: connect "
                        "the 'Result vocabulary' of an Extract N-Gram Features from Text run.")
    missing = [c for c in ("NGram", "IDF") if c not in vocab.columns]
    if missing:
        raise ctx.error(f"the 'Input vocabulary' has no column {', '.join(map(repr, missing))}; "
                        "connect the 'Result vocabulary' of Extract N-Gram Features from Text.")
    return as_text(vocab["NGram"]), vocab["IDF"].astype(float).tolist()


@component(
    "Extract N-Gram Features from Text", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset"),
            Port("input_vocabulary", DATASET, "Input vocabulary", optional=True,
                 description="A result vocabulary to reuse (ReadOnly vocabulary mode)")],
    outputs=[Port("results_dataset", DATASET, "Results dataset"),
             Port("result_vocabulary", DATASET, "Result vocabulary"),
             Port("transformation", TRANSFORMATION, "N-gram transformation")],
    params=NGRAM_PARAMS, transformation_output="transformation",
)
def extract_n_gram_features_from_text(ctx, inputs, params):
    """Turns a text column into n-gram features weighted by Binary, TF, IDF or TF-IDF, and
    outputs the vocabulary so other data (and inference) is featurized the same way."""
    from sklearn.feature_extraction.text import CountVectorizer

    df = _dataset(ctx, inputs)
    col = text_column(ctx, ctx.spec.param("text_column"), params["text_column"], df)
    lo, hi = params["minimum_word_length"], params["maximum_word_length"]
    if hi < lo:
        raise ctx.error(f"the 'Maximum word length' ({hi}) is below the 'Minimum word length' "
                        f"({lo}); raise it.")
    texts = as_text(df[col])
    settings = dict(n=params["n_grams_size"], weighting=params["weighting_function"],
                    min_word_length=lo, max_word_length=hi,
                    normalize=params["normalize_n_gram_feature_vectors"])
    if params["vocabulary_mode"] == "ReadOnly":
        ngrams, idf = _vocabulary_input(ctx, inputs.get("input_vocabulary"))
        tr = NGramTransformation(col, ngrams, idf, **settings)
        counts = tr.counts(texts)
        df_counts = np.asarray((counts > 0).sum(axis=0)).ravel()
        vocab = inputs["input_vocabulary"].copy()
    else:
        vec = CountVectorizer(ngram_range=(1, settings["n"]), token_pattern=token_pattern(lo, hi),
                              min_df=int(np.ceil(params["minimum_n_gram_document_absolute_frequency"])),
                              max_df=float(params["maximum_n_gram_document_ratio"]),
                              max_features=params["maximum_vocabulary_size"], lowercase=True)
        try:
            counts = vec.fit_transform(texts)
        except ValueError as exc:  # nothing survives the frequency limits
            raise ctx.error(f"no n-gram is left in {col!r} ({exc}). Lower the 'Minimum n-gram "
                            "document absolute frequency' or 'Minimum word length', or raise the "
                            "'Maximum n-gram document ratio'.") from None
        ngrams = list(vec.get_feature_names_out())
        df_counts = np.asarray((counts > 0).sum(axis=0)).ravel()
        idf = np.log(len(texts) / df_counts)
        tr = NGramTransformation(col, ngrams, idf, **settings)
        vocab = tr.vocabulary(df_counts)
    out = tr.transform(df)
    ctx.log("Extracted %d n-gram features from %r (%s, %d rows)", len(tr.ngrams), col,
            params["weighting_function"], len(df))
    return {"results_dataset": out, "result_vocabulary": vocab, "transformation": tr}


# =========================================================================================
# Feature Hashing
# =========================================================================================
HASH_PARAMS = [
    Columns("target_columns", "Target column(s)", port="dataset",
            description="The text columns to hash"),
    Int("hashing_bitsize", "Hashing bitsize", default=10, min=1, max=20,
        description="2^bitsize hashing features a column"),
    Int("n_grams", "N-grams", default=2, min=1, max=10,
        description="The longest n-gram hashed (1: words only)"),
]


def hashing_column(column: str, i: int) -> str:
    return f"{column}_HashingFeature.{i}"


def _hash_schema(inputs, params):
    schema = inputs.get("dataset")
    cols, bits = params.get("target_columns"), params.get("hashing_bitsize")
    if schema is None or cols is None or bits is None or is_binding(cols) or is_binding(bits):
        return {"transformed_dataset": None}
    names = HASH_PARAMS[0].resolve(cols, schema, "Feature Hashing")
    new = [(hashing_column(c, i), "double") for c in names for i in range(2 ** bits)]
    return {"transformed_dataset": schema.add(*Schema.of(new).columns)}


@component(
    "Feature Hashing", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("transformed_dataset", DATASET, "Transformed dataset")],
    params=HASH_PARAMS, schema=_hash_schema,
)
def feature_hashing(ctx, inputs, params):
    """Hashes the words and n-grams of text columns into a fixed number of count features
    (no vocabulary to store: new text is hashed the same way)."""
    df = _dataset(ctx, inputs)
    names = ctx.spec.param("target_columns").resolve(params["target_columns"],
                                                     Schema.from_frame(df), ctx.component)
    if not names:
        raise ctx.error("the 'Target column(s)' parameter selects no column; select text columns.")
    out = _with_columns(df, [], hashing_features(df, names, params["hashing_bitsize"],
                                                 params["n_grams"]))
    ctx.log("Hashed %d column(s) into %d features each", len(names), 2 ** params["hashing_bitsize"])
    return {"transformed_dataset": out}


def hashing_features(df: pd.DataFrame, names, bitsize: int, n_grams: int) -> pd.DataFrame:
    """The hashing features of the text columns ``names``: 2^bitsize counts a column."""
    from sklearn.feature_extraction.text import HashingVectorizer

    size = 2 ** bitsize
    parts = []
    for c in names:
        vec = HashingVectorizer(n_features=size, ngram_range=(1, n_grams),
                                alternate_sign=False, norm=None)
        x = vec.transform(as_text(df[c])).toarray()
        parts.append(pd.DataFrame(x, columns=[hashing_column(c, i) for i in range(size)]))
    return pd.concat(parts, axis=1)


# =========================================================================================
# Convert Word to Vector
# =========================================================================================
STRATEGIES = ("Gensim Word2Vec", "Gensim FastText", "Pretrained embedding file")


def _stable_hash(text: str) -> int:
    """A hash that is the same in every process (gensim's default, ``hash``, is not)."""
    return zlib.crc32(str(text).encode("utf8"))


_TRAINED = {"word2vec_strategy": ["Gensim Word2Vec", "Gensim FastText"]}
W2V_PARAMS = [
    Columns("target_column", "Target column", single=True, port="dataset",
            description="The column of text; its whitespace-separated words are embedded"),
    Enum("word2vec_strategy", "Word2Vec strategy", default="Gensim Word2Vec", choices=STRATEGIES,
         description="Train Word2Vec or FastText on the text, or load a pretrained embedding"),
    Enum("word2vec_training_algorithm", "Word2Vec Training Algorithm", default="Skip_gram",
         choices=("Skip_gram", "CBOW"), visible_if=_TRAINED),
    Int("length_of_word_embedding", "Length of word embedding", default=100, min=1, max=1000,
        visible_if=_TRAINED),
    Int("context_window_size", "Context window size", default=5, min=1, max=100, visible_if=_TRAINED),
    Int("number_of_epochs", "Number of epochs", default=5, min=1, max=1000, visible_if=_TRAINED),
    Int("maximum_vocabulary_size", "Maximum vocabulary size", default=10000, min=1,
        description="Keep at most this many of the most frequent words"),
    Int("minimum_word_count", "Minimum word count", default=5, min=1, visible_if=_TRAINED,
        description="Ignore words seen fewer times"),
    String("pretrained_embedding_file", "Pretrained embedding file", default="",
           visible_if={"word2vec_strategy": "Pretrained embedding file"},
           description="A local file in word2vec text format (or binary format, ending in .bin), "
                       "for example GloVe vectors converted to word2vec format"),
]


def embedding_column(i: int) -> str:
    return f"Embedding Dim{i}"


def _load_pretrained(ctx, path: str, limit: int):
    from pathlib import Path

    from gensim.models import KeyedVectors

    if not path or not path.strip():
        raise ctx.error("the 'Pretrained embedding file' parameter is empty; give the path of a "
                        "word2vec-format file.")
    p = Path(path).expanduser()
    if not p.is_file():
        raise ctx.error(f"the pretrained embedding file {str(p)!r} does not exist. Give the path "
                        "of a local word2vec-format file (text, or binary ending in .bin).")
    try:
        return KeyedVectors.load_word2vec_format(str(p), binary=p.suffix == ".bin", limit=limit)
    except Exception as exc:
        raise ctx.error(f"{str(p)!r} is not a word2vec-format embedding ({exc}). Give a file in "
                        "word2vec text format, or binary format with a .bin name.") from None


@component(
    "Convert Word to Vector", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("vocabulary_with_embeddings", DATASET, "Vocabulary with embeddings")],
    params=W2V_PARAMS, requires=("gensim",), install_extra=EXTRA,
)
def convert_word_to_vector(ctx, inputs, params):
    """Learns a vector for every word of a text column (Word2Vec or FastText) or looks the
    words up in a pretrained embedding; outputs the vocabulary with its embeddings."""
    df = _dataset(ctx, inputs)
    col = text_column(ctx, ctx.spec.param("target_column"), params["target_column"], df)
    sentences = [t.split() for t in as_text(df[col])]
    strategy = params["word2vec_strategy"]
    limit = params["maximum_vocabulary_size"]
    if strategy == "Pretrained embedding file":
        kv = _load_pretrained(ctx, params["pretrained_embedding_file"], None)
        words, vectors = pretrained_vectors(kv, sentences, limit)
    else:
        try:
            words, vectors = trained_vectors(sentences, params, ctx.seed or 1)
        except RuntimeError as exc:  # "you must first build vocabulary before training"
            raise ctx.error(f"no word of {col!r} is seen 'Minimum word count' "
                            f"({params['minimum_word_count']}) times ({exc}); lower it.") from None
    out = embeddings_table(words, vectors)
    ctx.log("Embedded %d words of %r with %s (%d dimensions)", len(words), col, strategy,
            vectors.shape[1])
    return {"vocabulary_with_embeddings": out}


def pretrained_vectors(kv, sentences, limit: int):
    """The words of ``sentences`` the embedding ``kv`` knows (the ``limit`` most frequent,
    ties by word) and their vectors."""
    seen: dict[str, int] = {}
    for s in sentences:
        for w in s:
            if w in kv.key_to_index:
                seen[w] = seen.get(w, 0) + 1
    words = sorted(seen, key=lambda w: (-seen[w], w))[:limit]
    return words, np.asarray([kv[w] for w in words]).reshape(len(words), kv.vector_size)


def trained_vectors(sentences, params: dict, seed: int):
    """Word2Vec or FastText (the 'Word2Vec strategy') trained on ``sentences``: the
    vocabulary and its vectors."""
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if params["word2vec_strategy"] == "Gensim Word2Vec" else FastText
    model = cls(sentences=sentences, vector_size=params["length_of_word_embedding"],
                window=params["context_window_size"], epochs=params["number_of_epochs"],
                min_count=params["minimum_word_count"], max_final_vocab=params["maximum_vocabulary_size"],
                sg=1 if params["word2vec_training_algorithm"] == "Skip_gram" else 0,
                workers=1, seed=seed, hashfxn=_stable_hash)
    words = list(model.wv.index_to_key)
    return words, model.wv.vectors[: len(words)]


def embeddings_table(words, vectors) -> pd.DataFrame:
    """Convert Word to Vector's output: the vocabulary and one column per dimension."""
    out = pd.DataFrame(np.asarray(vectors, dtype=np.float64),
                       columns=[embedding_column(i) for i in range(vectors.shape[1])])
    out.insert(0, "Vocabulary", pd.Series(words, dtype="str"))
    return out


# =========================================================================================
# Latent Dirichlet Allocation
# =========================================================================================
_ADVANCED = {"show_all_options": True}
LDA_PARAMS = [
    Columns("target_column_s", "Target column(s)", port="dataset",
            description="The text columns to model"),
    Int("number_of_topics_to_model", "Number of topics to model", default=5, min=1, max=1000),
    Int("n_grams", "N-grams", default=2, min=1, max=10, description="The longest n-gram counted"),
    Bool("normalize", "Normalize", default=True,
         description="Output probabilities: topic shares of each row, word shares of each topic"),
    Bool("show_all_options", "Show all options", default=False),
    Float("rho_parameter", "Rho parameter", default=0.01, min=0.0, min_exclusive=True,
          visible_if=_ADVANCED, description="The prior of the topic-word distributions"),
    Float("alpha_parameter", "Alpha parameter", default=0.01, min=0.0, min_exclusive=True,
          visible_if=_ADVANCED, description="The prior of the document-topic distributions"),
    Int("estimated_number_of_documents", "Estimated number of documents", default=1000, min=1,
        visible_if=_ADVANCED),
    Int("size_of_the_batch", "Size of the batch", default=32, min=1, visible_if=_ADVANCED),
    Float("initial_value_of_iteration_used_in_learning_rate_update_schedule",
          "Initial value of iteration used in learning rate update schedule", default=10.0,
          min=1.0, visible_if=_ADVANCED,
          description="Down-weights the first iterations of online learning (tau0)"),
    Float("power_applied_to_the_iteration_during_updates",
          "Power applied to the iteration during updates", default=0.7, min=0.5, max=1.0,
          visible_if=_ADVANCED, description="The learning-rate decay (kappa)"),
    Int("number_of_training_iterations", "Number of training iterations", default=25, min=1,
        visible_if=_ADVANCED),
    Int("maximum_size_of_ngram_dictionary", "Maximum size of ngram dictionary", default=20000,
        min=1, visible_if=_ADVANCED),
]


def topic_column(i: int) -> str:
    return f"Topic {i + 1}"


class LDATransformation(Transformation):
    """A fitted LDA model: the topic shares of new text."""

    source = "Latent Dirichlet Allocation"

    def __init__(self, columns: list, vectorizer, lda, normalize: bool):
        self.columns = list(columns)
        self.vectorizer = vectorizer
        self.lda = lda
        self.normalize = bool(normalize)

    def topics(self, df) -> np.ndarray:
        return topic_shares(df, self.columns, self.vectorizer, self.lda, self.normalize).to_numpy()

    def transform(self, df):
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            from jupyter_designer.engine.errors import ComponentError
            raise ComponentError(f"{self.source}: the dataset has no column "
                                 f"{', '.join(map(repr, missing))}, which the topics were "
                                 "learned from. Add it.")
        return _with_columns(df, [], topic_shares(df, self.columns, self.vectorizer, self.lda,
                                                  self.normalize))

    def output_schema(self, schema):
        if any(c not in schema for c in self.columns):
            return None
        k = self.lda.n_components
        return schema.add(*Schema.of([(topic_column(i), "double") for i in range(k)]).columns)

    def describe(self) -> dict:
        return {**super().describe(), "columns": self.columns, "topics": int(self.lda.n_components)}


def joined_text(df, columns) -> list[str]:
    """The text of ``columns`` joined by a space, row by row (missing values as empty text)."""
    return [" ".join(parts) for parts in zip(*(as_text(df[c]) for c in columns))]


def topic_shares(df, columns, vectorizer, lda, normalize: bool) -> pd.DataFrame:
    """The topic columns of ``df``'s rows (Topic 1, Topic 2, ...)."""
    t = lda.transform(vectorizer.transform(joined_text(df, columns)), normalize=normalize)
    return pd.DataFrame(t, columns=[topic_column(i) for i in range(t.shape[1])])


def feature_topic_matrix(vectorizer, lda, normalize: bool) -> pd.DataFrame:
    """Each n-gram's weight in every topic (its share of the topic when ``normalize``)."""
    comp = lda.components_
    if normalize:
        comp = comp / comp.sum(axis=1, keepdims=True)
    ftm = pd.DataFrame(comp.T, columns=[topic_column(i) for i in range(comp.shape[0])])
    ftm.insert(0, "Feature", pd.Series(vectorizer.get_feature_names_out(), dtype="str"))
    return ftm


def lda_estimators(params: dict, seed: int):
    """The scikit-learn vectorizer and LDA that Latent Dirichlet Allocation fits."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=(1, params["n_grams"]),
                          max_features=params["maximum_size_of_ngram_dictionary"])
    lda = LatentDirichletAllocation(
        n_components=params["number_of_topics_to_model"],
        doc_topic_prior=params["alpha_parameter"], topic_word_prior=params["rho_parameter"],
        learning_method="online", learning_offset=params[
            "initial_value_of_iteration_used_in_learning_rate_update_schedule"],
        learning_decay=params["power_applied_to_the_iteration_during_updates"],
        total_samples=params["estimated_number_of_documents"],
        batch_size=params["size_of_the_batch"], max_iter=params["number_of_training_iterations"],
        random_state=seed)
    return vec, lda


@component(
    "Latent Dirichlet Allocation", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("transformed_dataset", DATASET, "Transformed dataset"),
             Port("feature_topic_matrix", DATASET, "Feature topic matrix"),
             Port("lda_transformation", TRANSFORMATION, "LDA transformation")],
    params=LDA_PARAMS, transformation_output="lda_transformation",
)
def latent_dirichlet_allocation(ctx, inputs, params):
    """Finds topics in text: each row gets its share of every topic, each n-gram its weight in
    every topic (scikit-learn's online variational Bayes LDA)."""
    df = _dataset(ctx, inputs)
    names = ctx.spec.param("target_column_s").resolve(params["target_column_s"],
                                                      Schema.from_frame(df), ctx.component)
    if not names:
        raise ctx.error("the 'Target column(s)' parameter selects no column; select text columns.")
    for c in names:
        text_column(ctx, ctx.spec.param("target_column_s"), [c], df)
    vec, lda = lda_estimators(params, ctx.seed)
    try:
        x = vec.fit_transform(joined_text(df, names))
    except ValueError as exc:
        raise ctx.error(f"no word to model in {', '.join(map(repr, names))} ({exc}).") from None
    lda.fit(x)
    tr = LDATransformation(names, vec, lda, params["normalize"])
    ftm = feature_topic_matrix(vec, lda, params["normalize"])
    ctx.log("Modelled %d topics over %d n-grams of %d rows", lda.n_components, len(ftm), len(df))
    return {"transformed_dataset": tr.transform(df), "feature_topic_matrix": ftm,
            "lda_transformation": tr}


def _word2vec_example():
    return ({"dataset": example_corpus(60)},
            {"target_column": "Text", "length_of_word_embedding": 8, "minimum_word_count": 2,
             "number_of_epochs": 2})


EXAMPLES = {
    "extract_n_gram_features_from_text": lambda: (
        {"dataset": example_corpus()},
        {"text_column": "Text", "n_grams_size": 2,
         "minimum_n_gram_document_absolute_frequency": 2}),
    "feature_hashing": lambda: ({"dataset": example_corpus()},
                                {"target_columns": ["Text"], "hashing_bitsize": 4}),
    "convert_word_to_vector": _word2vec_example,
    "latent_dirichlet_allocation": lambda: (
        {"dataset": example_corpus()},
        {"target_column_s": ["Text"], "number_of_topics_to_model": 3, "n_grams": 1,
         "show_all_options": True, "number_of_training_iterations": 5}),
}
