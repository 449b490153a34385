"""The TensorFlow side: the built-in example, pruning, int8 quantization, Keras loading. The only package that imports TensorFlow."""
