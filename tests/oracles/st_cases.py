"""Safetensors test inputs shared by st_diff_test.py and st_make_corpus.py.

hostile_cases(): hand-made files, valid and invalid, each with the verdict
safetensors 0.8.0 gives and, where swerl deliberately differs, why.
seed_files(): small valid files to mutate. mutate(): one random mutation.
"""

import json
import struct

import numpy as np

# Our verdict differs from Python's on purpose for these (lib/swerl/st/reader.h).
DIFF_DUPLICATE = "duplicate names or metadata keys (Python keeps the last)"
DIFF_INT63 = "shape entry above 2^63 - 1"
DIFF_DTYPE_MAP = "dtype written as a map"
DIFF_NEG_ZERO = "the integer -0 in an ignored field"
DIFF_BIGINT = "an integer beyond 64 bits in an ignored field"

# Substrings of our error messages for each deliberate difference, so that a
# random mutation hitting one is recognised.
DIFF_MESSAGES = {
    DIFF_DUPLICATE: ["duplicate tensor name", "duplicate \"__metadata__\" key"],
    DIFF_INT63: ["exceeds 2^63 - 1"],
    DIFF_DTYPE_MAP: ["\"dtype\" must be a string"],
    DIFF_NEG_ZERO: ["integer -0"],
    DIFF_BIGINT: ["Problem while parsing a number"],
}


def raw(header, data=b"", n=None):
    """8-byte little-endian length, header, data."""
    if isinstance(header, str):
        header = header.encode()
    elif not isinstance(header, bytes):
        header = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(header) if n is None else n) + header + data


def entry(dtype="F32", shape=(1,), offsets=(0, 4), **extra):
    out = {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}
    out.update(extra)
    return out


def tensor_json(extra):
    return '{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":%s}}' % extra


