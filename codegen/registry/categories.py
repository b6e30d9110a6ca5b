"""The palette's groups of blocks; each block names one, and its colour marks the block."""

from __future__ import annotations

from .base import Category

CATEGORIES = (
    Category("Linear", "#2f81f7", "Fully connected layers."),
    Category("Convolution", "#8250df", "Convolutions over sequences, images and volumes."),
    Category("Pooling", "#1f883d", "Downsampling by maximum or average."),
    Category("Normalization", "#bf8700", "Normalisation layers (no weight decay)."),
    Category("Activation", "#ee4c2c", "Non-linearities."),
    Category("Dropout", "#6e7781", "Regularisation by dropping activations."),
    Category("Embedding", "#1b7c83", "Token and position embeddings."),
    Category("Recurrent", "#9a6700", "RNN, LSTM and GRU over sequences (L, E)."),
    Category("Attention", "#bc4c00", "Multi-head attention and Transformer layers over (L, E)."),
    Category("Resampling", "#4d2d8c", "Upsampling, pixel shuffle and padding."),
    Category("Shape", "#0e8a8a", "Reshaping, reordering, reducing and selecting."),
    Category("Merge", "#d63384", "Combining branches: sum, product, concatenation."),
)
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)
