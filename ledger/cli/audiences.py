"""Who runs a command, and where: the headings `greenledger --help` lists the commands under.

Officials, bank staff, park operators and auditors each need a handful of the commands; grouping them
by audience lets each find theirs without reading the rest.
"""

from __future__ import annotations

import errno
from typing import Any, Callable, Sequence

import click

from ledger.cli.last_resort import report_unexpected


class Audience:
    """A heading of the help and the commands under it, in the order they are defined."""

    def __init__(self, heading: str) -> None:
        self.heading = heading
        self.commands: list[click.Command] = []

    def command(self, name: str, **attrs: Any) -> Callable[[Callable[..., Any]], click.Command]:
        """``click.command``, listed under this heading."""

        def register(function: Callable[..., Any]) -> click.Command:
            command = click.command(name, **attrs)(function)
            self.commands.append(command)
            return command

        return register

    def group(self, name: str, **attrs: Any) -> Callable[[Callable[..., Any]], click.Group]:
        """``click.group``, listed under this heading."""

        def register(function: Callable[..., Any]) -> click.Group:
            group = click.group(name, **attrs)(function)
            self.commands.append(group)
            return group

        return register


class ListedByAudience(click.Group):
    """A group holding every audience's commands, whose help lists them under their headings, and
    which turns an exception none of them caught into one line (``last_resort``).

    Mixed in before ``click.Group`` or ``flask.cli.FlaskGroup``.
    """

    def __init__(self, *args: Any, audiences: Sequence[Audience], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audiences = tuple(audiences)
        for audience in self.audiences:
            for command in audience.commands:
                self.add_command(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = [[c for c in audience.commands if not c.hidden] for audience in self.audiences]
        widest = max((len(c.name or "") for commands in listed for c in commands), default=0)
        limit = formatter.width - 6 - widest  # as click's own listing: the summary fills the line
        for audience, commands in zip(self.audiences, listed):
            if commands:
                with formatter.section(audience.heading):
                    # Padded to the widest name of all headings, so the summaries line up across them.
                    formatter.write_dl([((c.name or "").ljust(widest), c.get_short_help_str(limit)) for c in commands])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # click reports these itself: usage errors, exits, "Aborted!"
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # the reader of stdout went away (`| head`): click ends quietly
            report_unexpected(exc, " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand))))
