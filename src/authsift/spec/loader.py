"""Entry points: a file, bytes fetched by the engine, or an already-parsed document → ApiSpec.

This is where a spec's version is decided and where every failure becomes a SpecError: the CLI
turns that into exit code 2 and one line naming the place to fix, never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from authsift.model import ApiSpec
from authsift.spec.common import require_mapping
from authsift.spec.completion import complete
from authsift.spec.decoding import decode_document, normalise
from authsift.spec.errors import Location, SpecError
from authsift.spec.openapi3 import OpenApi3Parser
from authsift.spec.refs import Resolver
from authsift.spec.swagger2 import Swagger2Parser

_OPENAPI_VERSION = re.compile(r"^3\.(?P<minor>[0-2])(\.\d+)?(-[0-9A-Za-z.-]+)?$")


def parse_spec(document: dict[str, Any], *, source: str, base_dir: Path | None = None) -> ApiSpec:
    """An ApiSpec from a parsed JSON/YAML document. Pure: reads files only for relative `$ref`s,
    and only when `base_dir` is given; never touches the network."""
    return _parse(document, source=source, base_dir=base_dir, root_path=None)


def load_spec_bytes(data: bytes, *, source: str) -> ApiSpec:
    """A spec fetched over HTTP. Its relative-file `$ref`s are refused: a remote document must
    not make the scanner read local files."""
    return _parse(
        decode_document(data, source=source), source=source, base_dir=None, root_path=None
    )


def load_spec_file(path: Path) -> ApiSpec:
    """A spec on disk, JSON or YAML by content; relative `$ref`s resolve against its directory."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(source, "", f"cannot read the spec: {exc.strerror or exc}") from exc
    document = decode_document(data, source=source)
    return _parse(document, source=source, base_dir=path.parent, root_path=path)


def _parse(document: Any, *, source: str, base_dir: Path | None, root_path: Path | None) -> ApiSpec:
    root = Location(source)
    try:
        document = normalise(document)
        if not isinstance(document, dict):
            raise root.error("a spec must be a mapping (a JSON object) at the top level")
        version = _version(document, root)
        resolver = Resolver(
            document,
            source=source,
            base_dir=base_dir,
            root_path=root_path,
            ref_siblings_apply=version.startswith(("3.1", "3.2")),
        )
        title, api_version = _info(document, root)
        if version == "2.0":
            spec = Swagger2Parser(document, resolver).parse(title=title, api_version=api_version)
        else:
            parser = OpenApi3Parser(document, resolver, version)
            spec = parser.parse(title=title, api_version=api_version)
        return complete(spec)
    except RecursionError:
        raise root.error("document nested too deeply to read") from None


def _version(document: dict[str, Any], root: Location) -> str:
    """`openapi: 3.x.y` or `swagger: "2.0"`; an unquoted YAML `2.0` (a float) is tolerated."""
    if "openapi" in document:
        version = _scalar_text(document["openapi"])
        if _OPENAPI_VERSION.match(version) is None:
            raise root.child("openapi").error(
                f"unsupported OpenAPI version {version!r}; supported: 2.0, 3.0.x, 3.1.x, 3.2.x"
            )
        return version
    if "swagger" in document:
        version = _scalar_text(document["swagger"])
        if version != "2.0":
            raise root.child("swagger").error(
                f"unsupported Swagger version {version!r}; supported: 2.0, 3.0.x, 3.1.x, 3.2.x"
            )
        return version
    raise root.error("not an OpenAPI or Swagger document: no 'openapi' or 'swagger' key")


def _scalar_text(value: Any) -> str:
    return str(value) if isinstance(value, str | int | float) else repr(value)


def _info(document: dict[str, Any], root: Location) -> tuple[str, str]:
    """Title and version; lenient when `info` is absent, since a scan does not need them."""
    info = document.get("info")
    if info is None:
        return "", ""
    info = require_mapping(info, root.child("info"), "info")
    title = info.get("title")
    version = info.get("version")
    return (
        "" if title is None else _scalar_text(title),
        "" if version is None else _scalar_text(version),
    )
