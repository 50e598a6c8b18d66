"""Decodes Confluent wire-format values with Apache Avro's Python reader.

Reads one hex-encoded value per line on stdin, fetches each writer schema by id from the
registry (Confluent's Python SchemaRegistryClient), decodes with avro.io.DatumReader and
prints a JSON list of {"schemaId", "value"}. Used by the interoperability test: it proves
that what @kbus/core writes is readable by a non-JavaScript Avro implementation with only
the registry to go on.
"""
import datetime
import decimal
import io
import json
import struct
import sys
import uuid

import avro.io
import avro.schema
from confluent_kafka.schema_registry import SchemaRegistryClient


def to_json(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return {"$date_ms": int(value.timestamp() * 1000)}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    raise TypeError(f"cannot serialize {type(value)}")


def exact(value):
    """JSON numbers lose precision in JavaScript beyond 2^53; send such integers as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > 2**53:
        return {"$int": str(value)}
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return value


def main():
    client = SchemaRegistryClient({"url": sys.argv[1]})
    readers = {}
    out = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        raw = bytes.fromhex(line)
        magic, schema_id = struct.unpack(">bI", raw[:5])
        if magic != 0:
            raise SystemExit(f"bad magic byte {magic}")
        if schema_id not in readers:
            schema = avro.schema.parse(client.get_schema(schema_id).schema_str)
            readers[schema_id] = avro.io.DatumReader(schema)
        decoder = avro.io.BinaryDecoder(io.BytesIO(raw[5:]))
        out.append({"schemaId": schema_id, "value": exact(readers[schema_id].read(decoder))})
    json.dump(out, sys.stdout, default=to_json)


if __name__ == "__main__":
    main()
