"""OpenAPI 3.0/3.1 and Swagger 2.0 → ApiSpec: operations, parameters, bodies, security, examples.

Offline by design: the engine fetches specs (with an identity's credentials when needed) and hands
the bytes here; `$ref`s to URLs are never fetched.
"""

from authsift.spec.discovery import SPEC_DISCOVERY_PATHS
from authsift.spec.errors import SpecError
from authsift.spec.examples import example_value
from authsift.spec.loader import load_spec_bytes, load_spec_file, parse_spec

__all__ = [
    "SPEC_DISCOVERY_PATHS",
    "SpecError",
    "example_value",
    "load_spec_bytes",
    "load_spec_file",
    "parse_spec",
]
