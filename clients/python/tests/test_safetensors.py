"""The safetensors writer/reader and the checkpoint parts, against the format and the Java side."""

import json
import struct
import unittest
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

from weightcast import safetensors as st

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The metadata and values MakeFixtures.java writes with the Java core (SafeTensorsWriter).
FIXTURE_META = OrderedDict([
    ("run_id", "fixture-1"), ("step", "3"), ("planned_steps", "18"), ("framework", "pytorch"),
    ("activation", "relu"), ("study", "digits"),
    ("metrics", '{"val_acc":0.5,"dead_fraction/conv1":0.125}'), ("layers", "conv1,dense")])


def fixture_values(n, dtype, shape):
    return torch.tensor([((i * 37) % 101) / 8.0 - 6 for i in range(n)], dtype=torch.float64).to(dtype).reshape(shape)


def fixture_state():
    return OrderedDict([
        ("conv1.weight", fixture_values(144, torch.float32, (16, 1, 3, 3))),
        ("conv1.bias", fixture_values(16, torch.float16, (16,))),
        ("dense.weight", fixture_values(160, torch.bfloat16, (10, 16))),
        ("dense.bias", fixture_values(10, torch.float64, (10,)))])


def header_of(data):
    (n,) = struct.unpack_from("<Q", data, 0)
    return n, json.loads(data[8:8 + n])


class RoundTripTest(unittest.TestCase):
    def test_every_float_dtype_round_trips_bit_exactly(self):
        g = torch.Generator().manual_seed(3)
        for dtype, name in [(torch.float32, "F32"), (torch.float16, "F16"), (torch.bfloat16, "BF16"),
                            (torch.float64, "F64")]:
            with self.subTest(dtype=name):
                x = (torch.randn(5, 3, 2, generator=g) * 10).to(dtype)
                x.view(-1)[0] = float("nan")
                x.view(-1)[1] = float("-inf")
                data = st.save_state_dict({"w": x, "b": x[0, 0]}, {"k": "v"})
                f = st.load(data)
                self.assertEqual(f["w"].dtype, name)
                self.assertEqual(f["w"].shape, (5, 3, 2))
                back = f["w"].torch()
                self.assertEqual(back.dtype, dtype)
                # compare bit patterns, so NaN and -0.0 count too
                width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
                self.assertTrue(torch.equal(back.view(width), x.contiguous().view(width)))
                self.assertTrue(np.isnan(f["w"].numpy().reshape(-1)[0]))
                self.assertEqual(f.metadata, {"k": "v"})

    def test_integer_dtypes_and_scalars_round_trip(self):
        sd = OrderedDict([("steps", torch.tensor(7)), ("i32", torch.arange(6, dtype=torch.int32).reshape(2, 3)),
                          ("mask", torch.tensor([True, False])), ("u8", torch.tensor([0, 255], dtype=torch.uint8))])
        f = st.load(st.save_state_dict(sd))
        self.assertEqual([t.dtype for t in f.tensors], ["I64", "I32", "BOOL", "U8"])
        self.assertEqual(f["steps"].shape, ())
        for k, v in sd.items():
            self.assertTrue(torch.equal(f[k].torch(), v), k)

    def test_numpy_arrays_and_non_contiguous_tensors(self):
        t = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()  # transposed view
        a = np.arange(6, dtype=">f4").reshape(2, 3)  # big-endian input is stored little-endian
        f = st.load(st.save_state_dict({"t": t, "a": a}))
        self.assertTrue(torch.equal(f["t"].torch(), t.contiguous()))
        np.testing.assert_array_equal(f["a"].numpy(), a.astype("<f4"))

    def test_tensors_are_laid_out_in_insertion_order(self):
        sd = OrderedDict([("z.weight", torch.ones(2, 2)), ("a.weight", torch.ones(3)), ("m.bias", torch.ones(1))])
        _, header = header_of(st.save_state_dict(sd, {"x": "1"}))
        self.assertEqual(list(header), ["__metadata__", "z.weight", "a.weight", "m.bias"])
        self.assertEqual([header[k]["data_offsets"] for k in sd], [[0, 16], [16, 28], [28, 32]])
        self.assertEqual(st.load(st.save_state_dict(sd)).names(), list(sd))


class HeaderTest(unittest.TestCase):
    def test_header_is_padded_with_spaces_to_a_multiple_of_8(self):
        for name in ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"]:
            data = st.save_state_dict({name: torch.zeros(1)}, {"run_id": name})
            n, header = header_of(data)
            self.assertEqual(n % 8, 0, name)
            text = data[8:8 + n]
            self.assertEqual(text.rstrip(b" "), text.rstrip())
            self.assertLess(len(text) - len(text.rstrip(b" ")), 8)
            self.assertEqual(len(data), 8 + n + 4)
            self.assertEqual(header["__metadata__"], {"run_id": name})

    def test_metadata_must_be_strings(self):
        with self.assertRaises(TypeError):
            st.save_state_dict({"w": torch.zeros(1)}, {"step": 3})

    def test_no_metadata_means_no_metadata_entry(self):
        _, header = header_of(st.save_state_dict({"w": torch.zeros(1)}))
        self.assertNotIn("__metadata__", header)


