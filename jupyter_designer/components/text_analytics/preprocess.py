"""Preprocess Text: cleans a text column (stop words, lemmas, case, numbers, special and
repeated characters, e-mail addresses, URLs, contractions) into ``Preprocessed <column>``."""

from __future__ import annotations

import functools
import re

import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Bool, Columns, Enum, is_binding
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from .common import CATEGORY, EXTRA, as_text, example_corpus, text_column

#: the reference product's languages, with their ISO 639-1 codes
LANGUAGES = {"English": "en", "Dutch": "nl", "French": "fr", "German": "de", "Italian": "it",
             "Spanish": "es"}

_CONTRACTIONS = [
    (r"\bcan't\b", "can not"), (r"\bwon't\b", "will not"), (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "is not"), (r"n't\b", " not"), (r"'re\b", " are"), (r"'ve\b", " have"),
    (r"'ll\b", " will"), (r"'d\b", " would"), (r"'m\b", " am"),
    (r"\b(it|that|there|here|what|where|who|he|she)'s\b", r"\1 is"),
]
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: the sentence separator of the reference product's "Detect sentences"
SENTENCE_SEPARATOR = "|||"


@functools.lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset:
    """The stop words of a language: scikit-learn's English list, stopwordsiso's others."""
    if language == "English":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(LANGUAGES[language]))


def _lemmatizer(language: str):
    import simplemma

    code = LANGUAGES[language]

    @functools.lru_cache(maxsize=100_000)
    def lemma(token: str) -> str:
        return simplemma.lemmatize(token, lang=code)

    return lemma


class TextCleaner:
    """The cleaning steps of Preprocess Text, applied to one string."""

    def __init__(self, params: dict, custom_stop_words=None):
        self.p = params
        self.language = params["language"]
        words = set(custom_stop_words) if custom_stop_words is not None else \
            set(stop_words(self.language))
        self.stop = {w.lower() for w in words} if params["remove_stop_words"] else set()
        self.lemma = _lemmatizer(self.language) if params["use_lemmatization"] else None

    def __call__(self, text: str) -> str:
        p = self.p
        if p["normalize_backslashes_to_slashes"]:
            text = text.replace("\\", "/")
        if p["remove_urls"]:
            text = _URL.sub(" ", text)
        if p["remove_email_addresses"]:
            text = _EMAIL.sub(" ", text)
        if p["expand_verb_contractions"] and self.language == "English":
            text = text.replace("\u2019", "'")
            for pattern, repl in _CONTRACTIONS:
                text = re.sub(pattern, repl, text, flags=re.IGNORECASE)
        sentences = _SENTENCE_END.split(text) if p["detect_sentences"] else [text]
        out = [self._sentence(s) for s in sentences]
        out = [s for s in out if s]
        return f" {SENTENCE_SEPARATOR} ".join(out)

    def _sentence(self, text: str) -> str:
        p = self.p
        if p["remove_numbers"]:
            text = _NUMBER.sub(" ", text)
        if p["split_tokens_on_special_characters"]:
            text = re.sub(r"[^\w\s]|_", lambda m: " " if p["remove_special_characters"] else f" {m.group(0)} ", text)
        if p["remove_duplicate_characters"]:
            text = re.sub(r"(.)\1{2,}", r"\1\1", text)
        tokens = text.split()
        if p["remove_special_characters"] and not p["split_tokens_on_special_characters"]:
            # special characters around a word go, those inside it stay ("state-of-the-art")
            tokens = [t for t in (re.sub(r"^[\W_]+|[\W_]+$", "", t) for t in tokens) if t]
        if self.stop:
            tokens = [t for t in tokens if t.lower() not in self.stop]
        if self.lemma is not None:
            tokens = [self.lemma(t) if t.isalpha() else t for t in tokens]
            if self.stop:  # a lemma may be a stop word ("were" -> "be")
                tokens = [t for t in tokens if t.lower() not in self.stop]
        if p["normalize_case_to_lowercase"]:
            tokens = [t.lower() for t in tokens]
        return " ".join(tokens)


