"""JSON Schemas of the Azure CLI's own response models, for test/e2e/az-models.ts.

azure-cli ships the Azure SDK for Python, whose model classes AutoRest generated from the official
Azure REST API specifications, one package per api-version (azure.mgmt.containerservice.v2022_11_01,
...). Each class carries the spec's shape: `_attribute_map` (JSON key, with "properties.x" for
x-ms-client-flatten, and type), `_validation` (required, readonly, pattern, bounds) and `_subtype_map`
(discriminator). This turns the classes asked for into JSON Schema (draft 2020-12), strict about
unknown properties as the specs' own example validator is, so ajv can hold the emulator's answers to
the shapes az itself reads.

stdin: [[module, model], ...]; stdout: {"$defs": {"module:Model": schema, ...}}.
Run with the Python that runs az (/usr/bin/python3 on Debian).
"""
import enum
import importlib
import json
import re
import sys

PRIMITIVES = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "decimal": {"type": "number"},
    "bool": {"type": "boolean"},
    "object": {},
    # ISO 8601 date-times, as Azure writes them ("2023-01-01T00:00:00Z", fractions, offsets).
    "iso-8601": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"},
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "rfc-1123": {"type": "string"},
    "duration": {"type": "string"},
    "unix-time": {"type": "integer"},
    "bytearray": {"type": "string"},
    "base64": {"type": "string"},
}

CONSTRAINTS = {
    "pattern": "pattern",
    "max_length": "maxLength",
    "min_length": "minLength",
    "maximum": "maximum",
    "minimum": "minimum",
    "max_items": "maxItems",
    "min_items": "minItems",
    "unique": "uniqueItems",
}


def key_path(key):
    # "properties.provisioningState" -> ["properties", "provisioningState"]; "a\\.b" is one key.
    return [part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", key)]


class Converter:
    def __init__(self):
        self.defs = {}

    def ref(self, module, name):
        key = f"{module}:{name}"
        if key not in self.defs:
            self.defs[key] = {}  # placeholder against cycles
            self.defs[key] = self.model(module, name)
        return {"$ref": f"#/$defs/{key}"}

    def type_schema(self, module, type_name):
        if type_name in PRIMITIVES:
            return dict(PRIMITIVES[type_name])
        if type_name.startswith("[") and type_name.endswith("]"):
            return {"type": "array", "items": self.type_schema(module, type_name[1:-1])}
        if type_name.startswith("{") and type_name.endswith("}"):
            return {"type": "object", "additionalProperties": self.type_schema(module, type_name[1:-1])}
        cls = getattr(importlib.import_module(module), type_name)
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            # x-ms-enum modelAsString: Azure may add values, so any string is valid.
            return {"type": "string"}
        return self.ref(module, type_name)

    def model(self, module, name):
        cls = getattr(importlib.import_module(module), name)
        subtypes = getattr(cls, "_subtype_map", None) or {}
        root = {"type": "object", "properties": {}, "required": []}
        open_ended = bool(subtypes)  # a discriminated base: its subtypes add properties
        validation = getattr(cls, "_validation", {}) or {}
        for attr, spec in cls._attribute_map.items():
            if spec["key"] == "":
                open_ended = True  # additional_properties
                continue
            schema = self.type_schema(module, spec["type"])
            rules = validation.get(attr, {})
            for rule, keyword in CONSTRAINTS.items():
                if rule in rules:
                    schema[keyword] = rules[rule]
            node = root
            path = key_path(spec["key"])
            for part in path[:-1]:
                node = node["properties"].setdefault(
                    part, {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
                )
            node["properties"][path[-1]] = schema
            # ARM leaves nextLink out on a list's last page (the RPC's paging contract), although some
            # specs (subscriptions 2019-11-01) mark it required.
            if rules.get("required") and path != ["nextLink"]:
                node["required"].append(path[-1])
        if not open_ended:
            root["additionalProperties"] = False
        if subtypes:
            # The discriminator names the subtype; validate against it when it is one az knows.
            for prop, mapping in subtypes.items():
                disc = cls._attribute_map[prop]["key"]
                root["allOf"] = [
                    {
                        "if": {"properties": {disc: {"const": value}}, "required": [disc]},
                        "then": self.ref(module, sub),
                    }
                    for value, sub in mapping.items()
                ]
        return root


def main():
    converter = Converter()
    for module, name in json.load(sys.stdin):
        converter.ref(module, name)
    json.dump({"$defs": converter.defs}, sys.stdout)


main()
