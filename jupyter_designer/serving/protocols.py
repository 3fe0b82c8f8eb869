"""The scoring protocols a real-time endpoint speaks, on one compiled pipeline.

- the reference product's format (``POST .../score``)::

      {"Inputs": {"WebServiceInput0": [{"col": value, ...}]}, "GlobalParameters": {}}
      -> {"Results": {"WebServiceOutput0": [{"col": value, ..., "Scored Labels": ...}]}}

  (the classic ``{"ColumnNames": [...], "Values": [[...]]}`` form of an input is accepted too);
- the MLflow scoring protocol (``POST .../invocations``): JSON with ``dataframe_split``,
  ``dataframe_records``, ``instances`` or ``inputs``, or CSV (``text/csv``)
  -> ``{"predictions": [rows]}``;
- the Open Inference Protocol (KServe V2) REST API (``.../v2/...``): server and model
  liveness, readiness and metadata, and ``infer`` with one typed tensor per column.

Each function takes the request and returns ``(status, JSON-ready body)``; it raises
:class:`~.errors.ServingError` subclasses for what the caller did wrong. None of them
touches a web framework.
"""

from __future__ import annotations

import csv
import io
import json

from jupyter_designer import __version__

from . import tables
from .errors import EndpointNotFoundError, RequestError, UnsupportedMediaTypeError

MLFLOW_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
V2_TYPES = {"integer": "INT64", "double": "FP64", "string": "BYTES", "categorical": "BYTES",
            "boolean": "BOOL", "datetime": "BYTES", "timespan": "BYTES"}
_V2_ACCEPT = {
    "integer": {"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"},
    "double": {"FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
               "UINT32", "UINT64"},
    "string": {"BYTES"}, "categorical": {"BYTES"}, "datetime": {"BYTES"}, "timespan": {"BYTES"},
    "boolean": {"BOOL"},
}


try:  # a C JSON library: parsing and writing bodies is most of a 100-row request's cost
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; the standard library gives the same results
    _orjson = None

# integers of 19 digits and more: orjson reads those beyond 64 bits as floats, the standard
# library as exact integers (which the column checks then judge). A run of 19 digits anywhere
# in the body sends it to the standard library (found by mapping every digit to "0" and every
# other byte to " ": a C-speed scan, where a regular expression costs more than the parse)
_DIGITS_AS_ZERO = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_RUN = b"0" * 19


def _has_long_number(body: bytes) -> bool:
    return _LONG_RUN in body.translate(_DIGITS_AS_ZERO)


#: the deepest nesting of arrays and objects a request may have; a scoring request needs
#: fewer than 10 levels, and a deep one would only make parsers recurse
MAX_DEPTH = 64
_BRACKETS = bytes(1 if c in b"[{" else 255 if c in b"]}" else 0 for c in range(256))
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_STRING = None