_TEXT = Columns("text_column_to_clean", "Text column to clean", single=True, port="dataset",
                description="The column of text to preprocess")
PARAMS = [
    Enum("language", "Language", default="English", choices=tuple(LANGUAGES),
         description="The language of the text (stop words and lemmas)"),
    _TEXT,
    Bool("remove_stop_words", "Remove stop words", default=True,
         description="Remove the language's stop words, or the words of the 'Stop words' input"),
    Bool("use_lemmatization", "Use lemmatization", default=True,
         description="Replace each word by its lemma (dictionary form)"),
    Bool("detect_sentences", "Detect sentences", default=False,
         description=f"Separate sentences by {SENTENCE_SEPARATOR!r}"),
    Bool("normalize_case_to_lowercase", "Normalize case to lowercase", default=True),
    Bool("remove_numbers", "Remove numbers", default=True),
    Bool("remove_special_characters", "Remove special characters", default=True,
         description="Remove characters that are neither letters nor digits"),
    Bool("remove_duplicate_characters", "Remove duplicate characters", default=True,
         description="Shorten runs of a character repeated more than twice to two ('aaaa' -> 'aa')"),
    Bool("remove_email_addresses", "Remove email addresses", default=True),
    Bool("remove_urls", "Remove URLs", default=True),
    Bool("expand_verb_contractions", "Expand verb contractions", default=True,
         description="English only: \"don't\" -> \"do not\""),
    Bool("normalize_backslashes_to_slashes", "Normalize backslashes to slashes", default=True),
    Bool("split_tokens_on_special_characters", "Split tokens on special characters", default=True,
         description="Break words at special characters ('state-of-the-art' -> 'state of the art')"),
]


def output_column(column: str) -> str:
    return f"Preprocessed {column}"


def _schema(inputs, params):
    schema = inputs.get("dataset")
    col = params.get("text_column_to_clean")
    if schema is None or col is None or is_binding(col):
        return {"cleaned_dataset": None}
    name = _TEXT.resolve(col, schema, "Preprocess Text")[0]
    new = output_column(name)
    base = schema.drop([new]) if new in schema else schema
    return {"cleaned_dataset": base.add(*Schema.of([(new, "string")]).columns)}


@component(
    "Preprocess Text", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset"),
            Port("stop_words", DATASET, "Stop words", optional=True,
                 description="A custom stop-word list: one word a row in the first column")],
    outputs=[Port("cleaned_dataset", DATASET, "Cleaned dataset")],
    params=PARAMS, schema=_schema, requires=("simplemma", "stopwordsiso"), install_extra=EXTRA,
)
def preprocess_text(ctx, inputs, params):
    """Cleans and normalizes a text column: stop words, lemmas, case, numbers, special
    characters, e-mail addresses, URLs and verb contractions."""
    df = inputs.get("dataset")
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect a dataset to the 'Dataset' input.")
    col = text_column(ctx, ctx.spec.param("text_column_to_clean"), params["text_column_to_clean"], df)
    custom = inputs.get("stop_words")
    words = None
    if custom is not None:
        if not isinstance(custom, pd.DataFrame) or custom.shape[1] == 0:
            raise ctx.error("the 'Stop words' input must be a dataset with the stop words in its "
                            "first column.")
        words = [w.strip() for w in as_text(custom.iloc[:, 0]) if w.strip()]
    clean = TextCleaner(params, words)
    new = output_column(col)
    out = df.drop(columns=[new]) if new in df.columns else df.copy()
    out[new] = pd.Series([clean(t) for t in as_text(df[col])], index=df.index, dtype="str")
    set_roles(out, get_roles(df), replace=True)
    ctx.log("Preprocessed %d rows of %r into %r", len(df), col, new)
    return {"cleaned_dataset": out}


EXAMPLES = {
    "preprocess_text": lambda: (
        {"dataset": example_corpus().assign(
            Text=lambda d: d["Text"] + " Visit https://example.org or mail chef@example.org; "
                                       "it's GOOOOD, 42 times!")},
        {"text_column_to_clean": "Text"}),
}
