"""HTTP: parse, authenticate, call one service function, render."""
