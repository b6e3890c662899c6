"""Trains a new keyword model from its text alone (see tools/train-keyword).

Positives are synthesised (espeak-ng, flite), near misses generated from the
phrase's phonemes, negatives and noise come from the shared data. Synthetic
clips go through augment.realism (speed, tilt, noise floor, more reverb and
band limits) so they do not stand out from real recordings. Optional real
recordings can be added for training (--positives DIR) or used only to measure
(--test-dir DIR: every file there is held out).
"""

import argparse
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dataset  # noqa: E402
import model_card  # noqa: E402
import train  # noqa: E402
from common import REPO_ROOT, TrainError, log, shared_path  # noqa: E402


def slug(phrase):
    s = re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")
    if not s:
        raise TrainError(f"phrase {phrase!r} has no letters to speak")
    return s[:31]


def _sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def _nested(a, b):
    """True if folder a is b or one holds the other."""
    return a == b or a.startswith(b + os.sep) or b.startswith(a + os.sep)


def check_inputs(folders, out):
    """Runs the front end (kws-features) on every audio file of `folders`, as
    training does, and reports each file it would skip. 0: all readable, 1: some
    would be skipped (listed), 2 (TrainError): no folder or no audio at all."""
    import tempfile

    import features
    if not folders:
        raise TrainError("--check-inputs needs --positives and/or --test-dir")
    files = []
    for d in folders:
        files += dataset.list_audio(d, d)
    with tempfile.TemporaryDirectory(prefix="train-keyword-check-") as tmp:
        _, rows = features.compute(files, tmp)
    bad = [r for r in rows if r["status"] != "ok"]
    log(f"train-keyword: checked {len(rows)} files: {len(rows) - len(bad)} readable, {len(bad)} would be skipped")
    return 1 if bad else 0



def _unpreload_blas():
    """tools/train-keyword preloads OpenBLAS for this process only: the programs it runs (kws-features,
    sox, the synthesisers) get the environment without it."""
    lib = os.environ.pop("KWS_BLAS_PRELOAD", "")
    if not lib:
        return
    rest = [p for p in os.environ.get("LD_PRELOAD", "").split(":") if p and p != lib]
    if rest:
        os.environ["LD_PRELOAD"] = ":".join(rest)
    else:
        os.environ.pop("LD_PRELOAD", None)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="train-keyword",
                                 description="Train a keyword model from text (no recordings needed).")
    ap.add_argument("phrase", help='the keyword, e.g. "hey robot"')
    ap.add_argument("--out", help="output path without extension (default models/custom/<slug>)")
    ap.add_argument("--positives", help="folder of real recordings of the phrase to train on as well")
    ap.add_argument("--test-dir", help="folder of real recordings of the phrase used only for testing")
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--synth", type=int, default=600, help="synthetic positives (default 600)")
    ap.add_argument("--quick", action="store_true", help="tiny run to check the set-up, not a usable model")
    ap.add_argument("--check-inputs", action="store_true",
                    help="only read every file of --positives/--test-dir through the front end (as training "
                         "would) and list the ones that would be skipped; no training")
    ap.add_argument("--backbone", action="store_true",
                    help="train a head on openWakeWord's frozen backbone (float .tflite) instead of a model "
                         "from scratch; the backbone folder is KWS_BACKBONE_DIR (default models/openwakeword, "
                         "which tools/bootstrap.sh fills, else <shared data>/models/openwakeword)")
    ap.add_argument("--voices", type=int, help="--backbone: synthetic voice settings (default 630)")
    ap.add_argument("--copies", type=int, help="--backbone: times each synthetic clip appears in the streams "
                                               "(default 2)")
    a = ap.parse_args(argv)
    _unpreload_blas()
    try:
        name = slug(a.phrase)
        out = a.out or os.path.join(REPO_ROOT, "models", "custom", name)
        if a.backbone:
            return _backbone(a, name, out, argv)
        # With --positives, other wake words' recordings are 'unknown', except this keyword's own and
        # any folder holding (or held in) the recordings given with --test-dir / --positives.
        # From text alone they are left out: with only synthetic positives the model learned
        # "real recording = unknown" (snowboy, no realism, seed 1: FRR 90.9 % with them, 76.7 % without;
        # tools/train/README.md).
        mine = [os.path.realpath(d) for d in (a.test_dir, a.positives) if d]
        unknown_dirs = [d for d in ("keywords/wwb/alexa", "keywords/wwb/computer", "keywords/wwb/jarvis",
                                    "keywords/wwb/snowboy")
                        if a.positives and os.path.basename(d) != name and os.path.isdir(shared_path(d))
                        and not any(_nested(os.path.realpath(shared_path(d)), m) for m in mine)]
        src = {"text": a.phrase, "real_dir": os.path.abspath(a.positives) if a.positives else None}
        if a.test_dir:
            src["test_dir"] = os.path.abspath(a.test_dir)
            test_files = dataset.list_audio(src["test_dir"], "--test-dir")
            if a.positives:
                if _nested(os.path.realpath(a.test_dir), os.path.realpath(a.positives)):
                    raise TrainError(f"--test-dir {a.test_dir} and --positives {a.positives} overlap: "
                                     "test recordings must not be trained on")
                train_files = dataset.list_audio(src["real_dir"], "--positives")
                test_sums = {_sha1(f): f for f in test_files}
                same = sorted(test_sums[h] for h in map(_sha1, train_files) if h in test_sums)
                if same:
                    raise TrainError(f"{len(same)} files of --test-dir are also in --positives "
                                     f"(e.g. {same[0]}): test recordings must not be trained on")
        if a.check_inputs:
            return check_inputs([d for d in (a.positives, a.test_dir) if d], out)
        spec = {"name": name, "stage": "stage1", "keywords": {name: src}, "unknown_real_dirs": unknown_dirs,
                "synth_realism": True, "real_copies": 8, "synth_positives": a.synth, "synth_copies": 4,
                "near_misses": 400, "near_miss_copies": 2, "speech_seconds_per_crop": 1.5, "noise_segments": 2000,
                "epochs": a.epochs, "seed": a.seed, "out": out}
        if a.quick:
            spec.update(real_copies=1, synth_positives=30, synth_copies=1, near_misses=30, near_miss_copies=1,
                        speech_seconds_per_crop=30, noise_segments=100, epochs=2)
        r = train.run(spec)
    except TrainError as e:
        log(f"train-keyword: error: {e}")
        return 2
    extra = ""
    if a.test_dir:
        extra = (f"Trained from text only; the test clips are all {len(r['evals'][name].get('test_files', []))} "
                 f"files of `{a.test_dir}` (none used in training).\n")
    cmd = "tools/train-keyword " + " ".join(f'"{x}"' if " " in x else x for x in (argv or sys.argv[1:]))
    model_card.write(r, out + ".md", cmd, extra)
    print(f"{out}.tflite  {out}.md")
    return 0


def _backbone(a, name, out, argv):
    import train_head

    if a.positives or a.test_dir:
        raise TrainError("--backbone trains from text only for now: --positives / --test-dir are not supported "
                         "with it (measure a head with tools/train/eval_head.py)")
    r = train_head.run(a.phrase, name, out, seed=a.seed, quick=a.quick, voices=a.voices, copies=a.copies,
                       epochs=a.epochs if a.epochs != 14 else None)
    cmd = "tools/train-keyword " + " ".join(f'"{x}"' if " " in x else x for x in (argv or sys.argv[1:]))
    train_head.write_card(r, out + ".md", cmd)
    print(f"{out}.tflite  {out}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