class ReaderRejectsTest(unittest.TestCase):
    def setUp(self):
        self.good = st.save_state_dict({"w": torch.ones(2, 2)}, {"a": "b"})

    def assertRejected(self, data, fragment):
        with self.assertRaises(st.SafeTensorsFormatError) as ctx:
            st.load(data)
        self.assertIn(fragment, str(ctx.exception))

    def test_truncated_input(self):
        self.assertRejected(b"\x01\x02", "truncated")
        self.assertRejected(self.good[:-1], "truncated")

    def test_trailing_bytes(self):
        self.assertRejected(self.good + b"\x00" * 4, "trailing bytes")

    def test_bad_header(self):
        bad = struct.pack("<Q", 8) + b"not json"
        self.assertRejected(bad, "does not start with '{'")
        bad = struct.pack("<Q", 8) + b"{bad    "
        self.assertRejected(bad, "not valid JSON")

    def test_wrong_byte_count_for_the_shape(self):
        header = json.dumps({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}).encode()
        header += b" " * (-len(header) % 8)
        self.assertRejected(struct.pack("<Q", len(header)) + header + b"\x00" * 8, "needs 12")

    def test_duplicate_tensor_names(self):
        header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
        self.assertRejected(struct.pack("<Q", len(header)) + header + b"\x00" * 4, "duplicate")


class JavaCompatibilityTest(unittest.TestCase):
    """Fixtures written by the Java core (tests/fixtures/MakeFixtures.java)."""

    def test_writer_output_is_byte_identical_to_the_java_writer(self):
        expected = (FIXTURES / "java_written.safetensors").read_bytes()
        self.assertEqual(st.save_state_dict(fixture_state(), FIXTURE_META), expected)

    def test_reads_the_java_file(self):
        f = st.load((FIXTURES / "java_written.safetensors").read_bytes())
        self.assertEqual(f.metadata, dict(FIXTURE_META))
        for name, value in fixture_state().items():
            self.assertTrue(torch.equal(f[name].torch(), value), name)

    def test_split_is_byte_identical_to_java_checkpoint_parts(self):
        state = OrderedDict([("embed.weight", fixture_values(1024, torch.float32, (64, 16)))] + list(fixture_state().items()))
        whole = st.save_state_dict(state, FIXTURE_META)
        self.assertEqual(whole, (FIXTURES / "java_split_input.safetensors").read_bytes())
        java_parts = sorted(FIXTURES.glob("java_split_part*.safetensors"))
        parts = st.split(whole, 5000)
        self.assertEqual(len(parts), len(java_parts))
        for mine, theirs in zip(parts, java_parts):
            self.assertEqual(mine, theirs.read_bytes(), theirs.name)

    def test_merges_java_parts_in_any_order(self):
        parts = [p.read_bytes() for p in sorted(FIXTURES.glob("java_split_part*.safetensors"))]
        merged = st.load(st.merge(list(reversed(parts))))
        self.assertEqual(merged.metadata, dict(FIXTURE_META))
        self.assertEqual(merged.names(), ["embed.weight", "conv1.weight", "conv1.bias", "dense.weight", "dense.bias"])
        self.assertTrue(torch.equal(merged["embed.weight"].torch(), fixture_values(1024, torch.float32, (64, 16))))


class SplitTest(unittest.TestCase):
    def state(self):
        g = torch.Generator().manual_seed(1)
        return OrderedDict([("big.weight", torch.randn(300, 100, generator=g)),  # 120 KB: chunked
                            ("mid.weight", torch.randn(40, 50, generator=g).half()),
                            ("mid.bias", torch.randn(40, generator=g).bfloat16()),
                            ("scalar", torch.tensor(2.5, dtype=torch.float64)),
                            ("row", torch.randn(1, 9000, generator=g))])  # one row larger than a part: kept whole

    def test_small_checkpoints_are_not_split(self):
        data = st.save_state_dict({"w": torch.ones(3)}, {"run_id": "r"})
        self.assertEqual(st.split(data, 1 << 20), [data])

    def test_split_then_merge_yields_identical_tensors(self):
        state = self.state()
        data = st.save_state_dict(state, {"run_id": "r", "step": "2"})
        parts = st.split(data, 32 * 1024)
        self.assertGreater(len(parts), 3)
        chunk_names = []
        for i, p in enumerate(parts):
            f = st.load(p)  # every part is a valid file of its own
            self.assertEqual(f.metadata, {"run_id": "r", "step": "2", "part": str(i), "parts": str(len(parts))})
            chunk_names += [n for n in f.names() if "#chunk=" in n]
            if "row" not in f.names():
                self.assertLessEqual(len(p), 32 * 1024)
        self.assertTrue(all(n.startswith("big.weight#chunk=") for n in chunk_names))
        self.assertTrue(chunk_names[-1].endswith(f"/{len(chunk_names)}"))
        merged = st.load(st.merge(parts[::-1]))
        self.assertEqual(merged.metadata, {"run_id": "r", "step": "2"})
        self.assertEqual(merged.names(), list(state))
        for name, value in state.items():
            self.assertTrue(torch.equal(merged[name].torch(), value), name)
        self.assertEqual(st.merge(parts), data)


if __name__ == "__main__":
    unittest.main()
