"""Text Analytics components: agreement with the libraries doing the same by hand
(scikit-learn's TfidfVectorizer, HashingVectorizer and LatentDirichletAllocation, gensim's
KeyedVectors, Vowpal Wabbit called directly), the read-only vocabulary, Preprocess Text's
cleaning steps, and the install command of a component whose library is missing."""

import dataclasses
import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components.text_analytics import features, preprocess, vowpal
from jupyter_designer.components.text_analytics.common import example_corpus
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.store.samples_text import news_articles


def run(name, inputs, **params):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec, seed=0), inputs, spec.resolve_params(params))


DOCS = pd.DataFrame({"Text": [
    "the cat sat on the mat", "the dog sat on the log", "cats and dogs and birds",
    "a bird sat on a cat", "logs and mats and hats", "the cat and the dog and the bird",
]})


# -- Extract N-Gram Features from Text -----------------------------------------------------
@pytest.mark.parametrize("n", [1, 2])
def test_tf_idf_agrees_with_scikit_learn(n):
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = run("Extract N-Gram Features from Text", {"dataset": DOCS}, text_column="Text",
              n_grams_size=n, minimum_word_length=2,
              minimum_n_gram_document_absolute_frequency=1, weighting_function="TF-IDF Weight")
    vec = TfidfVectorizer(ngram_range=(1, n), token_pattern=features.token_pattern(2, 25),
                          smooth_idf=False, norm=None)
    x = vec.fit_transform(DOCS["Text"]).toarray()
    vocab = out["result_vocabulary"]
    assert list(vocab["NGram"]) == list(vec.get_feature_names_out())
    # the reference's IDF is log(N / df); scikit-learn's unsmoothed one adds 1
    np.testing.assert_allclose(vocab["IDF"], vec.idf_ - 1.0, rtol=1e-12)
    tf = (x / vec.idf_)
    want = tf * (vec.idf_ - 1.0)
    want /= np.linalg.norm(want, axis=1, keepdims=True).clip(1e-300)
    got = out["results_dataset"][[features.feature_column("Text", g) for g in vocab["NGram"]]]
    np.testing.assert_allclose(got.to_numpy(), want, atol=1e-12)
    assert "Text" not in out["results_dataset"].columns


def test_binary_and_tf_weights_and_frequency_limits():
    from sklearn.feature_extraction.text import CountVectorizer

    common = dict(text_column="Text", minimum_word_length=3, normalize_n_gram_feature_vectors=False,
                  minimum_n_gram_document_absolute_frequency=2, maximum_n_gram_document_ratio=0.4)
    tf = run("Extract N-Gram Features from Text", {"dataset": DOCS}, weighting_function="TF Weight", **common)
    binary = run("Extract N-Gram Features from Text", {"dataset": DOCS}, weighting_function="Binary Weight", **common)
    vec = CountVectorizer(token_pattern=features.token_pattern(3, 25), min_df=2, max_df=0.4)
    x = vec.fit_transform(DOCS["Text"]).toarray()
    assert list(tf["result_vocabulary"]["NGram"]) == list(vec.get_feature_names_out())
    # "the", "sat", "cat" are in 3 of 6 rows (above 0.4); "logs", "cats" in only one
    assert set(tf["result_vocabulary"]["NGram"]) == {"bird", "dog"}
    cols = [features.feature_column("Text", g) for g in vec.get_feature_names_out()]
    np.testing.assert_array_equal(tf["results_dataset"][cols].to_numpy(), x)
    np.testing.assert_array_equal(binary["results_dataset"][cols].to_numpy(), (x > 0).astype(float))
    np.testing.assert_array_equal(tf["result_vocabulary"]["DF"], (x > 0).sum(axis=0))


def test_read_only_vocabulary_featurizes_new_text_as_the_transformation_does():
    train = news_articles(120, seed=1)
    new = news_articles(20, seed=2)
    first = run("Extract N-Gram Features from Text", {"dataset": train}, text_column="Text",
                n_grams_size=2, minimum_n_gram_document_absolute_frequency=3)
    again = run("Extract N-Gram Features from Text",
                {"dataset": new, "input_vocabulary": first["result_vocabulary"]},
                text_column="Text", n_grams_size=2, vocabulary_mode="ReadOnly")
    by_transformation = first["transformation"].transform(new)
    pd.testing.assert_frame_equal(again["results_dataset"], by_transformation)
    assert list(again["result_vocabulary"]["NGram"]) == list(first["result_vocabulary"]["NGram"])
    assert list(first["result_vocabulary"].columns) == list(features.VOCABULARY_COLUMNS)
    with pytest.raises(ComponentError, match="Input vocabulary"):
        run("Extract N-Gram Features from Text", {"dataset": new}, text_column="Text",
            vocabulary_mode="ReadOnly")


