"""Text Analytics: Preprocess Text, Extract N-Gram Features from Text, Feature Hashing,
Convert Word to Vector, Latent Dirichlet Allocation, Train Vowpal Wabbit Model and Score
Vowpal Wabbit Model.

Tokenizing, n-gram counting, hashing and LDA are scikit-learn's; word embeddings are
gensim's and Vowpal Wabbit is the ``vowpalwabbit`` package. Lemmas come from ``simplemma``
and stop words from scikit-learn's English list or ``stopwordsiso``: all ship their data
inside their wheels, so nothing is downloaded at run time. The optional libraries are the
``text`` extra (``pip install 'jupyter-designer[text]'``).
"""

from . import features, preprocess, vowpal  # noqa: F401  (registers the components)
