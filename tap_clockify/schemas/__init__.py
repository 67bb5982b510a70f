"""JSON schemas of the streams, generated from Clockify's OpenAPI by scripts/generate_schemas.py."""

from importlib.resources import files

from singer_sdk import SchemaDirectory, StreamSchema

SCHEMAS = SchemaDirectory(files(__name__))

__all__ = ["SCHEMAS", "StreamSchema"]
