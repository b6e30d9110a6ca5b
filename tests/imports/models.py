"""User-written models for the import tests (loaded as path/file.py:Class)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LSTMClassifier(nn.Module):
    """Token ids -> embedding -> 2-layer LSTM -> the last step -> classes."""

    def __init__(self, vocab: int = 50, dim: int = 16, hidden: int = 24, classes: int = 3) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(hidden, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embed(tokens))
        return self.head(self.dropout(out[:, -1]))


class Encoder(nn.Module):
    """A stack of nn.TransformerEncoder layers over a sequence of features, mean-pooled."""

    def __init__(self, dim: int = 32, layers: int = 3, classes: int = 5) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(dim, 4, 64, dropout=0.0, batch_first=True)
        self.proj = nn.Linear(12, dim)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.encoder(F.gelu(self.proj(x)))
        return self.head(x.mean(dim=1))


class Unsupported(nn.Module):
    """A model with an op no block does (torch.cumsum)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(self.fc(x), dim=1)


class TinyViT(nn.Module):
    """A ViT as people write it by hand (timm's names): patches, a class token and position
    embeddings held as parameters, an nn.TransformerEncoder, the class token's output."""

    def __init__(self, dim: int = 16, patch: int = 4, image: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, dim))
        layer = nn.TransformerEncoderLayer(dim, 2, 32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.encoder(x + self.pos_embed)
        return self.head(x[:, 0])


class TokenAtTheEnd(nn.Module):
    """A class token put after the sequence: not a ClassToken (which comes first)."""

    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, dim))
        self.head = nn.Linear(dim, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x, self.token.expand(x.size(0), -1, -1)], dim=1)
        return self.head(x[:, -1])