def hostile_cases():
    """name -> (bytes, deliberate difference or None)."""
    z4 = b"\0" * 4
    c = {
        "empty_file": b"",
        "short_length": b"\x02\0\0\0",
        "zero_header": struct.pack("<Q", 0),
        "empty_object": raw("{}"),
        "padded_object": raw("{}      "),
        "leading_whitespace": raw(" \n\t{}\r"),
        "array_header": raw("[]"),
        "null_header": raw("null"),
        "string_header": raw('"x"'),
        "trailing_garbage": raw("{} x"),
        "nul_padding": raw(b"{}\0\0"),
        "formfeed_padding": raw(b"{}\x0c"),
        "bom": raw(b"\xef\xbb\xbf{}"),
        "trailing_bytes": raw("{}", b"\0"),
        "one_tensor": raw({"a": entry()}, z4),
        "rank0": raw({"a": entry(shape=())}, z4),
        "empty_tensor": raw({"a": entry(shape=(0,), offsets=(0, 0))}),
        "two_empty_same_offset": raw({"a": entry(shape=(0,), offsets=(0, 0)),
                                      "b": entry(shape=(0, 3), offsets=(0, 0))}),
        "empty_between": raw({"a": entry(), "e": entry(shape=(2, 0), offsets=(4, 4)),
                              "b": entry(offsets=(4, 8))}, b"\0" * 8),
        "hole": raw({"a": entry(offsets=(0, 4)), "b": entry(offsets=(8, 12))}, b"\0" * 12),
        "overlap": raw({"a": entry(offsets=(0, 4)), "b": entry(offsets=(2, 6))}, b"\0" * 6),
        "first_not_zero": raw({"a": entry(offsets=(4, 8))}, b"\0" * 8),
        "end_before_begin": raw({"a": entry(shape=(0,), offsets=(4, 0))}),
        "truncated_data": raw({"a": entry()}, b"\0" * 2),
        "size_mismatch": raw({"a": entry(shape=(2,))}, z4),
        "metadata_ok": raw({"__metadata__": {"format": "pt", "k": ""}}),
        "metadata_null": raw({"__metadata__": None}),
        "metadata_empty": raw({"__metadata__": {}}),
        "metadata_int": raw({"__metadata__": {"a": 1}}),
        "metadata_null_value": raw({"__metadata__": {"a": None}}),
        "metadata_array": raw({"__metadata__": []}),
        "metadata_nested": raw({"__metadata__": {"a": {}}}),
        "metadata_tensor_like": raw({"__metadata__": entry(shape=(0,), offsets=(0, 0))}),
        "metadata_after_tensors": raw('{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},'
                                      '"__metadata__":{"x":"y"}}'),
        "metadata_twice": raw('{"__metadata__":{"a":"b"},"__metadata__":{"a":"c"}}'),
        "metadata_null_twice": raw('{"__metadata__":null,"__metadata__":null}'),
        "unknown_dtype": raw({"a": entry(dtype="F128")}, z4),
        "lowercase_dtype": raw({"a": entry(dtype="f32")}, z4),
        "dtype_null": raw({"a": entry(dtype=None)}, z4),
        "shape_negative": raw({"a": entry(shape=(-1,))}, z4),
        "shape_float": raw('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', z4),
        "shape_exponent": raw('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', z4),
        "shape_negative_zero": raw('{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}'),
        "shape_string": raw({"a": entry(shape=("1",))}, z4),
        "shape_null": raw('{"a":{"dtype":"U8","shape":null,"data_offsets":[0,0]}}'),
        "shape_object": raw('{"a":{"dtype":"U8","shape":{},"data_offsets":[0,0]}}'),
        "shape_nested": raw('{"a":{"dtype":"U8","shape":[[1]],"data_offsets":[0,1]}}', b"\0"),
        "shape_2_64": raw('{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}'),
        "shape_2_63_bytes": raw('{"a":{"dtype":"U8","shape":[9223372036854775808],'
                                '"data_offsets":[0,9223372036854775808]}}'),
        "numel_overflow": raw('{"a":{"dtype":"U8","shape":[4294967296,4294967296,0],'
                              '"data_offsets":[0,0]}}'),
        "numel_zero_first": raw('{"a":{"dtype":"U8","shape":[0,4294967296,4294967296],'
                                '"data_offsets":[0,0]}}'),
        "bits_overflow": raw('{"a":{"dtype":"F32","shape":[4611686018427387904],'
                             '"data_offsets":[0,0]}}'),
        "offsets_three": raw({"a": entry(offsets=(0, 4, 4))}, z4),
        "offsets_one": raw({"a": entry(offsets=(0,))}, z4),
        "offsets_object": raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":{"0":0}}}', z4),
        "offsets_float": raw('{"a":{"dtype":"U8","shape":[0],"data_offsets":[0.0,0]}}'),
        "offsets_negative": raw('{"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,0]}}'),
        "offsets_u64_max": raw('{"a":{"dtype":"U8","shape":[0],"data_offsets":'
                               '[18446744073709551615,18446744073709551615]}}'),
        "offsets_wrap": raw('{"a":{"dtype":"U8","shape":[18446744073709551600],'
                            '"data_offsets":[0,18446744073709551600]}}'),
        "missing_field": raw({"a": {"dtype": "F32", "shape": [1]}}, z4),
        "duplicate_field": raw('{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', z4),
        "tensor_not_object": raw({"a": 5}),
        "top_level_number": raw('{"a":1}'),
        "f4_odd": raw({"a": entry(dtype="F4", shape=(3,), offsets=(0, 1))}, b"\0"),
        "f4_even": raw({"a": entry(dtype="F4", shape=(4,), offsets=(0, 2))}, b"\0" * 2),
        "f6_four": raw({"a": entry(dtype="F6_E2M3", shape=(4,), offsets=(0, 3))}, b"\0" * 3),
        "f6_three": raw({"a": entry(dtype="F6_E3M2", shape=(3,), offsets=(0, 2))}, b"\0" * 3),
        "e8m0": raw({"a": entry(dtype="F8_E8M0", shape=(3,), offsets=(0, 3))}, b"\0" * 3),
        "fnuz": raw({"a": entry(dtype="F8_E4M3FNUZ", shape=(1,), offsets=(0, 1)),
                     "b": entry(dtype="F8_E5M2FNUZ", shape=(1,), offsets=(1, 2))}, b"\0" * 2),
        "c64": raw({"a": entry(dtype="C64", shape=(1,), offsets=(0, 8))}, b"\0" * 8),
        "bad_utf8": raw(b'{"\xff":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "bad_utf8_padding": raw(b'{}\xc3'),
        "lone_surrogate": raw('{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "surrogate_pair": raw('{"\\ud83d\\ude00":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "escaped_nul_name": raw('{"a\\u0000b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "raw_tab_in_name": raw('{"a\tb":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "escaped_key": raw('{"\\u0061":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
        "escaped_dtype": raw('{"a":{"dtype":"\\u0055\\u0038","shape":[0],"data_offsets":[0,0]}}'),
        "escaped_metadata_key": raw('{"\\u005f_metadata__":{"a":"b"}}'),
        "empty_name": raw({"": entry(shape=(0,), offsets=(0, 0))}),
        "header_over_limit": raw("{}", n=100_000_001),
        "header_at_limit_short_file": raw("{}", n=100_000_000),
        "header_past_end": raw("{}", n=16),
        "header_u64_max": raw("{}", n=2**64 - 1),
        "header_2_63": raw("{}", n=2**63),
        "comment": raw("{/*x*/}"),
        "extra_fields": raw({"a": entry(foo=[1, {"x": 2}], bar="s")}, z4),
        "extra_1e400": raw(tensor_json("1e400")),
        "extra_neg_1e400": raw(tensor_json("-1e400")),
        "extra_1e_minus_400": raw(tensor_json("1e-400")),
        "extra_1e308": raw(tensor_json("1e308")),
        "extra_duplicate_keys": raw(tensor_json('{"k":1,"k":2}')),
        "extra_lone_surrogate": raw(tensor_json('"\\udc00"')),
        "extra_bad_escape": raw(tensor_json('"\\x"')),
        "extra_raw_tab": raw(tensor_json('"a\tb"')),
        "extra_del": raw(tensor_json('"a\x7fb"')),
        "extra_nan": raw(tensor_json("NaN")),
        "extra_leading_zero": raw(tensor_json("01")),
        "extra_true": raw(tensor_json("true")),
        "depth_127": raw(tensor_json("[" * 125 + "]" * 125)),
        "depth_128": raw(tensor_json("[" * 126 + "]" * 126)),
        "depth_200": raw(tensor_json("[" * 200 + "]" * 200)),
    }
    cases = {name: (data, None) for name, data in c.items()}
    # Python accepts these; we refuse them on purpose.
    cases["duplicate_names_same_offsets"] = (
        raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
            '"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0"), DIFF_DUPLICATE)
    cases["duplicate_names_other_offsets"] = (
        raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
            '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"\0\0"), None)
    cases["duplicate_metadata_key"] = (raw('{"__metadata__":{"a":"b","a":"c"}}'), DIFF_DUPLICATE)
    cases["shape_above_int63_zero_size"] = (
        raw('{"a":{"dtype":"U8","shape":[0,18446744073709551615],"data_offsets":[0,0]}}'),
        DIFF_INT63)
    cases["dtype_as_map"] = (raw({"a": entry(dtype={"F32": None})}, z4), DIFF_DTYPE_MAP)
    cases["extra_negative_zero"] = (raw(tensor_json("-0")), DIFF_NEG_ZERO)
    cases["extra_bigint"] = (raw(tensor_json("123456789012345678901234567890")), DIFF_BIGINT)
    cases["extra_negative_bigint"] = (raw(tensor_json("-123456789012345678901234567890")),
                                      DIFF_BIGINT)
    return cases


def seed_files():
    """Small valid files (numpy writer) covering metadata, ranks and dtypes."""
    import safetensors.numpy as snp

    rng = np.random.default_rng(7)
    seeds = [
        snp.save({"w": np.arange(6, dtype=np.float32).reshape(2, 3),
                  "b": np.array([1, -1], dtype=np.int8),
                  "s": np.array(3.5, dtype=np.float64),
                  "e": np.zeros((0, 2), dtype=np.int16)}, metadata={"format": "pt"}),
        snp.save({"x": rng.integers(0, 255, size=(3, 2, 2), dtype=np.uint8)}),
        snp.save({"é\"\n": np.array([True, False]), "m": np.ones(3, dtype=np.uint64)},
                 metadata={"k": "v", "a": "\u00e9"}),
        raw({"a": entry(dtype="F4", shape=(4,), offsets=(0, 2)),
             "b": entry(dtype="BF16", shape=(1,), offsets=(2, 4))}, b"\x12\x34\x56\x78"),
    ]
    return seeds


_TOKENS = ["0", "1", "-1", "-0", "2", "4", "8", "1.0", "1e2", "18446744073709551615",
           "18446744073709551616", "9223372036854775808", "null", "true", "\"\"", "[]", "{}",
           "\"F32\"", "\"U8\"", "\"F4\"", "\"__metadata__\"", ",", ":", "[", "]", "{", "}", "\"",
           "\\", "\\u0000", " ", "\t", "\n", "\x7f", "\xc3\xa9"]


def _header_mutation(rng, header):
    text = header
    kind = rng.integers(0, 9)
    if kind == 0 and text:  # delete a span
        i = int(rng.integers(0, len(text)))
        j = min(len(text), i + int(rng.integers(1, 4)))
        return text[:i] + text[j:]
    if kind == 1:  # insert a token
        i = int(rng.integers(0, len(text) + 1))
        return text[:i] + _TOKENS[int(rng.integers(0, len(_TOKENS)))] + text[i:]
    if kind == 2:  # replace a number
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        if digits:
            i = digits[int(rng.integers(0, len(digits)))]
            j = i
            while j < len(text) and text[j].isdigit():
                j += 1
            while i > 0 and text[i - 1].isdigit():
                i -= 1
            return text[:i] + _TOKENS[int(rng.integers(0, 12))] + text[j:]
    if kind == 3:  # swap two dtypes
        for old, new in (("F32", "I32"), ("U8", "I8"), ("F32", "F16"), ("I8", "BOOL"),
                         ("F64", "C64"), ("BF16", "F4"), ("F4", "F6_E2M3"), ("U64", "I64")):
            if old in text and rng.random() < 0.5:
                return text.replace(old, new, 1)
    if kind == 4:  # duplicate a key
        key_start = text.find("\"", 1)
        if key_start > 0:
            key_end = text.find("\"", key_start + 1)
            obj_end = text.find("}", key_end)
            if key_end > 0 and obj_end > 0:
                return text[:-1] + "," + text[key_start:obj_end + 1] + "}"
    if kind == 5:  # whitespace padding
        return (" " * int(rng.integers(0, 3))) + text + (" " * int(rng.integers(0, 9)))
    if kind == 6:  # add an unknown field or metadata
        extra = ['"x":-0', '"x":1e400', '"x":[[[]]]', '"x":123456789012345678901234567890',
                 '"x":{"k":1,"k":1}', '"x":"\\ud800"']
        i = text.find("\"dtype\"")
        if i > 0:
            return text[:i] + extra[int(rng.integers(0, len(extra)))] + "," + text[i:]
    if kind == 7:  # change one character
        if text:
            i = int(rng.integers(0, len(text)))
            return text[:i] + chr(int(rng.integers(32, 127))) + text[i + 1:]
    return text.replace("__metadata__", "__metadata_") if rng.random() < 0.5 else text


def mutate(rng, data):
    """One random mutation of a safetensors file (bytes -> bytes)."""
    if len(data) < 8:
        return data + bytes(int(rng.integers(0, 9)))
    n = struct.unpack("<Q", data[:8])[0]
    header = data[8:8 + n].decode("utf-8", "surrogateescape")
    body = data[8 + n:]
    kind = rng.integers(0, 10)
    if kind < 6:
        new_header = _header_mutation(rng, header).encode("utf-8", "surrogateescape")
        return struct.pack("<Q", len(new_header)) + new_header + body
    if kind == 6:  # truncate
        return data[:int(rng.integers(0, len(data) + 1))]
    if kind == 7:  # append or drop data bytes
        if body and rng.random() < 0.5:
            return data[:-int(rng.integers(1, len(body) + 1))]
        return data + bytes(int(rng.integers(1, 9)))
    if kind == 8:  # change the length prefix
        delta = int(rng.choice([-9, -8, -1, 1, 8, 9, 1 << 20, 1 << 40]))
        return struct.pack("<Q", max(0, n + delta) % (1 << 64)) + data[8:]
    out = bytearray(data)  # flip a byte
    if out:
        i = int(rng.integers(0, len(out)))
        out[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)
