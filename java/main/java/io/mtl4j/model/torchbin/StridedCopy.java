package io.mtl4j.model.torchbin;

import io.mtl4j.util.UserError;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** A tensor's elements as one row-major buffer: a slice of its storage when contiguous, else a copy following its strides. */
final class StridedCopy {
    private StridedCopy() {
    }

    static ByteBuffer copy(Path file, String name, TensorRef t, byte[] storage) {
        int es = t.storage().dtype().bytes();
        long numel = t.numel();
        long[] shape = t.shape();
        long[] stride = t.stride();
        long last = t.offset();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            if (stride[d] < 0) {
                throw new UserError(file + ": tensor " + name + " has a negative stride");
            }
            last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, stride[d]));
        }
        if (t.offset() < 0 || Math.multiplyExact(last + 1, es) > storage.length) {
            throw new UserError(file + ": tensor " + name + " reaches past the end of its storage");
        }
        if (Math.multiplyExact(numel, es) > storage.length) {
            // Only a broadcast (stride 0) view has more elements than its storage; no parameter is one,
            // and copying it out would allocate what the file's size fields say rather than its bytes.
            throw new UserError(file + ": tensor " + name + " has more elements than its storage (a broadcast view)");
        }
        int length = Math.toIntExact(Math.multiplyExact(numel, es));
        if (isContiguous(shape, stride)) {
            // Most parameters: their bytes as they lie in the storage, not copied, which halves
            // the memory a conversion needs. Buffers over one storage share it, read-only.
            return ByteBuffer.wrap(storage, Math.toIntExact(t.offset() * es), length).slice()
                    .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        byte[] out = new byte[length];
        long[] index = new long[shape.length];
        for (long i = 0; i < numel; i++) {
            long at = t.offset();
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            System.arraycopy(storage, (int) (at * es), out, (int) (i * es), es);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean isContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }
}
