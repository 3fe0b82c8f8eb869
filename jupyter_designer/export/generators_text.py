"""Code generators of the Python export for Text Analytics: Preprocess Text (the component's
cleaning steps, with simplemma's lemmas and the stop words of scikit-learn or stopwordsiso)
and Extract N-Gram Features from Text (scikit-learn's ``CountVectorizer`` with the component's
weighting and normalization).

The cleaning code is copied from :mod:`jupyter_designer.components.text_analytics.preprocess`
when exporting, so the script and the component never drift apart.
"""

from __future__ import annotations

import inspect
import textwrap

from .script_code import NodeCode, Step, _lit, generator, plain_source
from .script_code import one_input as _one_input


def _as_text_source() -> str:
    from jupyter_designer.components.text_analytics import common

    return textwrap.dedent(inspect.getsource(common.as_text)).rstrip()


def _cleaner_source() -> str:
    """The text cleaning of Preprocess Text as code: its constants, stop words, lemmas and
    the ``TextCleaner`` class."""
    from jupyter_designer.components.text_analytics import preprocess as pre

    def regex(name, rx):
        return f"{name} = re.compile({rx.pattern!r}, {int(rx.flags)})"

    parts = [f"LANGUAGES = {_lit(pre.LANGUAGES)}",
             f"SENTENCE_SEPARATOR = {pre.SENTENCE_SEPARATOR!r}",
             "_CONTRACTIONS = [\n" + "".join(f"    ({a!r}, {b!r}),\n" for a, b in pre._CONTRACTIONS)
             + "]",
             regex("_EMAIL", pre._EMAIL), regex("_URL", pre._URL), regex("_NUMBER", pre._NUMBER),
             regex("_SENTENCE_END", pre._SENTENCE_END)]
    for obj in (pre.stop_words, pre._lemmatizer, pre.TextCleaner):
        parts.append(textwrap.dedent(inspect.getsource(obj)).rstrip())
    return "\n".join(parts[:7]) + "\n\n\n" + "\n\n\n".join(parts[7:])


_CLEANER_KEYS = ("language", "remove_stop_words", "use_lemmatization", "detect_sentences",
                 "normalize_case_to_lowercase", "remove_numbers", "remove_special_characters",
                 "remove_duplicate_characters", "remove_email_addresses", "remove_urls",
                 "expand_verb_contractions", "normalize_backslashes_to_slashes",
                 "split_tokens_on_special_characters")


@generator("preprocess_text")
def _preprocess_text(g: NodeCode) -> Step:
    from jupyter_designer.components.text_analytics.preprocess import output_column

    if "stop_words" in g.inputs:
        raise g.fail("a custom 'Stop words' input has no Python generator yet; disconnect it to "
                     "use the language's stop words.")
    g.export.add_source("as_text", _as_text_source())
    g.export.add_source("TextCleaner", _cleaner_source())
    col = g.columns("text_column_to_clean", "dataset")[0]
    new = output_column(col)
    src, out = _one_input(g), g.out("cleaned_dataset")
    settings = {k: g.params[k] for k in _CLEANER_KEYS}
    body = ",\n".join(f"    {k!r}: {_lit(v)}" for k, v in settings.items())
    code = (f"cleaner = TextCleaner({{\n{body},\n}})\n"
            f"{out} = {src}.drop(columns=[{new!r}]) if {new!r} in {src}.columns else {src}.copy()\n"
            f"{out}[{new!r}] = pd.Series([cleaner(t) for t in as_text({src}[{col!r}])], "
            f"index={src}.index, dtype=\"str\")")
    imports = ["import functools", "import re"]
    if g.params["use_lemmatization"]:
        imports.append("import simplemma")
    if g.params["remove_stop_words"] and g.params["language"] != "English":
        imports.append("import stopwordsiso")
    return Step(code, imports=tuple(imports))


