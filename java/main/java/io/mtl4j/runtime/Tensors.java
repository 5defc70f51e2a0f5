package io.mtl4j.runtime;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Copies between Java arrays and CPU tensors. */
public final class Tensors {
    private Tensors() {
    }

    public static Tensor longTensor(long[] data, long... shape) {
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
        if (data.length != t.numel()) {
            throw new IllegalArgumentException(data.length + " values for " + t.numel() + " elements");
        }
        new LongPointer(t.data_ptr()).capacity(data.length).put(data);
        return t;
    }

    public static Tensor floatTensor(float[] data, long... shape) {
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        if (data.length != t.numel()) {
            throw new IllegalArgumentException(data.length + " values for " + t.numel() + " elements");
        }
        new FloatPointer(t.data_ptr()).capacity(data.length).put(data);
        return t;
    }

    /** The values of a float tensor (any device, any float dtype), row-major. */
    public static float[] toFloatArray(Tensor tensor) {
        Tensor cpu = tensor.detach().to(torch.ScalarType.Float).cpu().contiguous();
        float[] out = new float[Math.toIntExact(cpu.numel())];
        new FloatPointer(cpu.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    /**
     * The tensor's dtype as one of the {@link torch.ScalarType} constants. JavaCPP returns enums
     * from native calls as fresh instances that carry only the native value, so they never
     * {@code ==} (nor {@code switch}-match) the constants; map them by value.
     */
    public static torch.ScalarType scalarType(Tensor t) {
        return canonical(t.scalar_type());
    }

    public static torch.ScalarType canonical(torch.ScalarType type) {
        for (torch.ScalarType s : torch.ScalarType.values()) {
            if (s.value == type.value) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scalar type " + type.value);
    }

    /** Whether two devices are the same (by native value, see {@link #scalarType}). */
    public static boolean sameDevice(org.bytedeco.pytorch.Device a, org.bytedeco.pytorch.Device b) {
        return a.type().value == b.type().value && a.index() == b.index();
    }

    public static long[] shape(Tensor t) {
        long[] shape = new long[(int) t.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.size(i);
        }
        return shape;
    }
}
