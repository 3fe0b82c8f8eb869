"""Sample datasets for the Text Analytics components.

- "News Articles by Topic (generated)": short articles drawn from four planted topic
  vocabularies (:data:`TOPIC_WORDS`) plus shared filler words, with the noise Preprocess Text
  removes (capitals, numbers, URLs, e-mail addresses, contractions, repeated letters). Each
  article takes most of its content words from its topic's vocabulary, so a classifier on
  n-gram features should get nearly all of them right.
- "Breast Cancer Data (Vowpal Wabbit format)": scikit-learn's breast cancer biopsies as Vowpal
  Wabbit lines (``|cells mean_radius:17.99 ...``) with the label ``Class`` (1 = malignant,
  -1 = benign, Vowpal Wabbit's two-class convention).
"""

from __future__ import annotations

import numpy as np

from .samples import Sample

NEWS = "News Articles by Topic (generated)"
VW_BREAST_CANCER = "Breast Cancer Data (Vowpal Wabbit format)"

#: the planted vocabulary of each topic of the news articles
TOPIC_WORDS = {
    "Sports": ("match team goal coach player season league score victory stadium referee "
               "champion tournament football tennis athlete trophy defeat").split(),
    "Cooking": ("recipe oven flour butter sugar bake dinner sauce garlic kitchen chef taste "
                "onion pepper roast dessert bread soup").split(),
    "Science": ("experiment theory physics energy atom molecule research laboratory data cell "
                "scientist particle telescope chemistry biology gene climate planet").split(),
    "Finance": ("market stock investor bank price profit share economy inflation trader dividend "
                "bond revenue budget currency loan interest fund").split(),
}
_FILLER = ("people said week report new year today city first many also just people good "
           "time really great").split()
_NOISE = ("Read more at https://news.example.com/story", "Contact desk@news.example.com",
          "It's BIG news!!!", "They don't stop", "Sooooo much to tell", "Updated 2024 at 10:30",
          "We've seen 3 reports", "C:\\archive\\story")
N_NEWS = 480
NEWS_SEED = 11


def news_articles(n: int = N_NEWS, seed: int = NEWS_SEED):
    """The generated news articles: ``Category`` and ``Text``."""
    import pandas as pd

    rng = np.random.RandomState(seed)
    topics = sorted(TOPIC_WORDS)
    rows = []
    for i in range(n):
        topic = topics[i % len(topics)]
        words = TOPIC_WORDS[topic]
        k = rng.randint(8, 16)
        doc = [words[j] for j in rng.randint(0, len(words), size=k)]
        doc += [_FILLER[j] for j in rng.randint(0, len(_FILLER), size=rng.randint(4, 9))]
        other = topics[rng.randint(len(topics))]  # a word or two from another topic
        doc += [TOPIC_WORDS[other][j] for j in rng.randint(0, len(words), size=rng.randint(0, 3))]
        rng.shuffle(doc)
        doc[0] = doc[0].capitalize()
        text = " ".join(doc) + "."
        if rng.rand() < 0.6:
            text += " " + _NOISE[rng.randint(len(_NOISE))]
        rows.append((topic, text))
    df = pd.DataFrame(rows, columns=["Category", "Text"])
    return df.astype({"Category": "str", "Text": "str"})


def vw_breast_cancer():
    from sklearn.datasets import load_breast_cancer

    import pandas as pd

    raw = load_breast_cancer()
    names = [n.replace(" ", "_") for n in raw.feature_names]
    lines = ["|cells " + " ".join(f"{n}:{v:.6g}" for n, v in zip(names, row)) for row in raw.data]
    return pd.DataFrame({"Class": np.where(raw.target == 0, 1, -1).astype("int64"),
                         "Features": pd.Series(lines, dtype="str")})


SAMPLES = (
    Sample(NEWS, f"{N_NEWS} short news articles in four categories (Sports, Cooking, Science, "
                 "Finance), generated from planted topic vocabularies, with URLs, e-mail "
                 "addresses, numbers and contractions to clean. Predict 'Category' from 'Text' "
                 "(multiclass).", "multiclass", "Category", news_articles),
    Sample(VW_BREAST_CANCER, "569 breast mass biopsies as Vowpal Wabbit lines ('Features': "
                             "30 cell nucleus measurements). Predict 'Class' (1 = malignant, "
                             "-1 = benign).", "binary", "Class", vw_breast_cancer),
)