@generator("extract_n_gram_features_from_text")
def _extract_n_grams(g: NodeCode) -> Step:
    from jupyter_designer.components.text_analytics.features import (feature_column,
                                                                      token_pattern)

    p = g.params
    if p["vocabulary_mode"] != "Create":
        raise g.fail("the 'ReadOnly' vocabulary mode has no Python generator yet; use 'Create'.")
    lo, hi = int(p["minimum_word_length"]), int(p["maximum_word_length"])
    if hi < lo:
        raise g.fail(f"the 'Maximum word length' ({hi}) is below the 'Minimum word length' "
                     f"({lo}); raise it.")
    g.export.add_source("as_text", _as_text_source())
    col = g.columns("text_column", "dataset")[0]
    src, out = _one_input(g), g.out("results_dataset")
    import math

    n = int(p["n_grams_size"])
    pattern = token_pattern(lo, hi)
    weighting = p["weighting_function"]
    weigh = {"Binary Weight": "x = (x > 0).astype(np.float64)",
             "TF Weight": "pass  # counts as they are",
             "IDF Weight": "x = (x > 0) * idf",
             "TF-IDF Weight": "x = x * idf"}[weighting]
    normalize = ""
    if p["normalize_n_gram_feature_vectors"]:
        normalize = ("\nif x.shape[1]:  # each row to unit (L2) length\n"
                     "    norm = np.sqrt((x ** 2).sum(axis=1, keepdims=True))\n"
                     "    x = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)")
    sample = feature_column(col, "a b")
    prefix, suffix = sample.split("a_b")
    code = f"""texts = as_text({src}[{col!r}])
vectorizer = CountVectorizer(ngram_range=(1, {n}), token_pattern={pattern!r},
                             min_df={int(math.ceil(p['minimum_n_gram_document_absolute_frequency']))}, max_df={float(p['maximum_n_gram_document_ratio'])!r},
                             max_features={_lit(p['maximum_vocabulary_size'])}, lowercase=True)
counts = vectorizer.fit_transform(texts)
ngrams = [str(v) for v in vectorizer.get_feature_names_out()]
document_counts = np.asarray((counts > 0).sum(axis=0)).ravel()
idf = np.log(len(texts) / document_counts)
# {weighting} of the vocabulary's n-grams
x = CountVectorizer(vocabulary={{v: i for i, v in enumerate(ngrams)}}, ngram_range=(1, {n}),
                    token_pattern={pattern!r}).transform(texts).toarray().astype(np.float64)
{weigh}{normalize}
features = pd.DataFrame(x, columns=[{prefix!r} + v.replace(" ", "_") + {suffix!r} for v in ngrams],
                        index={src}.index)
{out} = pd.concat([{src}.drop(columns=[{col!r}] + [c for c in features.columns
                                                 if c in {src}.columns and c != {col!r}]),
                   features], axis=1)"""
    vocab = g.outputs.get("result_vocabulary")
    if vocab:
        code += (f"\n{vocab} = pd.DataFrame({{\"Id\": np.arange(len(ngrams), dtype=np.int64), "
                 f"\"NGram\": pd.Series(ngrams, dtype=\"str\"),\n"
                 f"    \"DF\": document_counts.astype(np.int64), \"IDF\": idf.astype(np.float64)}})")
    tr = g.outputs.get("transformation")
    if tr:
        code += f"\n{tr} = vectorizer  # the vocabulary, to featurize other text the same way"
    return Step(code, imports=("from sklearn.feature_extraction.text import CountVectorizer",))


# -- Vowpal Wabbit -------------------------------------------------------------------------------
def _vw_source() -> str:
    """Train and score Vowpal Wabbit as the components do: the example lines (with the label
    column's values in front), Vowpal Wabbit's model file, its raw predictions."""
    from jupyter_designer.components.text_analytics import vowpal

    parts = [plain_source(inspect.getsource(fn))
             for fn in (vowpal._svmlight_to_vw, vowpal.data_column, vowpal._label_text,
                        vowpal.example_lines, vowpal._task, vowpal._line_labels)]
    return f"_BINARY_LOSSES = {vowpal._BINARY_LOSSES!r}\n\n\n" + "\n\n\n".join(parts + [_VW_CODE])


