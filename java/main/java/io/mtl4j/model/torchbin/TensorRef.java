package io.mtl4j.model.torchbin;

import io.mtl4j.util.UserError;

import java.util.List;

/** A tensor in a pickle: a view (offset, shape, strides, in elements) of a storage not yet read. */
record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {

    /** A storage a persistent id names: its key in the file, its dtype and its length in elements. */
    record StorageRef(String key, io.mtl4j.model.safetensors.DType dtype, long numel) {
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])} and {@code _rebuild_tensor}. */
    static TensorRef rebuild(String file, List<Object> args) {
        if (args.size() < 4 || !(args.get(0) instanceof StorageRef storage) || !(args.get(1) instanceof Long offset)) {
            throw new UserError(file + ": not a torch state dict: a tensor's rebuild arguments are malformed");
        }
        long[] shape = longs(file, args.get(2));
        long[] stride = longs(file, args.get(3));
        if (shape.length != stride.length) {
            throw new UserError(file + ": not a torch state dict: a tensor's shape and strides differ in rank");
        }
        return new TensorRef(storage, offset, shape, stride);
    }

    private static long[] longs(String file, Object tuple) {
        if (!(tuple instanceof RestrictedUnpickler.Tuple t)) {
            throw new UserError(file + ": not a torch state dict: a tensor's shape is not a tuple");
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items().get(i) instanceof Long v) || v < 0) {
                throw new UserError(file + ": not a torch state dict: a tensor's shape or stride holds something other than a size");
            }
            out[i] = v;
        }
        return out;
    }

    long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
