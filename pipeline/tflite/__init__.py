"""Reading `.tflite` files and asking TFLM about them: the flatbuffer reader, the TFLM oracle, TFLM's arena figures and op names."""
