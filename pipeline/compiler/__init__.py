"""Ahead-of-time compiler from a full-int8 .tflite to C calls into runtime/ kernels."""
