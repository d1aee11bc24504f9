"""Coverage-guided fuzzing of the parsers (atheris): `python -m tests.fuzz.run --help`."""
