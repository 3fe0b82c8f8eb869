"""Built-in sample datasets, available in every workspace without registering them.

They come from files installed with the package: scikit-learn's bundled data sets and the
generated "Automobile price data (Raw)" table (``data/automobile_price_data_raw.csv``,
made by ``data/make_automobile.py``). Nothing is downloaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from jupyter_designer.engine.errors import NotFoundError

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Sample:
    name: str
    description: str
    task: str                  # regression / binary / multiclass
    label: str                 # the column to predict
    load: Callable


def _iris():
    from sklearn.datasets import load_iris

    import pandas as pd

    raw = load_iris()
    names = {0: "Iris-setosa", 1: "Iris-versicolor", 2: "Iris-virginica"}
    df = pd.DataFrame(raw.data, columns=["sepal-length", "sepal-width", "petal-length",
                                         "petal-width"])
    df.insert(0, "Class", [names[int(t)] for t in raw.target])
    return df


def _iris_two_class():
    from sklearn.datasets import load_iris

    import pandas as pd

    raw = load_iris()
    keep = raw.target < 2
    df = pd.DataFrame(raw.data[keep], columns=["sepal-length", "sepal-width", "petal-length",
                                               "petal-width"])
    df.insert(0, "class", raw.target[keep].astype("int64"))
    return df


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    import pandas as pd

    raw = load_breast_cancer()
    df = pd.DataFrame(raw.data, columns=list(raw.feature_names))
    # 1 = malignant, the class a screening model looks for
    df.insert(0, "Class", (raw.target == 0).astype("int64"))
    return df


def _wine():
    from sklearn.datasets import load_wine

    import pandas as pd

    raw = load_wine()
    df = pd.DataFrame(raw.data, columns=list(raw.feature_names))
    df.insert(0, "Class", (raw.target + 1).astype("int64"))
    return df


def _diabetes():
    from sklearn.datasets import load_diabetes

    import pandas as pd

    raw = load_diabetes(scaled=False)
    cols = ["AGE", "SEX", "BMI", "BP", "S1", "S2", "S3", "S4", "S5", "S6"]
    df = pd.DataFrame(raw.data, columns=cols)
    for c in ("AGE", "SEX"):
        df[c] = df[c].astype("int64")
    df["Y"] = raw.target.astype("int64")
    return df


def _digits():
    from sklearn.datasets import load_digits

    import pandas as pd

    raw = load_digits()
    df = pd.DataFrame(raw.data.astype("int64"), columns=list(raw.feature_names))
    df["Class"] = raw.target.astype("int64")
    return df


def _automobile():
    import pandas as pd

    return pd.read_csv(DATA_DIR / "automobile_price_data_raw.csv")


_ADULT_EDUCATION = [  # (education, education-num, share)
    ("Preschool", 1, 0.002), ("1st-4th", 2, 0.005), ("5th-6th", 3, 0.01), ("7th-8th", 4, 0.02),
    ("9th", 5, 0.016), ("10th", 6, 0.029), ("11th", 7, 0.036), ("12th", 8, 0.013),
    ("HS-grad", 9, 0.322), ("Some-college", 10, 0.224), ("Assoc-voc", 11, 0.042),
    ("Assoc-acdm", 12, 0.033), ("Bachelors", 13, 0.164), ("Masters", 14, 0.053),
    ("Prof-school", 15, 0.018), ("Doctorate", 16, 0.013),
]
_ADULT_CATEGORIES = {
    "workclass": {"Private": 0.70, "Self-emp-not-inc": 0.08, "Local-gov": 0.065,
                  "State-gov": 0.04, "Self-emp-inc": 0.035, "Federal-gov": 0.03,
                  "Without-pay": 0.001, "Never-worked": 0.001},
    "occupation": {"Prof-specialty": 0.13, "Craft-repair": 0.13, "Exec-managerial": 0.13,
                   "Adm-clerical": 0.12, "Sales": 0.115, "Other-service": 0.105,
                   "Machine-op-inspct": 0.065, "Transport-moving": 0.05,
                   "Handlers-cleaners": 0.045, "Farming-fishing": 0.03, "Tech-support": 0.03,
                   "Protective-serv": 0.02, "Priv-house-serv": 0.005, "Armed-Forces": 0.001},
    "race": {"White": 0.854, "Black": 0.096, "Asian-Pac-Islander": 0.032,
             "Amer-Indian-Eskimo": 0.01, "Other": 0.008},
    "native-country": {"United-States": 0.912, "Mexico": 0.02, "Philippines": 0.006,
                       "Germany": 0.004, "Canada": 0.004, "Puerto-Rico": 0.004, "India": 0.003,
                       "El-Salvador": 0.003, "Cuba": 0.003, "England": 0.003, "China": 0.002,
                       "Other": 0.036},
}
_ADULT_HIGH_OCCUPATIONS = {"Exec-managerial": 1.1, "Prof-specialty": 0.9, "Tech-support": 0.5,
                           "Sales": 0.4, "Protective-serv": 0.5, "Craft-repair": 0.1,
                           "Other-service": -1.2, "Handlers-cleaners": -0.9,
                           "Priv-house-serv": -2.0, "Farming-fishing": -0.8}


def _adult(n: int = 32561, seed: int = 1994):
    """A generated table shaped like the census income data (income above $50K or not)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)

    def pick(probs: dict, size: int):
        keys = list(probs)
        p = np.array([probs[k] for k in keys])
        return rng.choice(np.array(keys, dtype=object), size=size, p=p / p.sum())

    age = np.clip(np.round(rng.gamma(5.5, 7.0, n) + 12), 17, 90).astype("int64")
    edu_idx = rng.choice(len(_ADULT_EDUCATION), size=n,
                         p=np.array([e[2] for e in _ADULT_EDUCATION]) /
                         sum(e[2] for e in _ADULT_EDUCATION))
    education = np.array([e[0] for e in _ADULT_EDUCATION], dtype=object)[edu_idx]
    education_num = np.array([e[1] for e in _ADULT_EDUCATION], dtype="int64")[edu_idx]
    sex = np.where(rng.random(n) < 0.67, "Male", "Female").astype(object)
    married_p = np.clip(0.05 + 0.5 * (age - 17) / 30, 0.05, 0.62)
    married = rng.random(n) < married_p
    marital = np.where(married, "Married-civ-spouse",
                       pick({"Never-married": 0.6, "Divorced": 0.25, "Separated": 0.06,
                             "Widowed": 0.06, "Married-spouse-absent": 0.03}, n)).astype(object)
    marital[(marital == "Never-married") & (age > 45) & (rng.random(n) < 0.6)] = "Divorced"
    relationship = np.where(married, np.where(sex == "Male", "Husband", "Wife"),
                            pick({"Not-in-family": 0.5, "Own-child": 0.3, "Unmarried": 0.2}, n))
    relationship = relationship.astype(object)
    relationship[(relationship == "Own-child") & (age > 30)] = "Not-in-family"
    occupation = pick(_ADULT_CATEGORIES["occupation"], n)
    workclass = pick(_ADULT_CATEGORIES["workclass"], n)
    hours = np.clip(np.round(rng.normal(40, 11, n) + 4 * (sex == "Male")), 1, 99).astype("int64")
    capital_gain = np.where(rng.random(n) < 0.083,
                            np.round(rng.lognormal(8.3, 1.1, n)), 0).clip(0, 99999).astype("int64")
    capital_gain[rng.random(n) < 0.005] = 99999
    capital_loss = np.where((capital_gain == 0) & (rng.random(n) < 0.047),
                            np.round(rng.normal(1870, 360, n)), 0).clip(0, 4356).astype("int64")
    fnlwgt = np.round(rng.lognormal(12.0, 0.55, n)).clip(12285, 1484705).astype("int64")

    occ_effect = pd.Series(occupation).map(_ADULT_HIGH_OCCUPATIONS).fillna(0.0).to_numpy()
    logit = (-8.9 + 0.33 * education_num + 0.045 * np.minimum(age, 60) - 0.02 * np.maximum(age - 60, 0)
             + 2.1 * married + 0.03 * (hours - 40) + occ_effect + 0.35 * (sex == "Male")
             + 2.8 * (capital_gain > 5000) + 1.2 * (capital_loss > 1800)
             + 0.4 * np.isin(workclass, ["Self-emp-inc", "Federal-gov"]))
    income = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), ">50K", "<=50K").astype(object)

    df = pd.DataFrame({
        "age": age, "workclass": workclass, "fnlwgt": fnlwgt, "education": education,
        "education-num": education_num, "marital-status": marital, "occupation": occupation,
        "relationship": relationship, "race": pick(_ADULT_CATEGORIES["race"], n), "sex": sex,
        "capital-gain": capital_gain, "capital-loss": capital_loss, "hours-per-week": hours,
        "native-country": pick(_ADULT_CATEGORIES["native-country"], n), "income": income,
    })
    # the census left some answers blank
    unknown_job = rng.random(n) < 0.056
    df.loc[unknown_job, "workclass"] = None
    df.loc[unknown_job, "occupation"] = None
    df.loc[rng.random(n) < 0.018, "native-country"] = None
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype("str")
    return df


