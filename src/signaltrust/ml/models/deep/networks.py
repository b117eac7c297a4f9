"""Small PyTorch sequence networks: (batch, lookback, features) -> (batch, outputs)."""

from __future__ import annotations

import torch
from torch import nn


class LSTMNet(nn.Module):
    """LSTM over the window; the last hidden state, after dropout, feeds a linear head."""

    def __init__(
        self, n_features: int, n_outputs: int, hidden_size: int, num_layers: int, dropout: float
    ) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(self.dropout(out[:, -1]))


class TemporalCNNNet(nn.Module):
    """Stacked causal dilated 1-D convolutions; last step and time mean feed the head."""

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        channels: int,
        kernel_size: int,
        num_layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = n_features
        for i in range(num_layers):
            dilation = 2**i
            layers += [
                nn.ConstantPad1d(((kernel_size - 1) * dilation, 0), 0.0),  # left pad: causal
                nn.Conv1d(in_ch, channels, kernel_size, dilation=dilation),
                nn.ReLU(),
                nn.Dropout(dropout),
            ]
            in_ch = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(2 * channels, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x.transpose(1, 2))  # (batch, channels, lookback)
        return self.head(torch.cat([h[:, :, -1], h.mean(dim=2)], dim=1))


class TransformerNet(nn.Module):
    """Transformer encoder over the window with learned positions; the last token feeds the head."""

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        lookback: int,
        d_model: int,
        nhead: int,
        num_layers: int,
        dim_feedforward: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.position = nn.Parameter(torch.zeros(1, lookback, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d_model, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.embed(x) + self.position[:, : x.shape[1]])
        return self.head(self.dropout(h[:, -1]))
