"""Shared nouns of the scan: every layer speaks in these types and nothing else.

They are plain frozen dataclasses so that checks, the judge and the reporters can pass them
around without caring who made them, and so that a finding, once made, cannot change under a
reporter's feet. One module per responsibility (vocabulary, the API description, HTTP traffic,
results); import them from here.
"""

from authsift.model.api import (
    READ_ONLY_METHODS,
    ApiSpec,
    Operation,
    Parameter,
    ParamLocation,
    RequestBody,
    SecurityScheme,
)
from authsift.model.http import Exchange, Headers, HttpRequest, HttpResponse, header_value
from authsift.model.results import (
    CheckEntry,
    Evidence,
    Finding,
    IdentitySummary,
    OperationRef,
    Outcome,
    ScanResult,
    ScanStats,
    SuppressedFinding,
    TaskResult,
)
from authsift.model.vocabulary import Confidence, Family, Safety, Severity

__all__ = [
    "READ_ONLY_METHODS",
    "ApiSpec",
    "CheckEntry",
    "Confidence",
    "Evidence",
    "Exchange",
    "Family",
    "Finding",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "IdentitySummary",
    "Operation",
    "OperationRef",
    "Outcome",
    "ParamLocation",
    "Parameter",
    "RequestBody",
    "Safety",
    "ScanResult",
    "ScanStats",
    "SecurityScheme",
    "Severity",
    "SuppressedFinding",
    "TaskResult",
    "header_value",
]
