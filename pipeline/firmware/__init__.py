"""Firmware for a board: rendering the PlatformIO project from templates, building it, flashing a real board."""
