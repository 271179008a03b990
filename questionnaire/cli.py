"""Check the files the app reads, without starting the app.

`flask --app app check-content` checks every content file; `flask --app app
check-config` checks the clinics file (SELFCHECK_CONFIG).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import click

from questionnaire.clinics import ConfigError, check_clinics
from questionnaire.content import (
    CONTENT_DIR,
    SOURCE_LANGUAGE,
    ContentError,
    content_warnings,
    load_all_content,
    source_text_hash,
)


@click.command("check-content")
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CONTENT_DIR,
    show_default=True,
    help="Folder of content files to check.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on a warning too (an out-of-date translation, a review date passed).",
)
def check_content(directory: Path, strict: bool) -> None:
    """Check every content file and say which entry and field is wrong.

    Then warn of a translation made from source words that have changed
    since, and of a review date that has passed.
    """
    try:
        contents = load_all_content(directory)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    for language, content in contents.items():
        review = content.review
        click.echo(
            f"{language}: {len(content.signs)} signs, content is valid; version {review.version}, "
            f"reviewed {review.reviewed_on.isoformat()}, "
            f"next review due {review.next_review_due.isoformat()}"
        )
    if SOURCE_LANGUAGE in contents:
        click.echo(
            f"{SOURCE_LANGUAGE}: text hash {source_text_hash(contents[SOURCE_LANGUAGE])} "
            "(what a translation records as its source_hash)"
        )
    warnings = content_warnings(contents, datetime.date.today())
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    if strict and warnings:
        raise click.ClickException(
            f"{len(warnings)} {'warning' if len(warnings) == 1 else 'warnings'} (--strict)"
        )


@click.command("check-config")
@click.argument(
    "path", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[FILE]"
)
def check_config(path: Path | None) -> None:
    """Check the clinics file (FILE, else SELFCHECK_CONFIG): say which clinic and key is wrong."""
    if path is None:
        if not os.environ.get("SELFCHECK_CONFIG"):
            raise click.ClickException("No clinics file: give its path, or set SELFCHECK_CONFIG.")
        path = Path(os.environ["SELFCHECK_CONFIG"])
    # The content the app would read: SELFCHECK_CONTENT_DIR, as in the app.
    directory = Path(os.environ.get("SELFCHECK_CONTENT_DIR") or CONTENT_DIR)
    try:
        checked = check_clinics(path, directory, load_all_content(directory))
    except (ConfigError, ContentError) as error:
        raise click.ClickException(str(error)) from None
    for warning in checked.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for note in checked.notes:
        click.echo(f"Note: {note}", err=True)
    clinics = checked.clinics
    slugs = ", ".join(clinic.slug for clinic in clinics.clinics)
    count = len(clinics.clinics)
    counted = f"{count} {'clinic' if count == 1 else 'clinics'}"
    click.echo(f"{path}: {counted} ({slugs}), the file is valid")
