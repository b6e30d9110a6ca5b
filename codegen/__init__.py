"""TorchCanvas code generator: spec, registry, shape inference and rendering.

This package never imports torch: it describes PyTorch code, it does not run it.
"""

__version__ = "0.1.0"
