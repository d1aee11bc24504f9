"""Storage: SQLAlchemy Core for SQLite and PostgreSQL. Dialect differences live here only."""
