"""Simulator runners, one module per simulator, sharing one process base (`process.SimProcess`)."""
