"""Ahead-of-time compiler from a full-int8 .tflite to C calls into runtime/ kernels."""

# The kernel registry first: kernels.py registers every variant module at its end, and a variant module
# imported before it (a test importing kernels_registry, say) would otherwise meet the others half-loaded.
from pipeline.compiler import kernels  # noqa: E402,F401
