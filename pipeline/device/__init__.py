"""Talking to a running model: the serial protocol, verification against the oracle, the host runner and the simulators."""
