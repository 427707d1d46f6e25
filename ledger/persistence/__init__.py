"""PostgreSQL storage: tables, repositories, the unit of work and the embedded server."""