def test_no_n_gram_left_is_a_clear_error():
    with pytest.raises(ComponentError, match="Minimum n-gram document absolute frequency"):
        run("Extract N-Gram Features from Text", {"dataset": DOCS}, text_column="Text",
            minimum_n_gram_document_absolute_frequency=100)


# -- Feature Hashing ---------------------------------------------------------------------
def test_feature_hashing_agrees_with_hashing_vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    out = run("Feature Hashing", {"dataset": DOCS}, target_columns=["Text"], hashing_bitsize=5,
              n_grams=2)["transformed_dataset"]
    want = HashingVectorizer(n_features=32, ngram_range=(1, 2), alternate_sign=False,
                             norm=None).transform(DOCS["Text"]).toarray()
    cols = [features.hashing_column("Text", i) for i in range(32)]
    assert list(out.columns) == ["Text", *cols]
    np.testing.assert_array_equal(out[cols].to_numpy(), want)


# -- Latent Dirichlet Allocation -----------------------------------------------------------
def test_lda_agrees_with_scikit_learn():
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    docs = news_articles(80, seed=3)
    params = dict(target_column_s=["Text"], number_of_topics_to_model=4, n_grams=1,
                  show_all_options=True, rho_parameter=0.05, alpha_parameter=0.2,
                  estimated_number_of_documents=80, size_of_the_batch=16,
                  number_of_training_iterations=10)
    out = run("Latent Dirichlet Allocation", {"dataset": docs}, **params)
    vec = CountVectorizer(ngram_range=(1, 1), max_features=20000)
    x = vec.fit_transform(docs["Text"])
    lda = LatentDirichletAllocation(n_components=4, doc_topic_prior=0.2, topic_word_prior=0.05,
                                    learning_method="online", learning_offset=10.0,
                                    learning_decay=0.7, total_samples=80, batch_size=16,
                                    max_iter=10, random_state=0).fit(x)
    topics = [features.topic_column(i) for i in range(4)]
    np.testing.assert_allclose(out["transformed_dataset"][topics].to_numpy(), lda.transform(x),
                               rtol=1e-10)
    ftm = out["feature_topic_matrix"]
    assert list(ftm["Feature"]) == list(vec.get_feature_names_out())
    want = (lda.components_ / lda.components_.sum(axis=1, keepdims=True)).T
    np.testing.assert_allclose(ftm[topics].to_numpy(), want, rtol=1e-10)
    # the planted topics are found: each category's articles share one dominant topic
    dominant = out["transformed_dataset"][topics].to_numpy().argmax(axis=1)
    purity = sum(np.bincount(dominant[docs["Category"] == c]).max() for c in docs["Category"].unique())
    assert purity / len(docs) > 0.8
    # the LDA transformation gives new rows the same topic shares
    again = out["lda_transformation"].transform(docs.head(5))
    np.testing.assert_allclose(again[topics].to_numpy(),
                               out["transformed_dataset"][topics].head(5).to_numpy(), rtol=1e-10)


# -- Preprocess Text ---------------------------------------------------------------------
def _clean(text, **params):
    df = pd.DataFrame({"Text": [text]})
    stop = params.pop("stop_words", None)
    inputs = {"dataset": df} if stop is None else {"dataset": df, "stop_words": stop}
    out = run("Preprocess Text", inputs, text_column_to_clean="Text", **params)["cleaned_dataset"]
    return out["Preprocessed Text"].iloc[0]