_VW_CODE = '''def train_vowpal_wabbit(df, arguments, file_type, label_column, seed=0):
    """Train Vowpal Wabbit Model: the model file's bytes and how it was trained."""
    from vowpalwabbit import Workspace

    args = shlex.split(arguments)
    lines = [ln for ln in example_lines(df, file_type, label_column) if ln]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.vw")
        argv = ["--quiet", "-f", path, *args]
        if not any(a == "--random_seed" for a in args):
            argv += ["--random_seed", str(seed)]
        vw = Workspace(arg_list=argv)
        for ln in lines:
            vw.learn(ln)
        vw.finish()
        with open(path, "rb") as f:
            data = f.read()
    return {"model_bytes": data, "arguments": " ".join(args), "task": _task(args),
            "label": label_column}


def score_vowpal_wabbit(model, df, extra, file_type, labels_column=False, raw_column=False):
    """Score Vowpal Wabbit Model: Scored Labels (-1/1 for a two-class model), and Scored
    Probabilities for a logistic-loss one."""
    from vowpalwabbit import Workspace

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.vw")
        with open(path, "wb") as f:
            f.write(model["model_bytes"])
        vw = Workspace(arg_list=["--quiet", "-t", "-i", path, *shlex.split(extra)])
    lines = example_lines(df, file_type, model["label"], with_labels=False)
    raw = np.asarray([float(vw.predict(ln)) if ln else np.nan for ln in lines], dtype=np.float64)
    out = df.copy()
    label = model["label"] if model["label"] in df.columns else None
    if labels_column:
        out["Labels"] = _line_labels(example_lines(df, file_type, model["label"]))
        label = label or "Labels"
    if raw_column:
        out["Raw Scores"] = raw
    if model["task"] == "binary":
        out["Scored Labels"] = np.where(raw >= 0, 1, -1).astype(np.int64)
        if "logistic" in model["arguments"]:
            with np.errstate(over="ignore"):
                out["Scored Probabilities"] = 1.0 / (1.0 + np.exp(-raw))
    else:
        out["Scored Labels"] = raw
    out.attrs["scored_by"] = {"task": model["task"], "label": label,
                              "classes": [-1, 1] if model["task"] == "binary" else None}
    return out'''


def _vw_imports(g: NodeCode) -> tuple:
    g.export.add_source("vowpal_wabbit", _vw_source())
    return ("import math", "import os", "import re", "import shlex", "import tempfile",
            "import vowpalwabbit  # noqa: F401  (Train/Score Vowpal Wabbit Model)")


@generator("train_vowpal_wabbit_model")
def _train_vw(g: NodeCode) -> Step:
    import shlex

    from jupyter_designer.components.text_analytics.vowpal import _REFUSED

    p = g.params
    if "pre_trained_vowpal_wabbit_model" in g.inputs:
        raise g.fail("continuing a pre-trained model has no Python generator yet; disconnect "
                     "the 'Pre-trained Vowpal Wabbit model' input.")
    bad = [a for a in shlex.split(p["vw_arguments"] or "") if a.split("=")[0] in _REFUSED]
    if bad:
        raise g.fail(f"the 'VW arguments' may not contain {', '.join(bad)}.")
    label = g.columns("label_column", "training_data")[0] if p.get("label_column") else None
    code = (f"{g.out()} = train_vowpal_wabbit({_one_input(g, 'training_data')}, "
            f"{p['vw_arguments']!r}, {p['specify_file_type']!r}, {label!r})")
    return Step(code, imports=_vw_imports(g))


@generator("score_vowpal_wabbit_model")
def _score_vw(g: NodeCode) -> Step:
    p = g.params
    args = [_one_input(g, "trained_vowpal_wabbit_model"), _one_input(g, "test_data"),
            repr(p["vw_arguments"] or ""), repr(p["specify_file_type"])]
    if p["include_an_extra_column_containing_labels"]:
        args.append("labels_column=True")
    if p["include_an_extra_column_containing_raw_scores"]:
        args.append("raw_column=True")
    return Step(f"{g.out()} = score_vowpal_wabbit({', '.join(args)})", imports=_vw_imports(g))
