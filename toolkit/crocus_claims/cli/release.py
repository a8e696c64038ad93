"""`crocus-claims release`: build a versioned release of the dataset, and verify one."""

from __future__ import annotations

from pathlib import Path

import click

from crocus_claims.cli.common import FORMAT, coded_errors, fail, finish
from crocus_claims.release import ReleaseError, build_release, bundle_release, verify_release
from crocus_claims.release.manifest import read_manifest


@click.group()
def release() -> None:
    """Build and verify dataset releases (dist/crocus-claims-<release version>/)."""


@release.command()
@click.option("--output", "output_root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write crocus-claims-<version>/ into (default: dist/ of the checkout).")
@click.option("--annotations", "annotations_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Annotations folder holding gold/*.jsonl and RELEASE.yaml (default: annotations/).")
@click.option("--bundle/--no-bundle", default=True, show_default=True,
              help="Also copy the release to dist/release/, which crocus_claims.load() and the wheel use.")
@coded_errors(ReleaseError)
def build(output_root: Path | None, annotations_dir: Path | None, bundle: bool) -> None:
    """Validate the gold records and write the release; on any error, refuse and write nothing.

    Timestamps come from SOURCE_DATE_EPOCH only, so the same inputs give byte-identical output.
    """
    folder = build_release(output_root, annotations_dir=annotations_dir)
    click.echo(f"built {folder}")
    manifest, _ = read_manifest(folder)
    for doc_id in manifest["corpus_documents_not_released"]:
        click.echo(f"warning: corpus document {doc_id} has no gold record and is not in the release", err=True)
    if bundle:
        click.echo(f"bundled {bundle_release(folder)}")


@release.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@FORMAT
def verify(folder: Path, output_format: str) -> None:
    """Check a release FOLDER against its manifest: checksums, counts, schema and records.

    Exit status: 0 when it matches, 1 with one line per difference on stdout (or --format json),
    2 usage error or unreadable input.
    """
    from crocus_claims.validation import Finding

    differences = verify_release(folder)
    findings = [Finding(d.code, d.message, d.file) for d in differences]
    finish(findings, output_format, f"{folder}: {len(differences)} difference(s)" if differences else f"{folder}: OK",
           {"folder": str(folder)})


@release.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="human: the summary the datasheet quotes; json: every change.")
def diff(old: Path, new: Path, output_format: str) -> None:
    """What changed from release OLD to NEW (folders with manifest.json and documents.jsonl, such as
    dist/crocus-claims-X.Y.Z or annotations/releases/X.Y.Z): documents added or removed, spans and
    relations added, removed or changed per document and label, and the schema version change.

    Exit status: 0, or 2 when a release cannot be read.
    """
    import json

    from crocus_claims.release.diff import diff_releases, read_release_data, render_markdown

    try:
        result = diff_releases(read_release_data(old), read_release_data(new))
    except ReleaseError as error:
        fail(error.code, str(error), 2)
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_markdown(result).rstrip("\n"))
