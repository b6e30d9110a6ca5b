"""Import existing models into specs: a PyTorch module (traced with torch.fx, or torch.export
where fx fails) or an ONNX file (parsed, never executed).

The only package besides the tests that imports torch or onnx, and only when `torchcanvas
import` runs or the server parses an upload (`importers.onnx_import` needs onnx alone):
`builder/` and `codegen/` stay torch-free. docs/import.md describes the mapping.
"""