def nesting_depth(body: bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings are
    not counted; exact up to ``limit``); costs two ``count`` calls when the text has at most
    ``limit`` opening brackets."""
    global _STRING
    if body.count(b"[") + body.count(b"{") <= limit:
        return 0 if not (b"[" in body or b"{" in body) else 1
    import numpy as np

    def depth(text: bytes) -> int:
        # the brackets alone, as +1 / -1 steps (255 is -1 as int8)
        steps = np.frombuffer(text.translate(_BRACKETS, _NOT_BRACKETS), dtype=np.int8)
        return int(np.cumsum(steps, dtype=np.int64).max()) if len(steps) else 0

    d = depth(body)
    if d > limit:   # brackets inside strings may count: measure again without the strings
        if _STRING is None:
            import re

            _STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
        d = depth(_STRING.sub(b'""', body))
    return d


def parse_json(body: bytes):
    if not body:
        raise RequestError("The request body is empty; send a JSON object.")
    if isinstance(body, (bytes, bytearray)) and nesting_depth(bytes(body)) > MAX_DEPTH:
        raise RequestError(f"The request body nests arrays and objects more than {MAX_DEPTH} "
                           "levels deep; a scoring request needs a few levels (an object of "
                           "lists of rows).", details={"max_depth": MAX_DEPTH})
    if _orjson is not None and isinstance(body, bytes) and not _has_long_number(body):
        try:
            return _orjson.loads(body)
        except _orjson.JSONDecodeError:
            pass  # NaN, Infinity, a byte-order mark, ... or invalid: the standard library decides
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise RequestError("The request body is not UTF-8 text.") from None
    except RecursionError:   # pragma: no cover - the depth is bounded above
        raise RequestError(f"The request body nests arrays and objects too deeply (more than "
                           f"{MAX_DEPTH} levels).") from None
    except json.JSONDecodeError as exc:
        raise RequestError(f"The request body is not valid JSON (line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}).") from None


def dumps(obj) -> bytes:
    """Compact UTF-8 JSON. Response values are plain Python values with every non-finite
    number already turned into null; anything orjson does not take as it is (numpy scalars,
    non-string keys, integers beyond 64 bits) goes through the standard library."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj)
        except TypeError:
            pass
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` header, lower case, without parameters."""
    return (content_type or "").split(";")[0].strip().lower()


def is_json_type(ctype: str) -> bool:
    return ctype in ("", "application/json", "text/json") or ctype.endswith("+json")


#: what curl -d, urllib and tornado send when the caller names no content type
CLIENT_DEFAULT_TYPE = "application/x-www-form-urlencoded"


def check_content_type(content_type: str | None, route: str, *, also: tuple = (),
                       client_default: bool = True) -> str:
    """The request's media type if the route reads it (JSON, no header, or one of ``also``),
    else a 415 that says what to send, as MLflow answers. With ``client_default`` the type
    HTTP clients put on a body whose type the caller did not name is read as JSON (the
    reference and V2 routes; MLflow's ``/invocations`` refuses it, as MLflow does)."""
    ctype = media_type(content_type)
    if is_json_type(ctype) or ctype in also:
        return ctype
    if client_default and ctype == CLIENT_DEFAULT_TYPE:
        return ""
    wanted = " or ".join(("application/json",) + also)
    raise UnsupportedMediaTypeError(f"Unsupported content type {content_type!r} for {route}; "
                                    f"send {wanted}.", details={"content_type": content_type})


# -- the reference format --------------------------------------------------------------------
def score_reference(compiled, body: bytes, content_type: str | None = None) -> tuple[int, dict]:
    check_content_type(content_type, "/score")
    return score_reference_document(compiled, parse_json(body))


def score_reference_document(compiled, doc) -> tuple[int, dict]:
    """Score a request already parsed (the reference format's JSON object)."""
    if not isinstance(doc, dict):
        raise RequestError('The request body must be a JSON object like {"Inputs": {"'
                           f'{next(iter(compiled.specs))}": [{{...}}]}}, "GlobalParameters": {{}}}}.')
    unknown = [k for k in doc if k not in ("Inputs", "GlobalParameters")]
    if unknown:
        raise RequestError(f"Unknown key {unknown[0]!r} in the request body; it takes \"Inputs\" "
                           "and \"GlobalParameters\".")
    inputs = doc.get("Inputs")
    if not isinstance(inputs, dict):
        raise RequestError('The request body needs "Inputs": an object with one list of rows '
                           f"per input ({', '.join(map(repr, compiled.specs))}).")
    gp = doc.get("GlobalParameters", {})
    if gp not in ({}, None):
        if not isinstance(gp, dict):
            raise RequestError('"GlobalParameters" must be an object.')
        raise RequestError(f"Unknown global parameter {next(iter(gp))!r}: this endpoint has no "
                           "global parameters; send \"GlobalParameters\": {}.")
    given = {}
    for name, value in inputs.items():
        spec = compiled.specs.get(name)
        if spec is None:
            raise RequestError(f"Unknown input {name!r} in \"Inputs\". This endpoint takes: "
                               f"{', '.join(map(repr, compiled.specs))}.", details={"input": name})
        where = f"Inputs.{name}"
        if isinstance(value, dict) and ("ColumnNames" in value or "Values" in value):
            given[name] = tables.columns_from_split(spec, value.get("ColumnNames"),
                                                    value.get("Values"), where)
        else:
            given[name] = tables.columns_from_rows(spec, value, where)
    for name in compiled.specs:
        if name not in given:
            raise RequestError(f"\"Inputs\" has no {name!r}; send its rows as a list of objects.",
                               details={"input": name})
    out = compiled.score(given)
    resp = {"Results": {name: tables.records(names, values) for name, (names, values) in out.items()}}
    removed = getattr(out, "removed_by_input", None)
    if removed:   # an endpoint deployed with removed_rows="report"
        resp["RemovedRows"] = removed
    return 200, resp


# -- MLflow ------------------------------------------------------------------------------------
def _single_input(compiled, protocol: str):
    if len(compiled.specs) != 1:
        raise RequestError(f"The {protocol} protocol takes one input table, but this endpoint has "
                           f"{len(compiled.specs)} ({', '.join(map(repr, compiled.specs))}); use "
                           "the /score route.")
    return next(iter(compiled.specs.items()))


def score_mlflow(compiled, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    name, spec = _single_input(compiled, "MLflow")
    ctype = check_content_type(content_type, "/invocations", also=("text/csv",),
                               client_default=False)
    if ctype == "text/csv":
        cols, n = _csv_columns(spec, body)
    else:
        doc = parse_json(body)
        if not isinstance(doc, dict):
            raise RequestError("The request body must be a JSON object with one of the keys "
                               f"{', '.join(map(repr, MLFLOW_KEYS))}.")
        keys = [k for k in doc if k in MLFLOW_KEYS]
        extra = [k for k in doc if k not in MLFLOW_KEYS and k != "params"]
        if len(keys) != 1 or extra:
            raise RequestError("The request body must have exactly one of the keys "
                               f"{', '.join(map(repr, MLFLOW_KEYS))}"
                               + (f"; got {', '.join(map(repr, list(doc)))}." if doc else "."))
        params = doc.get("params")
        if params is not None and (not isinstance(params, dict) or params):
            raise RequestError("This endpoint takes no \"params\"; leave it out or send {}.")
        key = keys[0]
        value = doc[key]
        if key == "dataframe_split":
            if not isinstance(value, dict):
                raise RequestError('"dataframe_split" must be an object with "columns" and "data".')
            cols, n = tables.columns_from_split(spec, value.get("columns"), value.get("data"),
                                                "dataframe_split")
        elif key == "dataframe_records" or (isinstance(value, list) and all(isinstance(r, dict) for r in value)):
            cols, n = tables.columns_from_rows(spec, value, key)
        elif isinstance(value, dict):
            lengths = {len(v) if isinstance(v, list) else -1 for v in value.values()}
            if -1 in lengths or len(lengths) > 1:
                raise RequestError(f'"{key}" as an object must map each column to a list of '
                                   "values of the same length.")
            n = lengths.pop() if lengths else 0
            cols, n = tables.columns_from_lists(spec, dict(value), n, key)
        else:
            raise RequestError(f'"{key}" must be a list of row objects or an object of column '
                               "lists.")
    out = compiled.score({name: (cols, n)})
    names, values = out[compiled.output_names[0]]
    resp = {"predictions": tables.records(names, values)}
    if getattr(out, "removed", None):   # an endpoint deployed with removed_rows="report"
        resp["removed_rows"] = out.removed
    return 200, resp


def _csv_columns(spec, body: bytes):
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequestError("The CSV body is not UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise RequestError("The CSV body is empty; send a header line and rows.") from None
    except csv.Error as exc:
        raise RequestError(f"The CSV body cannot be read: {exc}.") from None
    rows = []
    try:
        for r in reader:
            if not r:
                continue
            if len(r) != len(header):
                raise RequestError(f"CSV line {reader.line_num} has {len(r)} values; the header has "
                                   f"{len(header)}.")
            rows.append(r)
    except csv.Error as exc:
        raise RequestError(f"The CSV body cannot be read: {exc}.") from None
    cols = {}
    for j, name in enumerate(header):
        col = spec.by_name.get(name)
        if col is None and not spec.open:
            raise spec.unknown_column(name, "The CSV header")
        kind = col.kind if col is not None else "string"
        values = []
        for i, r in enumerate(rows):
            v = r[j]
            if v == "":
                values.append(None)
                continue
            try:
                if kind == "integer":
                    f = float(v)
                    values.append(int(f) if f.is_integer() else f)
                elif kind == "double":
                    values.append(float(v))
                elif kind == "boolean":
                    low = v.strip().lower()
                    if low not in ("true", "false", "1", "0"):
                        raise ValueError
                    values.append(low in ("true", "1"))
                else:
                    values.append(v)
            except ValueError:
                values.append(v)  # reported with the row and column by the check below
        cols[name] = values
    return tables.columns_from_lists(spec, cols, len(rows), "The CSV body")


# -- Open Inference Protocol (KServe V2) ------------------------------------------------------
def v2_server_metadata() -> dict:
    return {"name": "jupyter-designer", "version": __version__, "extensions": []}


def v2_model_metadata(compiled, model_name: str, version) -> dict:
    name, spec = _single_input(compiled, "Open Inference")
    outs = compiled.output_columns.get(compiled.output_names[0]) or []
    return {"name": model_name, "versions": [str(version)], "platform": "jupyter-designer",
            "inputs": [{"name": c.name, "datatype": V2_TYPES.get(c.kind, "BYTES"), "shape": [-1]}
                       for c in spec.request_columns],
            "outputs": [{"name": c["name"], "datatype": V2_TYPES.get(c["kind"], "BYTES"),
                         "shape": [-1]} for c in outs]}


def check_v2_model(model_name: str, version, endpoint_name: str, current_version) -> None:
    if model_name != endpoint_name:
        raise EndpointNotFoundError(f"This endpoint serves the model {endpoint_name!r}, not "
                                    f"{model_name!r}.")
    if version is not None and str(version) != str(current_version):
        raise EndpointNotFoundError(f"Model {model_name!r} has no version {version!r} deployed; "
                                    f"the deployed version is {current_version}.")


def _flatten(data, where):
    if not isinstance(data, list):
        raise RequestError(f"{where}.data must be a list of values.")
    if data and isinstance(data[0], list):
        out = []
        for d in data:
            if not isinstance(d, list):
                raise RequestError(f"{where}.data mixes nested lists and values.")
            out.extend(_flatten(d, where))
        return out
    return data


#: request parameters of the Open Inference Protocol this server takes (the others are hints
#: of other servers' extensions: priority, timeout)
V2_REQUEST_PARAMETERS = ("content_type", "binary_data_output", "priority", "timeout")
#: numpy dtypes of the binary tensor data extension (little-endian, row-major)
_V2_NUMPY = {"BOOL": "?", "INT8": "<i1", "INT16": "<i2", "INT32": "<i4", "INT64": "<i8",
             "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8",
             "FP16": "<f2", "FP32": "<f4", "FP64": "<f8"}


class BinaryAnswer:
    """An answer of the binary tensor data extension: a JSON header then raw tensor bytes,
    with the ``Inference-Header-Content-Length`` header giving the JSON part's length."""

    __slots__ = ("header", "data")

    def __init__(self, header: dict, data: bytes):
        self.header, self.data = header, data

    def encode(self) -> tuple[bytes, list]:
        head = dumps(self.header)
        return head + self.data, [("Inference-Header-Content-Length", str(len(head))),
                                  ("Content-Type", "application/octet-stream")]


def _split_binary(body: bytes, header_length) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        size = int(str(header_length).strip())
    except ValueError:
        size = -1
    if not 0 < size <= len(body):
        raise RequestError(f"The Inference-Header-Content-Length header must be the length in "
                           f"bytes of the JSON part of the body (1 to {len(body)}); got "
                           f"{str(header_length)[:40]!r}.")
    return body[:size], body[size:]


def _binary_values(raw: bytes, datatype: str, where: str) -> list:
    import numpy as np

    if datatype == "BYTES":
        out, off = [], 0
        while off < len(raw):
            if off + 4 > len(raw):
                raise RequestError(f"{where}: its binary BYTES data ends inside a length prefix.")
            size = int.from_bytes(raw[off:off + 4], "little")
            off += 4
            if off + size > len(raw):
                raise RequestError(f"{where}: its binary BYTES data is shorter than an element's "
                                   "length prefix says.")
            try:
                out.append(raw[off:off + size].decode("utf-8"))
            except UnicodeDecodeError:
                raise RequestError(f"{where}: a BYTES element is not UTF-8 text.") from None
            off += size
        return out
    dt = _V2_NUMPY.get(datatype)
    if dt is None:
        raise RequestError(f"{where}: datatype {datatype!r} cannot be sent as binary data here; "
                           f"use one of {', '.join(_V2_NUMPY)} or BYTES.")
    if len(raw) % np.dtype(dt).itemsize:
        raise RequestError(f"{where}: {len(raw)} bytes of binary data is not a whole number of "
                           f"{datatype} values.")
    return np.frombuffer(raw, dtype=dt).tolist()


def _binary_tensor(values: list, datatype: str) -> tuple[str, bytes]:
    """``(datatype, raw bytes)`` of an output column in the binary tensor data extension;
    a null becomes NaN in a number tensor (an integer one is then sent as FP64) and an empty
    element in a BYTES one."""
    import numpy as np

    if datatype == "BYTES":
        parts = []
        for v in values:
            b = b"" if v is None else (v if isinstance(v, bytes) else str(v).encode("utf-8"))
            parts.append(len(b).to_bytes(4, "little") + b)
        return datatype, b"".join(parts)
    if None in values and datatype != "FP64":
        datatype = "FP64"
    if datatype == "FP64":
        arr = np.array([np.nan if v is None else v for v in values], dtype="<f8")
    else:
        arr = np.array(values, dtype=_V2_NUMPY.get(datatype, "<f8"))
    return datatype, arr.tobytes()


def score_v2(compiled, body: bytes, model_name: str, version,
             header_length=None, content_type: str | None = None) -> tuple[int, dict]:
    """``infer``: JSON tensors, or with ``header_length`` (the
    ``Inference-Header-Content-Length`` header) the binary tensor data extension, as
    ``tritonclient`` sends by default."""
    check_content_type(content_type, "the infer route", also=("application/octet-stream",))
    name, spec = _single_input(compiled, "Open Inference")
    head, binary = _split_binary(body, header_length)
    doc = parse_json(head)
    if not isinstance(doc, dict) or not isinstance(doc.get("inputs"), list):
        raise RequestError('The inference request must be a JSON object with "inputs": a list of '
                           'tensors {"name", "shape", "datatype", "data"}, one per column.')
    if "id" in doc and not isinstance(doc["id"], str):
        raise RequestError('"id" must be a string (it comes back in the response).')
    params = {} if doc.get("parameters") is None else doc["parameters"]
    if not isinstance(params, dict):
        raise RequestError('"parameters" must be an object.')
    unknown = [k for k in params if k not in V2_REQUEST_PARAMETERS]
    if unknown:
        raise RequestError(f"Unknown request parameter {unknown[0]!r}; this model takes "
                           f"{', '.join(map(repr, V2_REQUEST_PARAMETERS))}.")
    binary_out = params.get("binary_data_output") is True
    cols, n = {}, None
    offset = 0
    for i, t in enumerate(doc["inputs"]):
        where = f"inputs[{i}]"
        if not isinstance(t, dict):
            raise RequestError(f"{where} must be a tensor object.")
        tparams = {} if t.get("parameters") is None else t["parameters"]
        if not isinstance(tparams, dict):
            raise RequestError(f"{where}.parameters must be an object.")
        size = tparams.get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise RequestError(f"{where}.parameters.binary_data_size must be a byte count.")
            if "data" in t:
                raise RequestError(f"{where} has both \"data\" and binary data; send one.")
            if offset + size > len(binary):
                raise RequestError(f"{where}: the body has {len(binary) - offset} bytes of binary "
                                   f"data left, but binary_data_size is {size}. Send the JSON "
                                   "part's length in the Inference-Header-Content-Length header.")
            t = {**t, "data": _binary_values(binary[offset:offset + size],
                                             str(t.get("datatype")), where)}
            offset += size
        for key in ("name", "shape", "datatype", "data"):
            if key not in t:
                raise RequestError(f"{where} has no {key!r}.")
        tname = t["name"]
        if not isinstance(tname, str) or not isinstance(t["datatype"], str):
            raise RequestError(f"{where}.name and {where}.datatype must be strings.")
        col = spec.by_name.get(tname)
        if col is None and not spec.open:
            raise spec.unknown_column(tname, where)
        shape = t["shape"]
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape) or not shape:
            raise RequestError(f"{where}.shape must be a list of non-negative integers, e.g. [2] or "
                               "[2, 1].")
        data = _flatten(t["data"], where)
        size = 1
        for s in shape:
            size *= s
        if size != len(data):
            raise RequestError(f"{where} ({tname!r}) has shape {shape} ({size} values) but "
                               f"{len(data)} values.")
        if len(shape) > 1 and any(s != 1 for s in shape[1:]):
            raise RequestError(f"{where} ({tname!r}) must have one value per row: shape [n] or "
                               "[n, 1].")
        kind = col.kind if col is not None else "string"
        dt = t["datatype"]
        if dt not in _V2_ACCEPT.get(kind, {"BYTES"}):
            raise RequestError(f"{where} ({tname!r}) has datatype {dt!r}; column {tname!r} holds "
                               f"{kind} values: use {V2_TYPES.get(kind, 'BYTES')}.",
                               details={"column": tname, "expected": V2_TYPES.get(kind)})
        if kind in ("integer", "double") and dt.startswith("FP"):
            data = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in data]
        if n is None:
            n = shape[0]
        elif shape[0] != n:
            raise RequestError(f"{where} ({tname!r}) has {shape[0]} rows; the first input has {n}.")
        if tname in cols:
            raise RequestError(f"{where}: column {tname!r} is given twice.")
        cols[tname] = data
    if offset != len(binary):
        raise RequestError(f"The body has {len(binary) - offset} bytes of binary data that no "
                           "input's binary_data_size accounts for.")
    cols, n = tables.columns_from_lists(spec, cols, n or 0, "The inference request")
    wanted = None
    binary_wanted = set()
    if doc.get("outputs") is not None:
        if not isinstance(doc["outputs"], list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str)
                                                          for o in doc["outputs"]):
            raise RequestError('"outputs" must be a list of {"name": ...} objects.')
        wanted = [o["name"] for o in doc["outputs"]]
        for o in doc["outputs"]:
            op = {} if o.get("parameters") is None else o["parameters"]
            if not isinstance(op, dict):
                raise RequestError(f"outputs: the parameters of {o['name']!r} must be an object.")
            if op.get("binary_data") is True:
                binary_wanted.add(o["name"])
    elif binary_out:
        binary_wanted = None   # every output
    out = compiled.score({name: (cols, n)})
    names, values = out[compiled.output_names[0]]
    kinds = {c["name"]: c["kind"] for c in compiled.output_columns.get(compiled.output_names[0]) or []}
    by = dict(zip(names, values))
    if wanted is not None:
        missing = [w for w in wanted if w not in by]
        if missing:
            raise RequestError(f"Unknown output {missing[0]!r}; the outputs are: "
                               f"{', '.join(map(repr, names))}.")
        names = wanted
    outputs = []
    for c in names:
        vals = by[c]
        kind = kinds.get(c) or _guess_kind(vals)
        if kind == "integer" and any(isinstance(v, float) for v in vals):
            kind = "double"
        outputs.append({"name": c, "datatype": V2_TYPES.get(kind, "BYTES"), "shape": [len(vals)],
                        "data": vals})
    raw = []
    for o in outputs:
        if binary_wanted is None or o["name"] in binary_wanted:
            o["datatype"], data = _binary_tensor(o.pop("data"), o["datatype"])
            o["parameters"] = {"binary_data_size": len(data)}
            raw.append(data)
    resp = {"model_name": model_name, "model_version": str(version), "outputs": outputs}
    if getattr(out, "removed", None):
        # an endpoint deployed with removed_rows="report": parameters are scalars here
        resp["parameters"] = {"removed_rows": ",".join(str(r["row"]) for r in out.removed),
                              "removed_rows_reasons": json.dumps(out.removed)}
    if "id" in doc:
        resp["id"] = doc["id"]
    if raw:
        return 200, BinaryAnswer(resp, b"".join(raw))
    return 200, resp


def v2_model_config(compiled, model_name: str) -> dict:
    """The model configuration (``GET v2/models/<m>/config``) as Triton's clients read it."""
    meta = v2_model_metadata(compiled, model_name, "")

    def tensor(t):
        return {"name": t["name"], "data_type": f"TYPE_{'STRING' if t['datatype'] == 'BYTES' else t['datatype']}",
                "dims": [-1]}

    return {"name": model_name, "platform": "jupyter-designer", "backend": "jupyter-designer",
            "max_batch_size": 0, "input": [tensor(t) for t in meta["inputs"]],
            "output": [tensor(t) for t in meta["outputs"]]}


def _guess_kind(values) -> str:
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "integer"
        if isinstance(v, float):
            return "double"
        return "string"
    return "double"