def test_preprocess_text_cleans_as_configured():
    text = ("The Players were RUNNING to https://club.example.com/news and wrote to "
            "coach@club.example.com: we don't stop, 2024 goals!!! Sooooo state-of-the-art C:\\dir")
    assert _clean(text) == "player run write stop goal soo state art c dir"
    kept = _clean(text, remove_stop_words=False, use_lemmatization=False,
                  normalize_case_to_lowercase=False, remove_numbers=False, remove_urls=False,
                  remove_email_addresses=False, expand_verb_contractions=False,
                  remove_special_characters=False, split_tokens_on_special_characters=False,
                  remove_duplicate_characters=False, normalize_backslashes_to_slashes=False)
    assert "RUNNING" in kept and "2024" in kept and "don't" in kept and "C:\\dir" in kept
    assert "https://club.example.com/news" in kept and "coach@club.example.com:" in kept
    assert _clean("It is good. It was fine!", detect_sentences=True) == "good ||| fine"
    assert _clean("(state-of-the-art), stop!! :-)", split_tokens_on_special_characters=False,
                  remove_stop_words=False) == "state-of-the-art stop"


def test_custom_stop_words_and_other_languages():
    custom = pd.DataFrame({"word": ["cat", "mat"]})
    assert _clean("the cat sat on the mat", stop_words=custom, use_lemmatization=False) == "the sat on the"
    assert _clean("Les enfants mangeaient des pommes", language="French") == "enfant manger pomme"


def test_preprocess_text_keeps_columns_and_roles_and_names_a_wrong_column():
    df = example_corpus(6)
    out = run("Preprocess Text", {"dataset": df}, text_column_to_clean="Text")["cleaned_dataset"]
    assert list(out.columns) == ["Topic", "Text", "Preprocessed Text"]
    assert out.attrs["designer_roles"]["Topic"] == "label"
    with pytest.raises(DesignerError, match="Nope"):
        run("Preprocess Text", {"dataset": df}, text_column_to_clean="Nope")
    with pytest.raises(ComponentError, match="must hold text"):
        run("Preprocess Text", {"dataset": df.assign(n=1)}, text_column_to_clean="n")


# -- Convert Word to Vector ----------------------------------------------------------------
def test_word2vec_and_fasttext_embed_the_vocabulary():
    docs = example_corpus(60)
    for strategy in ("Gensim Word2Vec", "Gensim FastText"):
        out = run("Convert Word to Vector", {"dataset": docs}, target_column="Text",
                  word2vec_strategy=strategy, length_of_word_embedding=6, minimum_word_count=3,
                  number_of_epochs=2, maximum_vocabulary_size=15)["vocabulary_with_embeddings"]
        assert list(out.columns) == ["Vocabulary"] + [features.embedding_column(i) for i in range(6)]
        assert 0 < len(out) <= 15 and out["Vocabulary"].is_unique


def test_pretrained_embedding_file_gives_its_vectors():
    from pathlib import Path

    import gensim
    from gensim.models import KeyedVectors

    path = Path(gensim.__file__).parent / "test" / "test_data" / "lee_fasttext.vec"
    kv = KeyedVectors.load_word2vec_format(str(path))
    words = [w for w in kv.index_to_key[:40] if w.isalpha()][:5]
    docs = pd.DataFrame({"Text": [" ".join(words), words[0] + " unknownwordxyz"]})
    out = run("Convert Word to Vector", {"dataset": docs}, target_column="Text",
              word2vec_strategy="Pretrained embedding file", pretrained_embedding_file=str(path))
    out = out["vocabulary_with_embeddings"].set_index("Vocabulary")
    assert set(out.index) == set(words)
    for w in words:
        np.testing.assert_allclose(out.loc[w].to_numpy(), kv[w], rtol=1e-6)
    with pytest.raises(ComponentError, match="does not exist"):
        run("Convert Word to Vector", {"dataset": docs}, target_column="Text",
            word2vec_strategy="Pretrained embedding file", pretrained_embedding_file="/no/such.vec")