SAMPLES: dict[str, Sample] = {s.name: s for s in (
    Sample("Automobile price data (Raw)",
           "Prices of 205 cars with their make, body, engine and fuel economy; several columns "
           "have missing values. Predict 'price' (regression).",
           "regression", "price", _automobile),
    Sample("Adult Census Income Binary Classification dataset",
           "32,561 adults from a census-style survey (generated): age, education, work, family "
           "and capital gains. Predict 'income' ('>50K' or '<=50K'); workclass, occupation and "
           "native-country have missing values.", "binary", "income", _adult),
    Sample("Breast Cancer Data",
           "569 breast mass biopsies described by 30 measurements of their cell nuclei. Predict "
           "'Class' (1 = malignant, 0 = benign).", "binary", "Class", _breast_cancer),
    Sample("Diabetes Data",
           "442 diabetes patients: age, sex, body mass index, blood pressure and six blood "
           "serum measurements. Predict 'Y', disease progression one year later (regression).",
           "regression", "Y", _diabetes),
    Sample("Digits Data",
           "1,797 handwritten digits as 8x8 images (64 pixel intensities 0-16). Predict "
           "'Class', the digit 0-9 (multiclass).", "multiclass", "Class", _digits),
    Sample("Iris Data",
           "150 iris flowers: sepal and petal length and width. Predict 'Class', the species "
           "(multiclass).", "multiclass", "Class", _iris),
    Sample("Iris Two Class Data",
           "The 100 setosa and versicolor flowers of the iris data. Predict 'class' "
           "(0 = setosa, 1 = versicolor).", "binary", "class", _iris_two_class),
    Sample("Wine Data",
           "178 wines from three cultivars described by 13 chemical measurements. Predict "
           "'Class', the cultivar 1-3 (multiclass).", "multiclass", "Class", _wine),
)}

