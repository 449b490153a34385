"""Edge-AI-Tiny: a Keras model to verified predictions on a microcontroller."""

__version__ = "0.1.0"