# -- Vowpal Wabbit -----------------------------------------------------------------------
def test_vowpal_wabbit_predictions_agree_with_the_package():
    from vowpalwabbit import Workspace

    train, test = vowpal.example_vw_data(200, 0), vowpal.example_vw_data(40, 1)
    args = "--loss_function logistic -l 0.3 -b 16"
    model = run("Train Vowpal Wabbit Model", {"training_data": train}, vw_arguments=args,
                label_column="Class", output_readable_model_file=True,
                output_inverted_hash_file=True)["trained_vowpal_wabbit_model"]
    assert isinstance(model, TrainedModel) and model.task == "binary"
    est = vowpal.vw_model(model)
    assert "bits:16" in est.readable_model and "f^a" in est.inverted_hash
    scored = run("Score Vowpal Wabbit Model", {"trained_vowpal_wabbit_model": model,
                                               "test_data": test},
                 include_an_extra_column_containing_raw_scores=True)["scored_dataset"]
    vw = Workspace(f"--quiet --random_seed 0 {args}")
    for y, f in zip(train["Class"], train["Features"]):
        vw.learn(f"{y} {f}")
    direct = np.asarray([vw.predict(f) for f in test["Features"]])
    vw.finish()
    np.testing.assert_allclose(scored["Raw Scores"], direct, rtol=1e-6)
    np.testing.assert_allclose(scored["Scored Probabilities"], 1 / (1 + np.exp(-direct)), rtol=1e-6)
    assert (scored["Scored Labels"] == np.where(direct >= 0, 1, -1)).all()
    assert (scored["Scored Labels"] == test["Class"]).mean() > 0.85
    # the same model scores lines without labels; an SVMLight file gives the same scores
    svm = pd.DataFrame({"Line": [f"{y} " + " ".join(f"{i}:{v.split(':')[1]}" for i, v in
                                                   enumerate(f.split()[1:], start=1))
                                 for y, f in zip(train["Class"], train["Features"])]})
    m2 = run("Train Vowpal Wabbit Model", {"training_data": svm}, vw_arguments=args,
             specify_file_type="SVMLight")["trained_vowpal_wabbit_model"]
    s2 = run("Score Vowpal Wabbit Model", {"trained_vowpal_wabbit_model": m2, "test_data": svm},
             specify_file_type="SVMLight", include_an_extra_column_containing_labels=True,
             include_an_extra_column_containing_raw_scores=True)["scored_dataset"]
    assert list(s2["Labels"]) == list(train["Class"].astype(float))
    assert (s2["Scored Labels"] == train["Class"]).mean() > 0.85


def test_vowpal_wabbit_refuses_file_options_and_bad_lines():
    data = vowpal.example_vw_data(10)
    with pytest.raises(ComponentError, match="may not contain -f"):
        run("Train Vowpal Wabbit Model", {"training_data": data}, vw_arguments="-f model.vw",
            label_column="Class")
    with pytest.raises(ComponentError, match="refused the arguments"):
        run("Train Vowpal Wabbit Model", {"training_data": data}, vw_arguments="--no_such_option",
            label_column="Class")
    with pytest.raises(ComponentError, match="Score Vowpal Wabbit Model"):
        run("Score Vowpal Wabbit Model", {"trained_vowpal_wabbit_model": None, "test_data": data})


# -- a missing library -------------------------------------------------------------------
def test_a_missing_library_gives_the_install_command_not_a_traceback(tmp_path, capsys):
    from jupyter_designer.cli import main
    from jupyter_designer.engine.errors import PipelineValidationError
    from jupyter_designer.engine.pipeline import Pipeline
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.store import Workspace

    real = REGISTRY.get("Convert Word to Vector")
    fake = dataclasses.replace(real, id="convert_word_to_vector_missing_lib",
                               name="Convert Word to Vector (missing library)",
                               requires=("gensim_not_installed_here",))
    REGISTRY.add(fake)
    try:
        info = fake.as_dict()
        assert info["available"] is False
        assert info["install"] == "pip install 'jupyter-designer[text]'"
        p = Pipeline(name="missing")
        p.add_dataset("News Articles by Topic (generated)", id="news")
        p.add_component(fake.id, {"target_column": "Text"}, id="w2v")
        p.connect("news", "dataset", "w2v", "dataset")
        problems = " ".join(str(i) for i in p.validate())
        assert "gensim_not_installed_here" in problems
        assert "pip install 'jupyter-designer[text]'" in problems
        with pytest.raises(PipelineValidationError, match=r"pip install 'jupyter-designer\[text\]'"):
            Runner(Workspace(tmp_path / "ws")).submit(p, "missing")
        with pytest.raises(ComponentError, match="needs gensim_not_installed_here"):
            fake.check_available()
        # the command line says the same, without a traceback
        p.save(tmp_path / "missing.json")
        code = main(["--workspace", str(tmp_path / "ws"), "run", str(tmp_path / "missing.json")])
        err = capsys.readouterr().err
        assert code != 0 and "pip install 'jupyter-designer[text]'" in err
        assert "Traceback" not in err
    finally:
        REGISTRY.remove(fake.id)
