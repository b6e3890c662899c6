"""Checks of the training tools (tools/train): fixed-point arithmetic, the
exporter (our reader and, when installed, Arm NN), near-miss generation, word
location and the quantization range."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train"))

import augment  # noqa: E402
import dataset  # noqa: E402
import features  # noqa: E402
import intsim  # noqa: E402
import model as model_lib  # noqa: E402
import quantize  # noqa: E402
import synth  # noqa: E402
import tflite_export  # noqa: E402


class FixedPoint(unittest.TestCase):
    def test_srdhm_matches_exact_rounding(self):
        rng = np.random.default_rng(0)
        a = rng.integers(-(2**31), 2**31, 2000)
        b = rng.integers(0, 2**31, 2000)
        got = intsim.srdhm(a, b)
        # Reference with Python integers: round-half-away-from-zero of a*b/2^31.
        for x, y, g in zip(a[:200], b[:200], got[:200]):
            p = int(x) * int(y)
            nudge = (1 << 30) if p >= 0 else 1 - (1 << 30)
            q = p + nudge
            want = q // (1 << 31) if q >= 0 else -((-q) // (1 << 31))
            self.assertEqual(int(g), want)
        self.assertEqual(int(intsim.srdhm(-(2**31), -(2**31))), 2**31 - 1)

    def test_rounding_divide_by_pot_rounds_half_away_from_zero(self):
        self.assertEqual(list(intsim.rdbpot(np.array([5, -5, 6, -6, 7, -7]), 1)), [3, -3, 3, -3, 4, -4])
        self.assertEqual(list(intsim.rdbpot(np.array([12, -12, 13]), 3)), [2, -2, 2])

    def test_quantize_multiplier_reconstructs(self):
        for m in (0.0003, 0.25, 0.9999999, 1.5, 123.4):
            q, s = intsim.quantize_multiplier(m)
            self.assertAlmostEqual(q * 2.0 ** (s - 31), m, delta=m * 1e-8)
            self.assertTrue(2**30 <= q < 2**31)

    def test_int8_softmax_close_to_float(self):
        rng = np.random.default_rng(1)
        x = rng.integers(-128, 128, (300, 4))
        scale = 0.12
        got = (intsim.softmax_int8(x, scale) + 128) / 256.0
        e = np.exp((x - x.max(1, keepdims=True)) * scale)
        want = e / e.sum(1, keepdims=True)
        self.assertLessEqual(np.abs(got - want).max(), 1.5 / 256)
        self.assertTrue(np.all(got.argmax(1) == want.argmax(1)) or np.abs(got - want).max() < 1.5 / 256)


def _tiny_model(seed=0, tc=False):
    import torch
    torch.manual_seed(seed)
    cfg = {"channels": 8, "first_kernel": (4, 3), "first_stride": (2, 2), "blocks": [(1, 1), (2, 2)]}
    if tc == "valid":  # streaming form (tc1v): every conv VALID in time, a dilated block; 13 -> 6 -> 4 -> 2 rows
        net = model_lib.TCNet(13, 10, 3, {"channels": 8, "first_kernel": 3, "first_stride": 2,
                                          "time_padding": "VALID", "blocks": [(3, 1), (2, 1, 2)]})
    elif tc:
        net = model_lib.TCNet(13, 10, 3, {"channels": 8, "first_kernel": 3, "first_stride": 2, "blocks": [(3, 1), (3, 2)]})
    else:
        net = model_lib.DSCNN(13, 10, 3, cfg)
    for m in net.body:  # non-trivial batch-norm statistics
        m["bn"].running_mean.uniform_(-0.2, 0.2)
        m["bn"].running_var.uniform_(0.5, 2.0)
    net.eval()
    return net


class Export(unittest.TestCase):
    tc = False

    def setUp(self):
        self.net = _tiny_model(tc=self.tc)
        self.rng = np.random.default_rng(2)
        self.xq = self.rng.integers(-128, 128, (64, 13, 10)).astype(np.int8)
        self.scale, self.zp = 0.05, -10
        x = (self.xq.astype(np.float64) - self.zp) * self.scale
        self.layers = self.net.to_layers()
        self.q = quantize.quantize(self.layers, x, self.scale, self.zp)

    def test_folded_layers_match_torch(self):
        import torch
        x = (self.xq.astype(np.float32) - self.zp) * self.scale
        with torch.no_grad():
            want = torch.softmax(self.net(torch.from_numpy(x)), 1).numpy()
        got = intsim.run_float(self.layers, x)
        self.assertLess(np.abs(got - want).max(), 1e-5)

    def test_int8_close_to_float(self):
        x = (self.xq.astype(np.float64) - self.zp) * self.scale
        pf = intsim.run_float(self.layers, x)
        p8 = (intsim.run_int8(self.q, self.xq).astype(np.float64) + 128) / 256
        self.assertLess(np.abs(pf - p8).mean(), 0.03)

    def test_metadata_round_trip_and_armnn(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.tflite")
            text = "kwsd_metadata=1\nlabels=a,b,c\n"
            n = tflite_export.export(self.q, 13, 10, text, path)
            self.assertGreater(n, 1000)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8)[4:8], b"TFL3")
            self.assertEqual(tflite_export.read_metadata(path), text)
            try:
                subprocess.run(["/usr/bin/python3", "-c", "import pyarmnn"], check=True, capture_output=True)
            except (subprocess.CalledProcessError, FileNotFoundError):
                self.skipTest("python3-pyarmnn not installed")
            sim = intsim.run_int8(self.q, self.xq)
            np.save(os.path.join(d, "x.npy"), self.xq)
            np.save(os.path.join(d, "y.npy"), sim)
            chk = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train", "armnn_check.py")
            cmd = ["/usr/bin/python3", chk, path, os.path.join(d, "x.npy"), os.path.join(d, "y.npy")]
            if self.tc:  # the shipped architecture: Arm NN must equal its own arithmetic bit for bit
                np.save(os.path.join(d, "q.npy"), np.array(self.q, dtype=object), allow_pickle=True)
                cmd += ["--qlayers", os.path.join(d, "q.npy")]
            p = subprocess.run(cmd, capture_output=True, text=True)
            self.assertIn("same class", p.stdout, p.stderr[-2000:])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr[-500:])

    def test_cpp_runtime_equals_intsim(self):
        # The C++ interpreter on the exported file must give intsim's int8 outputs bit for bit
        # (tests/nn/intsim_parity_test.cc; KWS_NN_PARITY_TEST is set by CTest, else build/*/bin).
        exe = _parity_test_binary()
        if exe is None:
            self.skipTest("nn_intsim_parity_test not built")
        with tempfile.TemporaryDirectory() as d:
            tflite_export.export(self.q, 13, 10, "kwsd_metadata=1\n", os.path.join(d, "model.tflite"))
            with open(os.path.join(d, "inputs.bin"), "wb") as f:
                f.write(self.xq.tobytes())
            with open(os.path.join(d, "expected.bin"), "wb") as f:
                f.write(intsim.run_int8(self.q, self.xq).tobytes())
            p = subprocess.run([exe, "--gtest_filter=IntsimParity.*"], capture_output=True, text=True,
                               env=dict(os.environ, KWS_INTSIM_PARITY_DIR=d))
            self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-500:])
            self.assertIn(f"intsim parity: {len(self.xq)}/{len(self.xq)} outputs bit-exact", p.stdout)


def _parity_test_binary():
    import glob
    env = os.environ.get("KWS_NN_PARITY_TEST")
    if env:
        return env if os.access(env, os.X_OK) else None
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    cands = sorted(glob.glob(os.path.join(root, "build", "*", "bin", "nn_intsim_parity_test")),
                   key=os.path.getmtime, reverse=True)
    return next((c for c in cands if os.access(c, os.X_OK)), None)


class BackboneHead(unittest.TestCase):
    """Heads on the openWakeWord backbone (tools/train/head.py): labels, float export, bad input."""

    def test_window_labels_follow_the_phrase_end(self):
        import head
        # One phrase from 2.0 s to 2.6 s in a 10 s stream (125 embeddings, step k ends at (k+1) * 80 ms).
        ends, lab = head.window_labels(125, [[32000, 41600]])
        t = (ends + 1) * 0.08
        self.assertEqual(ends[0], 15)  # the first full window of 16
        pos = t[lab == 1]
        self.assertAlmostEqual(pos.min(), 2.56, places=6)   # 2.6 - 0.08 rounded up to a step
        self.assertAlmostEqual(pos.max(), 2.96, places=6)   # the last step <= 2.6 + 0.4
        left_out = t[lab == -1]
        self.assertAlmostEqual(left_out.min(), 2.0, places=6)
        self.assertAlmostEqual(left_out.max(), 4.16, places=6)  # the last step <= 2.6 + 1.6
        self.assertTrue(np.all(lab[(t < 2.0) | (t > 4.2)] == 0))
        _, none = head.window_labels(125, [])
        self.assertTrue(np.all(none == 0))

    def test_float_export_matches_torch_in_our_runtime(self):
        import head
        import torch
        model = head.make_model(3)
        with torch.no_grad():  # bigger weights than the default init, so the scores spread over 0..1
            for m in model:
                if hasattr(m, "weight"):
                    m.weight.mul_(3.0)
        rng = np.random.default_rng(2)
        x = rng.normal(0, 1, (24, 16, 96)).astype(np.float32)
        with torch.no_grad():
            want = torch.sigmoid(model(torch.from_numpy(x))).numpy().astype(np.float32).reshape(-1)
        self.assertGreater(want.std(), 0.05)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.tflite")
            head.export(model, "hey_robot", 0.99, path)
            meta = dict(line.split("=", 1) for line in tflite_export.read_metadata(path).splitlines())
            self.assertEqual((meta["labels"], meta["features"], meta["threshold"]), ("hey_robot", "oww_embedding", "0.99"))
            exe = _parity_test_binary()  # nn_intsim_parity_test holds the HeadParity test too
            if exe is None:
                self.skipTest("nn_intsim_parity_test not built")
            x.tofile(os.path.join(d, "inputs.bin"))
            want.tofile(os.path.join(d, "expected.bin"))
            p = subprocess.run([exe, "--gtest_filter=HeadParity.*"], capture_output=True, text=True,
                               env=dict(os.environ, KWS_HEAD_PARITY_DIR=d))
            self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-500:])
            self.assertIn("head parity: 24 inputs", p.stdout)

    def test_train_keyword_backbone_bad_input(self):
        import train_keyword
        with tempfile.TemporaryDirectory() as d:
            old = os.environ.get("KWS_BACKBONE_DIR")
            os.environ["KWS_BACKBONE_DIR"] = d  # empty folder: no backbone
            try:
                self.assertEqual(train_keyword.main(["computer", "--backbone", "--out", os.path.join(d, "m")]), 2)
            finally:
                if old is None:
                    del os.environ["KWS_BACKBONE_DIR"]
                else:
                    os.environ["KWS_BACKBONE_DIR"] = old
            self.assertFalse(os.path.exists(os.path.join(d, "m.tflite")))
        import train_head
        with self.assertRaises(train_head.TrainError):
            train_head.check_phrase("...")


class ExportTemporalConv(Export):
    """Same checks for the temporal conv net (VALID first conv over all bins)."""
    tc = True


class ExportStreamingTemporalConv(Export):
    """Same checks for the streaming form (tc1v): VALID depthwise convs in time, one dilated."""
    tc = "valid"

    def test_layers_are_valid_in_time(self):
        convs = [L for L in self.layers if L["op"] in ("conv", "dwconv")]
        self.assertEqual([L["padding"] for L in convs if L["op"] == "dwconv"], ["VALID", "VALID"])
        self.assertEqual([L["stride"][0] for L in convs], [2, 1, 1, 1, 1])
        self.assertEqual([L.get("dilation", (1, 1)) for L in convs if L["op"] == "dwconv"], [(1, 1), (2, 1)])
        _, outs = intsim.run_float(self.layers, np.zeros((1, 13, 10)), record=True)
        self.assertEqual([o.shape[1] for o in outs[:5]], [6, 4, 4, 2, 2])
        self.assertEqual(self.net.pool_hw, (2, 1))
        tc1v = model_lib.make(49, 40, 4, "tc1v")
        rows = [o.shape[1] for o in intsim.run_float(tc1v.to_layers(), np.zeros((1, 49, 40)), record=True)[1][:9:2]]
        self.assertEqual(rows, [23, 19, 15, 11, 7])
        self.assertEqual(model_lib.count_params_macs(tc1v.to_layers(), 49, 40), (30720, 524288))


class Data(unittest.TestCase):
    def test_near_misses_differ_from_phrase(self):
        orig = synth._render(synth.tokenize(synth.phonemes("computer")))
        nm = synth.near_miss_phonemes("computer", 50, 1)
        self.assertGreaterEqual(len(nm), 30)
        self.assertNotIn(orig, nm)
        self.assertEqual(nm, synth.near_miss_phonemes("computer", 50, 1))  # deterministic

    def test_locate_word_finds_burst(self):
        x = np.zeros(48000, np.float32)
        rng = np.random.default_rng(3)
        x += rng.normal(0, 1e-4, x.size).astype(np.float32)
        x[20000:30000] += 0.3 * np.sin(np.arange(10000) * 0.2).astype(np.float32)
        s, e = dataset.locate_word(x)
        self.assertLess(abs(s - 18400), 400)
        self.assertLess(abs(e - 31600), 400)
        self.assertIsNone(dataset.locate_word(np.zeros(16000, np.float32)))

    def test_realism_chain_for_synthetic_clips(self):
        # A clean "synthetic" clip in digital silence: the realism chain must change speed,
        # fill the silence with a noise floor, stay in range and repeat per seed.
        t = np.arange(8000)
        x = (0.3 * np.sin(t * 0.1) * np.hanning(8000)).astype(np.float32)
        self.assertEqual(len(augment.speed(x, 1.25)), 6400)
        self.assertEqual(len(augment.speed(x, 0.8)), 10000)
        seg, usable = 24000, 23000
        outs = []
        for seed in range(20):
            y, p = augment.augment(x, np.random.default_rng(seed), {}, seg, usable, real=True)
            self.assertEqual(y.shape, (seg,))
            self.assertLessEqual(float(np.max(np.abs(y))), 0.99 + 1e-6)
            self.assertTrue(0.88 <= p["speed"] <= 1.15)
            self.assertIn("floor_db", p)
            self.assertLess(p["floor_db"], -49.0)
            head = y[:max(1, p["offset"])] if p["offset"] > 0 else y[-100:]
            self.assertGreater(float(np.max(np.abs(head))), 0.0)  # no digital silence left
            outs.append(y)
        y0, p0 = augment.augment(x, np.random.default_rng(0), {}, seg, usable, real=True)
        np.testing.assert_array_equal(y0, outs[0])
        plain, q = augment.augment(x, np.random.default_rng(0), {}, seg, usable)
        self.assertNotIn("floor_db", q)
        self.assertNotIn("speed", q)

    def test_split_is_fixed_by_path(self):
        self.assertEqual(dataset.split_of("/x/keywords/wwb/computer/a.flac"),
                         dataset.split_of("/x/keywords/wwb/computer/a.flac"))
        splits = [dataset.split_of(f"f{i}.flac") for i in range(2000)]
        self.assertAlmostEqual(splits.count("test") / 2000, 0.25, delta=0.04)

    def test_quantization_range_covers_data(self):
        x = np.linspace(-12, 4, 10001)
        s, z = features.choose_quantization(x)
        q = np.round(x / s) + z
        self.assertGreaterEqual(q.min(), -129)
        self.assertLessEqual(q.max(), 128)

    def test_empty_folder_is_a_clear_error(self):
        from common import TrainError
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(TrainError, "no audio files"):
                dataset.list_audio(d, "keyword 'x'")
            bad = os.path.join(d, "bad.flac")
            with open(bad, "wb") as f:
                f.write(b"fLaC not really")
            silent = os.path.join(d, "silent.wav")
            from common import write_wav
            write_wav(silent, np.zeros(16000, np.float32))
            with self.assertRaisesRegex(TrainError, "none of its 2 clips is usable"):
                dataset.check_clips([bad, silent], "x")


class BadClips(unittest.TestCase):
    """Damaged, too-low-rate and resampled clips; test/train overlap in train-keyword."""

    def _burst(self, path, rate):
        rng = np.random.default_rng(3)
        t = np.arange(int(1.5 * 16000)) / 16000
        x = 0.001 * rng.standard_normal(len(t))
        x[8000:16000] += 0.3 * np.sin(2 * np.pi * 300 * t[8000:16000])
        from common import write_wav
        tmp = path + ".16k.wav"
        write_wav(tmp, x.astype(np.float32))
        subprocess.run(["sox", tmp, "-r", str(rate), path], check=True)
        os.remove(tmp)

    def test_truncated_low_rate_and_resampled_clips(self):
        import contextlib
        import io
        from common import TrainError, read_audio
        with tempfile.TemporaryDirectory() as d:
            good, low, trunc = (os.path.join(d, n) for n in ("good.wav", "low.wav", "trunc.flac"))
            self._burst(good, 44100)
            self._burst(low, 4000)
            self._burst(trunc, 16000)
            with open(trunc, "rb") as f:
                data = f.read()
            with open(trunc, "wb") as f:
                f.write(data[: len(data) // 2])  # sox decodes half, prints FAIL, exits 0
            with self.assertRaisesRegex(TrainError, "cannot read audio"):
                read_audio(trunc)
            self.assertEqual(dataset.source_rate(good), 44100)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                got = dataset.check_clips([good, low, trunc], "x")
            self.assertEqual(sorted(got), [good])
            self.assertIn("1 at 44100 Hz); resampled", err.getvalue())
            self.assertIn("4000 Hz is below 8000 Hz", err.getvalue())
            self.assertIn("trunc.flac: cannot read audio", err.getvalue())

    def test_train_keyword_refuses_test_clips_in_positives(self):
        import contextlib
        import io
        import train_keyword
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a"), os.path.join(d, "b")
            os.makedirs(a)
            os.makedirs(b)
            self._burst(os.path.join(a, "1.wav"), 16000)
            with open(os.path.join(a, "1.wav"), "rb") as f, open(os.path.join(b, "copy.wav"), "wb") as g:
                g.write(f.read())
            for pos, msg in ((a, "overlap"), (d, "overlap"), (b, "also in --positives")):
                err = io.StringIO()
                with contextlib.redirect_stderr(err):
                    rc = train_keyword.main(["x", "--test-dir", a, "--positives", pos, "--out", os.path.join(d, "m")])
                self.assertEqual(rc, 2)
                self.assertIn(msg, err.getvalue())
            self.assertFalse(os.path.exists(os.path.join(d, "m.tflite")))


if __name__ == "__main__":
    unittest.main()
