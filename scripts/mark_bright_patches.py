#!/usr/bin/env python3
"""Finds the bright square in each generated sample and writes the boxes JSON `dcgan forget`
reads: [{"sample": i, "box": [x0, y0, x1, y1]}, ...] (half-open pixel boxes).

The samples come from `dcgan sample --seed S --count N --npy samples.npy` (uint8, N x H x W) of
a model trained on the square-patch dataset (make_square_patch_dataset.py), whose clothing is
dimmed below 128: the largest 4-connected blob of pixels above --threshold is the patch. Samples
whose blob is too small or not square-ish (its bounding box less than half filled, or more than
twice as long as wide) are left unmarked.

usage: mark_bright_patches.py samples.npy boxes.json [--threshold 180] [--min-pixels 8]
"""
import argparse, json
import numpy as np

def largest_blob(mask):
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    best = []
    for y in range(h):
        for x in range(w):
            if not mask[y, x] or seen[y, x]:
                continue
            stack, blob = [(y, x)], []
            seen[y, x] = True
            while stack:
                cy, cx = stack.pop()
                blob.append((cy, cx))
                for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
            if len(blob) > len(best):
                best = blob
    return best

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("samples")
    parser.add_argument("boxes")
    parser.add_argument("--threshold", type=int, default=180)
    parser.add_argument("--min-pixels", type=int, default=8)
    args = parser.parse_args()
    samples = np.load(args.samples)
    if samples.ndim == 4:
        samples = samples[..., 0]
    boxes = []
    for index, image in enumerate(samples):
        blob = largest_blob(image > args.threshold)
        if len(blob) < args.min_pixels:
            continue
        ys = [p[0] for p in blob]
        xs = [p[1] for p in blob]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs) + 1, max(ys) + 1
        width, height = x1 - x0, y1 - y0
        if len(blob) < 0.5 * width * height or max(width, height) > 2 * min(width, height):
            continue
        boxes.append({"sample": index, "box": [int(x0), int(y0), int(x1), int(y1)]})
    with open(args.boxes, "w") as f:
        json.dump(boxes, f)
    print(f"marked {len(boxes)} of {len(samples)} samples; wrote {args.boxes}")

if __name__ == "__main__":
    main()
