#!/usr/bin/env python3
"""What a firmware image must contain to run a .tflite model: the TFLite
builtin names of the ops subgraph 0 uses, and the front end ("features=" of the
model's "kwsd" metadata, or of the metadata file given for a model without it).

Prints two CMake-readable lines at configure time (firmware/CMakeLists.txt):
  ops=AVERAGE_POOL_2D;CONV_2D;...
  features=logmel
With --metadata-out it also writes the metadata text it read (the model's own,
else the --metadata file; empty if neither) to that file, rewritten only when
it changes: tools/frontend_tables computes the front end's tables from it.

Builtin names are read from nn/tflite_schema.cc (kBuiltinNames, indexed by
BuiltinOperator value), so there is one list. Only the flatbuffer fields used
here are decoded; a file that is not a TFLite model is an error.

usage: model_config.py --model X.tflite --schema nn/tflite_schema.cc [--metadata X.txt]
                       [--metadata-out FILE]
"""
import argparse
import re
import struct
import sys


class Flatbuffer:
    def __init__(self, data):
        self.b = data

    def u32(self, o):
        return struct.unpack_from("<I", self.b, o)[0]

    def field(self, table, slot):
        """Absolute offset of field `slot` of the table at `table`, or None."""
        vtable = table - struct.unpack_from("<i", self.b, table)[0]
        vlen = struct.unpack_from("<H", self.b, vtable)[0]
        if 4 + 2 * slot >= vlen:
            return None
        off = struct.unpack_from("<H", self.b, vtable + 4 + 2 * slot)[0]
        return table + off if off else None

    def deref(self, o):
        return o + self.u32(o)

    def vector(self, o):
        """Element offsets of the vector referenced at `o`."""
        v = self.deref(o)
        return [v + 4 + 4 * i for i in range(self.u32(v))]

    def bytes_at(self, o):
        v = self.deref(o)
        return self.b[v + 4:v + 4 + self.u32(v)]


def builtin_names(schema_cc):
    text = open(schema_cc, encoding="utf-8").read()
    m = re.search(r"kBuiltinNames\[\]\s*=\s*\{(.*?)\};", text, re.S)
    if not m:
        sys.exit(f"model_config: no kBuiltinNames in {schema_cc}")
    return re.findall(r'"([A-Z0-9_]+)"', m.group(1))


def model_ops(fb, names):
    root = fb.deref(0)
    model_subgraphs = fb.field(root, 2)
    codes_field = fb.field(root, 1)
    if model_subgraphs is None or codes_field is None:
        sys.exit("model_config: not a TFLite model (no subgraphs or operator codes)")
    op_codes = []
    for e in fb.vector(codes_field):
        t = fb.deref(e)
        deprecated = fb.field(t, 0)
        builtin = fb.field(t, 3)
        code = max(struct.unpack_from("<b", fb.b, deprecated)[0] if deprecated else 0,
                   struct.unpack_from("<i", fb.b, builtin)[0] if builtin else 0)
        op_codes.append(code)
    subgraph = fb.deref(fb.vector(model_subgraphs)[0])
    operators = fb.field(subgraph, 3)
    used = set()
    for e in fb.vector(operators) if operators else []:
        op = fb.deref(e)
        index = fb.field(op, 0)
        used.add(op_codes[fb.u32(index) if index else 0])
    out = []
    for code in sorted(used):
        if code >= len(names):
            sys.exit(f"model_config: builtin op {code} is not in nn/tflite_schema.cc")
        out.append(names[code])
    return sorted(out)


def kwsd_metadata(fb):
    root = fb.deref(0)
    metadata = fb.field(root, 6)
    buffers = fb.field(root, 4)
    if metadata is None or buffers is None:
        return None
    for e in fb.vector(metadata):
        t = fb.deref(e)
        name = fb.field(t, 0)
        buf = fb.field(t, 1)
        if name is None or buf is None or fb.bytes_at(name) != b"kwsd":
            continue
        data = fb.field(fb.deref(fb.vector(buffers)[fb.u32(buf)]), 0)
        return fb.bytes_at(data).decode("utf-8", errors="replace") if data else None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--metadata")
    ap.add_argument("--metadata-out")
    args = ap.parse_args()

    fb = Flatbuffer(open(args.model, "rb").read())
    print("ops=" + ";".join(model_ops(fb, builtin_names(args.schema))))
    text = kwsd_metadata(fb)
    if text is None and args.metadata:
        text = open(args.metadata, encoding="utf-8").read()
    features = ""
    for line in (text or "").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "features":
            features = value.strip()
    print("features=" + features)
    if args.metadata_out:
        data = (text or "").encode("utf-8")
        try:
            with open(args.metadata_out, "rb") as f:
                unchanged = f.read() == data
        except OSError:
            unchanged = False
        if not unchanged:
            with open(args.metadata_out, "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
