#!/usr/bin/env python3
"""Writes an MNIST-format folder (train-images/labels-idx*-ubyte.gz) of Fashion-MNIST images
dimmed to half brightness with a bright (255) square pasted at a random position: a dataset
whose "object" is known exactly, for `dcgan forget` (docs/experiments/visualize-forget.md).

Dimming keeps every clothing pixel below 128, so in generated samples the patch is the only
thing above a high threshold (see mark_bright_patches.py).

usage: make_square_patch_dataset.py SOURCE_FOLDER OUT_FOLDER [--count N] [--size S] [--seed K]
"""
import argparse, gzip, os, struct
import numpy as np

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=60000)
    parser.add_argument("--size", type=int, default=6, help="side of the square in pixels")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images = read_idx(os.path.join(args.source, "train-images-idx3-ubyte.gz"))[:args.count]
    labels = read_idx(os.path.join(args.source, "train-labels-idx1-ubyte.gz"))[:args.count]
    rng = np.random.default_rng(args.seed)
    out = (images // 2).copy()
    n, h, w = out.shape
    ys = rng.integers(0, h - args.size + 1, n)
    xs = rng.integers(0, w - args.size + 1, n)
    for i in range(n):
        out[i, ys[i]:ys[i] + args.size, xs[i]:xs[i] + args.size] = 255
    os.makedirs(args.out, exist_ok=True)
    write_idx(os.path.join(args.out, "train-images-idx3-ubyte.gz"), out)
    write_idx(os.path.join(args.out, "train-labels-idx1-ubyte.gz"), labels)
    print(f"wrote {n} images with a {args.size}x{args.size} patch to {args.out}")

if __name__ == "__main__":
    main()
