"""Pure client rules: no I/O, no clock. Times and settings come in as parameters."""