#: modules of this package adding sample datasets of their own (text corpora, rating tables,
#: images) as a ``SAMPLES`` tuple of :class:`Sample`
_MORE_SAMPLES = ("samples_text", "samples_ratings", "samples_images")


def _add_more_samples() -> None:
    from importlib import import_module

    for m in _MORE_SAMPLES:
        try:
            mod = import_module(f"{__package__}.{m}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{m}":
                raise
            continue
        for s in mod.SAMPLES:
            SAMPLES[s.name] = s


_add_more_samples()
_BY_KEY = {name.casefold(): name for name in SAMPLES}


def sample_names() -> list[str]:
    """Names of the built-in sample datasets, sorted."""
    return sorted(SAMPLES)


def canonical_name(name: str) -> str | None:
    """The sample's exact name for a case-insensitive ``name``, or ``None`` if not a sample."""
    return _BY_KEY.get(str(name).strip().casefold())


def get_sample(name: str) -> Sample:
    real = canonical_name(name)
    if real is None:
        import difflib

        close = difflib.get_close_matches(str(name), sample_names(), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(f"There is no sample dataset named {name!r}.{hint} Samples: "
                            f"{', '.join(sample_names())}.")
    return SAMPLES[real]


@functools.lru_cache(maxsize=None)
def _load(name: str):
    return SAMPLES[name].load()


def load_sample(name: str):
    """A sample dataset as a DataFrame (case-insensitive name; loaded once per process).

    Each call returns its own (copy-on-write) frame, so changing it never changes the cache.
    """
    df = _load(get_sample(name).name)
    out = df.copy(deep=False)
    out.attrs = {}
    return out
