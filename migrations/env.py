"""Alembic environment of the case tables (issue 5).

Two ways in:
- programmatic (assistant.helpdesk.cases.migrate): the caller passes an open connection in
  `config.attributes["connection"]` and holds the migration lock;
- command line (`alembic -c migrations/alembic.ini upgrade head`): the engine comes from
  `sqlalchemy.url` if set, else from DATABASE_URL through assistant.db.get_engine().
"""
from __future__ import annotations

import logging.config

from alembic import context

config = context.config
if config.config_file_name and not config.attributes.get("connection"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

# The version table is ours alone: Rasa's tracker store and the referential share the database.
VERSION_TABLE = "triage_alembic_version"


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite cannot ALTER most things: later migrations use batch mode
    )


def run_migrations_offline() -> None:
    from assistant.config import database_url

    url = config.get_main_option("sqlalchemy.url") or database_url()
    context.configure(url=url, literal_binds=True, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from assistant.db import get_engine

    url = config.get_main_option("sqlalchemy.url") or None
    engine = get_engine(url)
    with engine.begin() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
