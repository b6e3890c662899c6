"""Turns a model card's held-out file list (models/<name>.test_files.txt,
written by tools/train) into kws-eval inputs: a positives manifest
(clip<TAB>keyword) and a negatives list (one file per line), with absolute
paths into the shared data folder.

    /usr/bin/python3 tools/eval/heldout_lists.py models/kwsd_default.test_files.txt OUT_DIR
"""

import os
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_dir():
    return os.environ.get("KWS_SHARED_DATA", os.path.join(REPO_ROOT, "..", "shared", "data"))


def resolve(folder):
    """The folder as written, else relative to the shared data (the list may
    carry paths relative to the checkout instead)."""
    if os.path.isabs(folder) and os.path.isdir(folder):
        return folder
    rel = os.path.relpath(folder, REPO_ROOT) if os.path.isabs(folder) else folder
    return os.path.join(os.path.abspath(shared_dir()), rel)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    positives, negatives, missing = [], [], []
    with open(src) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or ":" not in line:
                continue
            head, files = line.split(":", 1)
            role, folder = head.split(None, 1)
            folder = resolve(folder.strip())
            for name in files.split():
                path = os.path.join(folder, name)
                if not os.path.isfile(path):
                    missing.append(path)
                elif role == "negative":
                    negatives.append(path)
                else:
                    positives.append((path, role))
    if missing:
        sys.exit("heldout_lists: %d listed files are missing, e.g. %s" % (len(missing), missing[0]))
    with open(os.path.join(out, "positives.tsv"), "w") as f:
        f.write("# held-out keyword clips from %s\n" % src)
        for path, kw in positives:
            f.write("%s\t%s\n" % (path, kw))
    with open(os.path.join(out, "negatives.txt"), "w") as f:
        f.write("# held-out negative files from %s\n" % src)
        for path in negatives:
            f.write(path + "\n")
    print("%d positives, %d negative files -> %s" % (len(positives), len(negatives), out))


if __name__ == "__main__":
    main()
