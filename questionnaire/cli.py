"""`flask --app app check-content`: check every content file without starting the app."""

from __future__ import annotations

from pathlib import Path

import click

from questionnaire.content import CONTENT_DIR, ContentError, load_all_content


@click.command("check-content")
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CONTENT_DIR,
    show_default=True,
    help="Folder of content files to check.",
)
def check_content(directory: Path) -> None:
    """Check every content file and say which entry and field is wrong."""
    try:
        contents = load_all_content(directory)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    for language, content in contents.items():
        click.echo(f"{language}: {len(content.signs)} signs, content is valid")
