"""PyTorch sequence models over causal look-back windows: LSTM, temporal CNN, Transformer,
and the CNN+LSTM hybrid with attention and two heads."""

from signaltrust.ml.models.deep.cnn import CNNClassifier, CNNRegressor
from signaltrust.ml.models.deep.hybrid import CNNLSTMClassifier, CNNLSTMRegressor
from signaltrust.ml.models.deep.lstm import LSTMClassifier, LSTMRegressor
from signaltrust.ml.models.deep.transformer import TransformerClassifier, TransformerRegressor
from signaltrust.ml.models.deep.windows import make_windows

__all__ = [
    "CNNClassifier",
    "CNNRegressor",
    "CNNLSTMClassifier",
    "CNNLSTMRegressor",
    "LSTMClassifier",
    "LSTMRegressor",
    "TransformerClassifier",
    "TransformerRegressor",
    "make_windows",
]
