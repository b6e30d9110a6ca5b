"""Reproducible benchmarks of TorchCanvas: generated training code against hand-written
loops, and the cost of code generation itself. Results and commands: benchmarks/README.md.

Run all of them with `python -m benchmarks.run`, or one with e.g. `python -m benchmarks.tabular`.
"""
