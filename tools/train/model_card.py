"""Writes a model card (markdown) from a training result (train.run)."""

import datetime


def _pct(x):
    return f"{100.0 * x:.1f} %"


def write(r, path, command, extra=""):
    kws = [k for k in r["labels"] if k not in ("silence", "unknown")]
    L = []
    L.append(f"# {r['name']} — model card\n")
    if r.get("standin"):
        L.append("**STAND-IN FRONT END: not trained on kws-features output. Do not ship.**\n")
    L.append(f"Stage: {r['stage']}. Labels: {', '.join(r['labels'])}. Keywords: {', '.join(kws)}.\n")
    L.append("Trained from scratch by `tools/train` (our own code, Debian's PyTorch); "
             "int8 post-training quantization; written by `tools/train/tflite_export.py`.\n")
    L.append("## Model\n")
    L.append(f"- Architecture: temporal conv net `{r['model']}` (tools/train/model.py: a conv over all mel "
             "bins, then depthwise-separable convs along time, global average pool, fully connected, softmax); "
             "ops CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX.")
    L.append(f"- Parameters: {r['params']} int8 weights; weights + int32 biases {r['weight_bytes']} bytes; "
             f".tflite file {r['file_bytes']} bytes.")
    L.append(f"- MACs per inference: {r['macs']:,}.")
    spec = r["spec"]
    L.append(f"- Input: int8 [1, window_frames, 40, 1] log-mel; features from `kws-features` "
             f"(scale {r['quant'][0]:.6g}, zero point {r['quant'][1]}, chosen from the 0.05-99.95 "
             "percentiles of training features). All front-end parameters are in the `kwsd` metadata.")
    L.append(f"- Default thresholds (in metadata): " +
             ", ".join(f"{k} {r['thresholds'][k]:.3f}" for k in kws) + ".\n")
    L.append("## Data\n")
    L.append("- Keyword recordings: `keywords/wwb/<keyword>` (Picovoice wake-word benchmark, Apache-2.0); "
             "split by file: a hash of the path puts 25 % in test, 10 % in val (dataset.split_of).")
    L.append(f"- Synthetic positives: {spec['synth_positives']} espeak-ng/flite renditions per keyword "
             "(7 accents x voice variants, speed, pitch; flite with sox tempo/pitch).")
    L.append(f"- Near-miss negatives: {spec['near_misses']} per keyword from edited phonemes (swapped or "
             "dropped consonants, other stressed vowels, rhymes, prefixes/suffixes).")
    L.append("- Negative speech: LibriSpeech (1 utterance x 251 speakers), dc_tts reader, asterisk es_MX "
             "prompts, Arabic Speech Commands, Speech Commands v0.01 sample" +
             ("; " + ", ".join(spec["unknown_real_dirs"]) + " as 'unknown'." if spec.get("unknown_real_dirs")
              else "; no other wake words' recordings."))
    L.append("- Background: speech_commands and arabic_sc noise files (first 75 % for training).\n")
    L.append("## Augmentation\n")
    L.append("Per segment, from a seed stored in the manifest: level -42..-14 dBFS, time shift inside "
             "the window, sox reverb (p 0.3), noise at 0-25 dB SNR (p 0.8, 0.5 for unknown), "
             "USB-mic band limits (2nd-order high-pass 100-200 Hz, 4th-order low-pass 6-7 kHz, p 0.5). "
             f"Keyword clips x{spec['real_copies']}, synthetic x{spec['synth_copies']}.\n")
    if spec.get("synth_realism"):
        L.append("Synthetic clips (positives and near misses) also get the realism chain (augment.py): "
                 "speed x0.88-1.15, spectral tilt, a noise floor at -78..-50 dBFS, reverb p 0.7, "
                 "noise at 3-30 dB SNR (p 0.85), band limits 60-350 Hz / 3.4-7.6 kHz (p 0.8).\n")
    L.append("## Training\n")
    L.append(f"{spec['epochs']} epochs, AdamW + one-cycle, batch 128, {r.get('torch_threads', '?')} torch "
             "thread(s). Best val accuracy "
             f"{_pct(r['val_acc'])}. Wall time: {r['train_seconds'] / 60:.1f} min to the end of training, "
             f"{r['total_seconds'] / 60:.1f} min with quantization and evaluation.\n")
    L.append("```")
    L += r["epoch_log"]
    L.append("```\n")
    L.append("## Measured (held-out test split; never used for training or threshold choice)\n")
    L.append(f"Segments (one window per held-out clip / 4 s of negative speech, {r['test_segments']} in "
             f"all): float accuracy {_pct(r['test_acc_float'])}, int8 accuracy {_pct(r['test_acc_int8'])}, "
             f"float/int8 class agreement {_pct(r['agreement'])}.\n")
    L.append(f"Streaming: windows every {r.get('stride', '')} stride frames through the smoother and trigger "
             "rules (evaluate.py); thresholds picked on the val split (lowest >= 0.6 with no false accept "
             f"in {r['val_hours'] * 60:.0f} min of val speech). False accepts counted on "
             f"{r['test_hours'] * 60:.1f} min of test negatives (test speech files + last 25 % of noise).\n")
    L.append("**These figures come from the numpy int8 simulation (intsim.py) of the exported model, not "
             "yet from `kwsd replay`.**\n")
    L.append("| keyword | threshold | test clips | FRR | FA/h |")
    L.append("|---|---|---|---|---|")
    for k in kws:
        e = r["evals"][k]
        if "frr" in e:
            L.append(f"| {k} | {e['threshold']:.3f} | {e['clips']} | {_pct(e['frr'])} | {e['fa_per_hour']:.2f} |")
        else:
            L.append(f"| {k} | {e['threshold']:.3f} | — | — | — |")
    L.append("")
    for k in kws:
        e = r["evals"][k]
        if "sweep" in e:
            L.append(f"Threshold sweep for {k} (FRR / FA/h): " + "; ".join(
                f"{t:.3f}: {_pct(fr)} / {fa:.1f}" for t, fr, fa in e["sweep"][::2]) + "\n")
    L.append(extra)
    L.append("## Reproduce\n")
    L.append("```\n" + command + "\n```\n")
    L.append(f"Held-out files are listed in `{r['name']}.test_files.txt` next to this card. "
             f"Manifest: `{r['work']}/manifest.jsonl` (clip, label, split, augmentation seed and parameters).\n")
    L.append(f"Generated {datetime.date.today().isoformat()}.\n")
    with open(path, "w") as f:
        f.write("\n".join(L))
